"""Envelope encryption of secret inputs with AES-GCM: the `SecretVault` port on `cryptography`.

Each plan gets a fresh 256-bit data key. The secret values (their JSON) are encrypted under it
and recorded in `PlanCreated`; the data key itself is encrypted (wrapped) under the master key
and kept in the data-key table. Both encryptions bind the plan id as associated data, so
ciphertext moved to another plan does not decrypt. The master key is read when first needed.
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


class EnvelopeVault:
    """Seals and unseals plans' secret inputs with the master key at `key_path`."""

    def __init__(self, key_path: str, data_keys: DataKeys) -> None:
        self._key_path = key_path
        self._data_keys = data_keys
        self._master: MasterKey | None = None

    def seal(self, plan_id: UUID, values: JsonObject) -> SealedInputs:
        master = self._master_key()
        data_key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = AESGCM(data_key).encrypt(nonce, orjson.dumps(values), plan_id.bytes)
        wrap_nonce = os.urandom(NONCE_BYTES)
        wrapped = wrap_nonce + AESGCM(master.key).encrypt(wrap_nonce, data_key, plan_id.bytes)
        self._data_keys.put(plan_id, master.key_id, wrapped)
        return SealedInputs(key_id=master.key_id, nonce=_text(nonce), ciphertext=_text(ciphertext))

    def unseal(self, plan_id: UUID, sealed: SealedInputs) -> JsonObject:
        master = self._master_key()
        if sealed.key_id != master.key_id:
            raise SecretsUnavailableError(
                plan_id, f"they were sealed under key {sealed.key_id}, this is {master.key_id}"
            )
        stored = self._data_keys.get(plan_id)
        if stored is None:
            raise SecretsUnavailableError(
                plan_id, "its data key was forgotten (`planledger secrets forget`)"
            )
        wrapped = stored[1]
        try:
            data_key = AESGCM(master.key).decrypt(
                wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], plan_id.bytes
            )
            clear = AESGCM(data_key).decrypt(
                _bytes(sealed.nonce), _bytes(sealed.ciphertext), plan_id.bytes
            )
        except (InvalidTag, ValueError, binascii.Error):
            raise SecretsUnavailableError(
                plan_id, "the sealed inputs or their data key do not decrypt (tampered?)"
            ) from None
        values: JsonObject = orjson.loads(clear)
        return values

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
