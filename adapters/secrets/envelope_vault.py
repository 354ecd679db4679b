"""Envelope encryption of secret inputs with AES-GCM: the `SecretVault` port on `cryptography`.

Each plan gets a fresh 256-bit data key. The secret values (their JSON) are encrypted under it
and recorded in `PlanCreated`; the data key itself is encrypted (wrapped) under the master key
and kept in the data-key table. Both encryptions bind the plan id as associated data, so
ciphertext moved to another plan does not decrypt. A sub-plan's secrets are encrypted under its
root plan's data key (`under`), still bound to the sub-plan's own id; no key row is written for
it, so two engines racing to start the same child never replace each other's key. The master
key is read when first needed.
"""

from __future__ import annotations

import base64
import binascii
import os
from uuid import UUID

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from adapters.secrets.data_keys import DataKeys
from adapters.secrets.master_key import MasterKey, load_master_key
from core import JsonObject, SealedInputs, SecretsUnavailableError

NONCE_BYTES = 12
UNREADABLE = "the sealed inputs or their data key do not decrypt (tampered?)"


class EnvelopeVault:
    """Seals and unseals plans' secret inputs with the master key at `key_path`."""

    def __init__(self, key_path: str, data_keys: DataKeys) -> None:
        self._key_path = key_path
        self._data_keys = data_keys
        self._master: MasterKey | None = None

    def seal(self, plan_id: UUID, values: JsonObject, *, under: UUID | None = None) -> SealedInputs:
        master = self._master_key()
        if under is None:
            data_key = AESGCM.generate_key(bit_length=256)
            wrap_nonce = os.urandom(NONCE_BYTES)
            wrapped = wrap_nonce + AESGCM(master.key).encrypt(wrap_nonce, data_key, plan_id.bytes)
            if not self._data_keys.put(plan_id, master.key_id, wrapped):
                data_key = self._data_key(plan_id, master)  # a racing creation's key stays
        else:
            data_key = self._data_key(under, master)
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = AESGCM(data_key).encrypt(nonce, orjson.dumps(values), plan_id.bytes)
        return SealedInputs(
            key_id=master.key_id,
            nonce=_text(nonce),
            ciphertext=_text(ciphertext),
            key_plan_id=under,
        )

    def unseal(self, plan_id: UUID, sealed: SealedInputs) -> JsonObject:
        master = self._master_key()
        if sealed.key_id != master.key_id:
            raise SecretsUnavailableError(
                plan_id, f"they were sealed under key {sealed.key_id}, this is {master.key_id}"
            )
        data_key = self._data_key(sealed.key_plan_id or plan_id, master)
        try:
            clear = AESGCM(data_key).decrypt(
                _bytes(sealed.nonce), _bytes(sealed.ciphertext), plan_id.bytes
            )
        except (InvalidTag, ValueError, binascii.Error):
            raise SecretsUnavailableError(plan_id, UNREADABLE) from None
        values: JsonObject = orjson.loads(clear)
        return values

    def _data_key(self, owner: UUID, master: MasterKey) -> bytes:
        """The data key of plan `owner`, unwrapped (`SecretsUnavailableError` if forgotten)."""
        stored = self._data_keys.get(owner)
        if stored is None:
            raise SecretsUnavailableError(
                owner, "its data key was forgotten (`planledger secrets forget`)"
            )
        wrapped = stored[1]
        try:
            return AESGCM(master.key).decrypt(
                wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], owner.bytes
            )
        except (InvalidTag, ValueError, binascii.Error):
            raise SecretsUnavailableError(owner, UNREADABLE) from None

    def forget(self, plan_id: UUID) -> bool:
        """Delete the plan's data key; True if it had one."""
        return self._data_keys.forget(plan_id)

    def _master_key(self) -> MasterKey:
        if self._master is None:
            self._master = load_master_key(self._key_path)
        return self._master


def _text(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _bytes(text: str) -> bytes:
    return base64.b64decode(text, validate=True)
