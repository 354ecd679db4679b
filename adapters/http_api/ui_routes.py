"""The web UI on `planledger serve`: its page and local assets, and the few answers shaped for it.

The page itself holds no data and needs no credential: it signs in with an API token or the
OIDC provider and then calls the API like any client (Bearer header, so no cookie and no CSRF).
Every asset is served from `adapters/ui/static` (no CDN), under a Content-Security-Policy that
allows only this origin's scripts. The answers here add nothing a role could not already read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

import adapters.ui
from adapters.http_api.context import ApiContext, allowed, context, principal
from adapters.http_api.problems import kind_for_error, problem
from adapters.principals import ROLE_ACTIONS, Action, Principal
from adapters.ui.plan_page import plan_page
from adapters.ui.spec_lines import MAX_SPEC_CHARS, parse_spec_text, place_problems
from core import InvalidPlanSpecError, JsonObject

STATIC = Path(adapters.ui.__file__).parent / "static"
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

router = APIRouter(tags=["ui"])
Ctx = Annotated[ApiContext, Depends(context)]
Who = Annotated[Principal, Depends(principal)]
Reader = Annotated[Principal, Depends(allowed(Action.READ))]
Submitter = Annotated[Principal, Depends(allowed(Action.SUBMIT))]


class SpecText(BaseModel):
    """A spec as typed: YAML or JSON text."""

    text: str = Field(max_length=MAX_SPEC_CHARS)


def install_ui(app: FastAPI) -> None:
    """Mount the assets, then the UI's routes (the page route is a catch-all under /ui)."""
    app.mount("/ui/static", StaticFiles(directory=STATIC), name="ui-static")
    app.include_router(router)


@router.get("/", include_in_schema=False)
def root() -> RedirectResponse:
    return RedirectResponse("/ui/")


@router.get("/ui", include_in_schema=False)
@router.get("/ui/{page:path}", include_in_schema=False)
def page(ctx: Ctx, page: str = "") -> Response:
    """The one HTML page; the script draws whichever view the path names."""
    headers = {**PAGE_HEADERS, "Content-Security-Policy": _policy(ctx)}
    return FileResponse(STATIC / "index.html", media_type="text/html", headers=headers)


@router.get("/ui-config")
def sign_in_options(ctx: Ctx) -> dict[str, Any]:
    """How a person may sign in: always an API token; the OIDC provider when one is set up."""
    oidc = ctx.oidc
    provider = None
    if oidc.client_id and oidc.authorize_url and oidc.token_url:
        provider = {
            "issuer": oidc.issuer,
            "client_id": oidc.client_id,
            "authorize_url": oidc.authorize_url,
            "token_url": oidc.token_url,
            "scope": oidc.scope,
        }
    return {"oidc": provider}


@router.get("/whoami/actions")
def my_actions(who: Who) -> dict[str, Any]:
    """The principal, its roles, and every action they allow (what the UI offers it)."""
    actions = sorted({action.value for role in who.roles for action in ROLE_ACTIONS[role]})
    return {
        "principal": who.name,
        "roles": sorted(role.value for role in who.roles),
        "actions": actions,
    }


@router.get("/plans/{plan_id}/page")
def plan_page_data(
    plan_id: UUID,
    ctx: Ctx,
    who: Reader,
    at: Annotated[int | None, Query(ge=1)] = None,
) -> JsonObject:
    """The plan at version `at` (default: now) with its laid-out DAG, every attempt, each
    step's spec and resolved parameters, and its events: what the UI's plan page draws."""
    return plan_page(plan_id, ctx.ledger.service.history(plan_id), at)


@router.post("/validate/text")
def validate_text(body: SpecText, ctx: Ctx, who: Submitter) -> Response:
    """Check a spec typed as YAML or JSON: the parsed spec, or 422 with each problem's line."""
    try:
        spec = parse_spec_text(body.text)
        steps = len(ctx.ledger.service.validate(spec).steps)
    except InvalidPlanSpecError as error:
        placed = place_problems(body.text, error.problems)
        errors = [{"field": p.field, "message": p.message, "line": p.line} for p in placed]
        return problem(kind_for_error(error), str(error), errors=errors)
    return JSONResponse({"valid": True, "steps": steps, "spec": jsonable_encoder(spec)})


def _policy(ctx: ApiContext) -> str:
    """Scripts, styles and requests only to this origin (and the OIDC token endpoint)."""
    connect = "'self'"
    if ctx.oidc.token_url:
        connect += f" {ctx.oidc.token_url}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src {connect}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
