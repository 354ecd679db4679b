"""The master key of secret inputs: a file outside the database, named by a setting.

The file holds 32 random bytes in base64. It never enters the store: the store keeps only data
keys wrapped by it, so a copy of the database alone reads no secret. Its id (a digest prefix)
is recorded with what it sealed, so a wrong key is named as such rather than failing obscurely.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from core import InvalidInputError, SecretsUnavailableError

KEY_BYTES = 32


@dataclass(frozen=True)
class MasterKey:
    """The key's bytes and its id."""

    key: bytes

    @property
    def key_id(self) -> str:
        """Which key this is, without revealing it: the first 16 hex digits of its SHA-256."""
        return hashlib.sha256(self.key).hexdigest()[:16]


def load_master_key(path: str) -> MasterKey:
    """Read the key file; `SecretsUnavailableError` saying what is wrong with it."""
    try:
        text = Path(path).read_text(encoding="ascii").strip()
        key = base64.b64decode(text, validate=True)
    except OSError as error:
        raise SecretsUnavailableError(
            None, f"cannot read the secrets key file {path!r}: {error.strerror}"
        ) from None
    except (ValueError, binascii.Error):
        raise SecretsUnavailableError(
            None, f"the secrets key file {path!r} does not hold a base64 key"
        ) from None
    if len(key) != KEY_BYTES:
        raise SecretsUnavailableError(
            None, f"the secrets key in {path!r} has {len(key)} bytes, not {KEY_BYTES}"
        )
    return MasterKey(key)


def init_master_key(path: str) -> MasterKey:
    """Write a new random key to `path` (readable by its owner only); never over another."""
    key = MasterKey(os.urandom(KEY_BYTES))
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InvalidInputError(
            f"{path} exists: a secrets key is never overwritten (its plans' secrets would be lost)"
        ) from None
    except OSError as error:
        raise InvalidInputError(f"cannot create {path}: {error.strerror}") from None
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(base64.b64encode(key.key).decode() + "\n")
    return key
