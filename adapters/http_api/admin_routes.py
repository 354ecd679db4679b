"""Administration over HTTP: API tokens and webhook subscriptions (the `admin` role)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Query, status

from adapters.http_api import models
from adapters.http_api.context import ApiContext, allowed, context
from adapters.principals import Action, Principal, parse_expiry, parse_roles
from adapters.webhooks import Subscription, Subscriptions, subscription_secret
from core import InvalidInputError, JsonObject

router = APIRouter()
Ctx = Annotated[ApiContext, Depends(context)]
Admin = Annotated[Principal, Depends(allowed(Action.ADMIN))]


class WebhooksOffError(InvalidInputError):
    """The server has no `PLANLEDGER_WEBHOOK_KEY`, so it cannot sign deliveries."""

    def __init__(self) -> None:
        super().__init__("webhooks are off: start the server with PLANLEDGER_WEBHOOK_KEY set")


class SubscriptionNotFoundError(InvalidInputError):
    """No live subscription has this id."""

    def __init__(self, subscription_id: str) -> None:
        self.subscription_id = subscription_id
        super().__init__(f"no webhook subscription {subscription_id!r}")


@router.post("/tokens", status_code=status.HTTP_201_CREATED, tags=["principals"])
def create_token(body: models.CreateToken, ctx: Ctx, who: Admin) -> dict[str, Any]:
    """A new API token: the response is the only place the token is ever shown."""
    now = ctx.now()
    expires = None if body.expires is None else parse_expiry(body.expires, now)
    issued = ctx.tokens.create(body.name, parse_roles(body.roles), now, expires)
    return {"name": issued.name, "principal": f"token:{issued.name}", "token": issued.token}


@router.get("/tokens", tags=["principals"])
def list_tokens(ctx: Ctx, who: Admin) -> list[JsonObject]:
    """Every token's name, roles and dates (never the token)."""
    return ctx.tokens.list()


@router.delete("/tokens/{name}", tags=["principals"])
def revoke_token(name: str, ctx: Ctx, who: Admin) -> dict[str, str]:
    """Revoke a token at once; its name stays taken."""
    ctx.tokens.revoke(name, ctx.now())
    return {"revoked": name}


@router.post("/webhooks", status_code=status.HTTP_201_CREATED, tags=["webhooks"])
def subscribe(body: models.Subscribe, ctx: Ctx, who: Admin) -> dict[str, Any]:
    """Subscribe a URL to events from now on (or from `from_position`); shows the secret once."""
    subscriptions, key = _webhooks(ctx)
    plan_id = None if body.plan_id is None else str(_uuid(body.plan_id))
    position = ctx.log.head() if body.from_position is None else body.from_position
    subscription = Subscription(
        f"sub_{uuid4().hex}", body.url, tuple(body.event_types), plan_id, position, None
    )
    subscriptions.add(subscription, who.name, ctx.now())
    return {
        "id": subscription.id,
        "url": subscription.url,
        "event_types": list(subscription.event_types),
        "plan_id": plan_id,
        "position": position,
        "secret": subscription_secret(key, subscription.id),
    }


@router.get("/webhooks", tags=["webhooks"])
def list_subscriptions(ctx: Ctx, who: Admin) -> list[JsonObject]:
    """Every live subscription and its position in the log."""
    return _webhooks(ctx)[0].listing()


@router.delete("/webhooks/{subscription_id}", tags=["webhooks"])
def unsubscribe(subscription_id: str, ctx: Ctx, who: Admin) -> dict[str, str]:
    """Stop delivering to a subscription."""
    if not _webhooks(ctx)[0].delete(subscription_id, ctx.now()):
        raise SubscriptionNotFoundError(subscription_id)
    return {"deleted": subscription_id}


@router.get("/webhooks/{subscription_id}/deliveries", tags=["webhooks"])
def deliveries(
    subscription_id: str,
    ctx: Ctx,
    who: Admin,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[JsonObject]:
    """Deliveries after log position `after`, each with every attempt made."""
    return _webhooks(ctx)[0].deliveries(subscription_id, after, limit)


def _webhooks(ctx: ApiContext) -> tuple[Subscriptions, str]:
    if ctx.subscriptions is None or ctx.webhook_key is None:
        raise WebhooksOffError()
    return ctx.subscriptions, ctx.webhook_key


def _uuid(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise InvalidInputError(f"plan_id {text!r} is not a plan id") from None
