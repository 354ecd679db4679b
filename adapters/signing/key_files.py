"""Key files: `NAME.key` (private, PEM PKCS#8, mode 0600) and `NAME.pub` (PEM), outside the store.

A key's id is derived from its public key, so renaming a file changes nothing and two deployments
that both call their key `writer` cannot be confused. Rotation is adding a key: a verifier trusts
every `.pub` file in its directory, and old events keep the id of the key that signed them.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from adapters.signing.errors import KeyFileError
from adapters.signing.event_seal import EventSigner, TrustedKeys

PRIVATE_SUFFIX = ".key"
PUBLIC_SUFFIX = ".pub"
KEY_ID_PREFIX = "ed25519:"


@dataclass(frozen=True)
class KeyPair:
    """Where a generated pair was written, and its id."""

    key_id: str
    private_path: Path
    public_path: Path


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """`ed25519:` and the first 128 bits of the SHA-256 of the raw public key, in hex."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return KEY_ID_PREFIX + hashlib.sha256(raw).hexdigest()[:32]


def generate_key_pair(directory: Path, name: str) -> KeyPair:
    """Write `NAME.key` (0600) and `NAME.pub` into `directory`; never overwrite either."""
    if not name or not all(char.isalnum() or char in "-_." for char in name) or name[0] == ".":
        raise KeyFileError(directory / name, "a key name is letters, digits, '-', '_' and '.'")
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    private_path = directory / f"{name}{PRIVATE_SUFFIX}"
    public_path = directory / f"{name}{PUBLIC_SUFFIX}"
    for path in (private_path, public_path):
        if path.exists():
            raise KeyFileError(path, "exists already: keys are never overwritten")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(private_pem)
    public_path.write_bytes(public_pem)
    return KeyPair(key_id_of(key.public_key()), private_path, public_path)


def load_signer(path: Path) -> EventSigner:
    """The signer whose private key is at `path` (PLANLEDGER_SIGNING_KEY)."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as error:
        raise KeyFileError(path, f"cannot be read ({error.strerror})") from None
    except (ValueError, TypeError):
        raise KeyFileError(path, "is not a PEM private key without a password") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(path, "is not an Ed25519 private key")
    return EventSigner(key_id_of(key.public_key()), key)


def load_trusted_keys(directory: Path) -> TrustedKeys:
    """Every `*.pub` in `directory` (PLANLEDGER_TRUSTED_KEYS, `audit verify --keys`)."""
    if not directory.is_dir():
        raise KeyFileError(directory, "is not a directory of public keys (NAME.pub files)")
    keys: dict[str, Ed25519PublicKey] = {}
    names: dict[str, str] = {}
    for path in sorted(directory.glob(f"*{PUBLIC_SUFFIX}")):
        try:
            key = serialization.load_pem_public_key(path.read_bytes())
        except (OSError, ValueError):
            raise KeyFileError(path, "is not a PEM public key") from None
        if not isinstance(key, Ed25519PublicKey):
            raise KeyFileError(path, "is not an Ed25519 public key")
        key_id = key_id_of(key)
        keys[key_id] = key
        names[key_id] = path.name.removesuffix(PUBLIC_SUFFIX)
    if not keys:
        raise KeyFileError(directory, "holds no public key (NAME.pub)")
    return TrustedKeys(keys, names)
