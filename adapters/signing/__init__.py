"""Signed events: Ed25519 key files outside the database, a signer for writers, trusted keys."""

from adapters.signing.errors import KeyFileError
from adapters.signing.event_seal import EventSigner, SealProblem, TrustedKeys
from adapters.signing.key_files import (
    generate_key_pair,
    key_id_of,
    load_signer,
    load_trusted_keys,
)

__all__ = [
    "EventSigner",
    "KeyFileError",
    "SealProblem",
    "TrustedKeys",
    "generate_key_pair",
    "key_id_of",
    "load_signer",
    "load_trusted_keys",
]
