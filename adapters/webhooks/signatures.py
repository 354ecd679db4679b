"""Standard Webhooks signatures, and signing secrets derived from one server key.

A delivery carries `webhook-id` (the same on every retry), `webhook-timestamp` (Unix seconds)
and `webhook-signature: v1,BASE64` where BASE64 is HMAC-SHA256 over `id.timestamp.body` keyed
with the subscription's secret (`whsec_BASE64` decoded). Each subscription's secret is
HMAC-SHA256(server key, subscription id): it is shown once when the subscription is made and
never stored, so the database holds no secret at all.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

SECRET_PREFIX = "whsec_"


def subscription_secret(server_key: str, subscription_id: str) -> str:
    """The signing secret of a subscription, as `whsec_...`."""
    raw = hmac.new(
        server_key.encode(), f"planledger-webhook:{subscription_id}".encode(), hashlib.sha256
    ).digest()
    return SECRET_PREFIX + base64.b64encode(raw).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value for one delivery."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(secret: str, message_id: str, timestamp: int, body: bytes, header: str) -> bool:
    """True when one of the header's `v1,` signatures is this delivery's (a receiver's check)."""
    expected = sign(secret, message_id, timestamp, body)
    return any(hmac.compare_digest(expected, given) for given in header.split())
