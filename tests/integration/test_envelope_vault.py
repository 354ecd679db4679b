"""Envelope encryption of secret inputs: round trip, and each way it must refuse to decrypt."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from adapters.secrets import EnvelopeVault, init_master_key, open_data_keys
from adapters.store import open_event_store, parse_store_url
from core import SecretsUnavailableError
from core.domain.secret_inputs import REDACTED, redacted, scrubbed, secret_input_names, secret_texts

VALUES = {"password": "S3cret", "pin": 1234}


@pytest.fixture
def vault(tmp_path: Path) -> EnvelopeVault:
    init_master_key(str(tmp_path / "master.key"))
    keys = open_data_keys(parse_store_url(f"sqlite:///{tmp_path / 'x.db'}"))
    return EnvelopeVault(str(tmp_path / "master.key"), keys)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_vault(request: pytest.FixtureRequest, tmp_path: Path) -> EnvelopeVault:
    """A vault whose data keys live in a SQLite file, then in a PostgreSQL schema."""
    init_master_key(str(tmp_path / "master.key"))
    url = f"sqlite:///{tmp_path / 'x.db'}"
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        open_event_store(parse_store_url(url)).close()  # the schema, as `db init` makes it
    return EnvelopeVault(str(tmp_path / "master.key"), open_data_keys(parse_store_url(url)))


def test_sealed_values_come_back_only_for_their_own_plan(vault: EnvelopeVault) -> None:
    plan_id, other = uuid.uuid4(), uuid.uuid4()
    sealed = vault.seal(plan_id, VALUES)
    vault.seal(other, {"x": 1})

    assert vault.unseal(plan_id, sealed) == VALUES
    assert "S3cret" not in sealed.model_dump_json()
    with pytest.raises(SecretsUnavailableError, match="do not decrypt"):
        vault.unseal(other, sealed)  # the plan id is bound as associated data


def test_a_sub_plans_values_sealed_under_its_roots_key_open_for_it_alone_and_go_with_that_key(
    vault: EnvelopeVault,
) -> None:
    root, child, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    vault.seal(root, {"password": "root's own"})
    sealed = vault.seal(child, VALUES, under=root)

    assert sealed.key_plan_id == root
    assert vault.unseal(child, sealed) == VALUES
    with pytest.raises(SecretsUnavailableError, match="do not decrypt"):
        vault.unseal(other, sealed)  # still bound to the child's id
    assert not vault.forget(child)  # no key of its own was kept
    assert vault.forget(root)
    with pytest.raises(SecretsUnavailableError, match="data key was forgotten"):
        vault.unseal(child, sealed)
    with pytest.raises(SecretsUnavailableError, match="data key was forgotten"):
        vault.seal(uuid.uuid4(), VALUES, under=root)


def test_two_sealings_for_one_plan_share_its_first_key_so_either_opens(
    any_vault: EnvelopeVault,
) -> None:
    plan_id = uuid.uuid4()  # two requests with one idempotency key, racing to create it
    first = any_vault.seal(plan_id, VALUES)
    second = any_vault.seal(plan_id, {"password": "the other request's"})

    assert any_vault.unseal(plan_id, first) == VALUES
    assert any_vault.unseal(plan_id, second) == {"password": "the other request's"}


def test_sealed_inputs_without_a_key_owner_dump_as_they_always_did(vault: EnvelopeVault) -> None:
    sealed = vault.seal(uuid.uuid4(), VALUES)

    assert set(sealed.model_dump(mode="json")) == {"key_id", "nonce", "ciphertext"}


def test_a_tampered_ciphertext_a_forgotten_key_and_another_master_key_are_refused(
    vault: EnvelopeVault, tmp_path: Path
) -> None:
    plan_id = uuid.uuid4()
    sealed = vault.seal(plan_id, VALUES)
    flipped = sealed.ciphertext[:-4] + ("AAAA" if sealed.ciphertext[-4:] != "AAAA" else "BBBB")
    init_master_key(str(tmp_path / "other.key"))
    keys = open_data_keys(parse_store_url(f"sqlite:///{tmp_path / 'x.db'}"))
    stranger = EnvelopeVault(str(tmp_path / "other.key"), keys)

    with pytest.raises(SecretsUnavailableError, match="do not decrypt"):
        vault.unseal(plan_id, sealed.model_copy(update={"ciphertext": flipped}))
    with pytest.raises(SecretsUnavailableError, match="sealed under key"):
        stranger.unseal(plan_id, sealed)
    assert vault.forget(plan_id)
    with pytest.raises(SecretsUnavailableError, match="data key was forgotten"):
        vault.unseal(plan_id, sealed)
    assert not vault.forget(plan_id)


def test_a_missing_or_malformed_key_file_is_named() -> None:
    keys = open_data_keys(parse_store_url("memory://"))

    with pytest.raises(SecretsUnavailableError, match="cannot read the secrets key file"):
        EnvelopeVault("/no/such/key", keys).seal(uuid.uuid4(), VALUES)


def test_secret_inputs_are_the_write_only_and_password_ones_and_are_redacted_and_scrubbed() -> None:
    schema = {
        "properties": {
            "password": {"type": "string", "writeOnly": True},
            "pin": {"type": "integer", "format": "password"},
            "env": {"type": "string"},
        }
    }

    names = secret_input_names(schema)

    assert names == {"password", "pin"}
    assert redacted({**VALUES, "env": "prod"}, names) == {
        "password": REDACTED,
        "pin": REDACTED,
        "env": "prod",
    }
    texts = secret_texts(VALUES)
    assert scrubbed({"out": "pw S3cret pin 1234", "S3cret": [1234, "x"]}, texts) == {
        "out": "pw *** pin ***",
        "***": [1234, "x"],
    }
