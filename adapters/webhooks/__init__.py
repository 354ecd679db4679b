"""Webhooks: subscriptions that follow the event log, signed deliveries, retries with back-off."""

from adapters.webhooks.dispatcher import WebhookDispatcher
from adapters.webhooks.leases import Lease
from adapters.webhooks.signatures import sign, subscription_secret, verify
from adapters.webhooks.subscriptions import Attempt, Subscription, Subscriptions

__all__ = [
    "Attempt",
    "Lease",
    "Subscription",
    "Subscriptions",
    "WebhookDispatcher",
    "sign",
    "subscription_secret",
    "verify",
]
