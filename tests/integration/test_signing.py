"""Signed events: key files, signatures outside the hash, and a store that refuses what it does
not trust."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from adapters.signing import (
    KeyFileError,
    SealProblem,
    generate_key_pair,
    load_signer,
    load_trusted_keys,
)
from adapters.store import open_event_store, parse_store_url
from core.domain.errors import UntrustedHistoryError
from core.domain.events import PlanCompleted
from core.domain.hash_chain import event_hash, seal
from tests.unit.builders import CORRELATION_ID, PLAN_ID, T0


def completed() -> PlanCompleted:
    return seal(
        PlanCompleted(
            originator_id=PLAN_ID,
            originator_version=1,
            timestamp=T0,
            actor="engine",
            correlation_id=CORRELATION_ID,
        )
    )


def test_a_generated_private_key_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    pair = generate_key_pair(tmp_path / "keys", "writer")

    mode = stat.S_IMODE(pair.private_path.stat().st_mode)

    assert mode == 0o600
    assert pair.public_path.name == "writer.pub"
    assert load_signer(pair.private_path).key_id == pair.key_id
    with pytest.raises(KeyFileError, match="never overwritten"):
        generate_key_pair(tmp_path / "keys", "writer")


def test_a_signature_leaves_the_hash_as_it_was_and_is_checked_against_the_content(
    tmp_path: Path,
) -> None:
    pair = generate_key_pair(tmp_path / "keys", "writer")
    generate_key_pair(tmp_path / "other", "stranger")
    trusted = load_trusted_keys(tmp_path / "keys")
    event = completed()

    signed = load_signer(pair.private_path).sign(event)
    stranger = load_signer(tmp_path / "other" / "stranger.key").sign(event)
    changed = signed.model_copy(update={"outputs": {"x": 1}})

    assert event_hash(signed) == event.hash == signed.hash
    assert trusted.problem(signed) is None
    assert trusted.problem(event) == (SealProblem.UNSIGNED, "the event carries no signature")
    assert trusted.problem(stranger)[0] is SealProblem.UNKNOWN_KEY  # type: ignore[index]
    assert trusted.problem(changed)[0] is SealProblem.BAD_SIGNATURE  # type: ignore[index]


def test_a_directory_without_public_keys_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="holds no public key"):
        load_trusted_keys(tmp_path)


def test_a_signing_store_stores_the_signature_and_a_trusting_one_refuses_unsigned_events(
    tmp_path: Path,
) -> None:
    pair = generate_key_pair(tmp_path / "keys", "writer")
    config = parse_store_url(f"sqlite:///{tmp_path / 's.db'}")
    plain = open_event_store(config)
    signing = open_event_store(config, signer=load_signer(pair.private_path))
    trusting = open_event_store(config, trusted=load_trusted_keys(tmp_path / "keys"))
    try:
        plain.append([completed()])
        other = completed().model_copy(update={"originator_id": CORRELATION_ID})
        signing.append([seal(other)])

        assert trusting.load(CORRELATION_ID)[0].key_id == pair.key_id
        with pytest.raises(UntrustedHistoryError, match="unsigned PlanCompleted"):
            trusting.load(PLAN_ID)
        assert plain.load(PLAN_ID)[0].signature is None
        stored = plain.application.recorder.select_events(PLAN_ID)[0].state
        assert b"signature" not in stored
    finally:
        for store in (plain, signing, trusting):
            store.close()
