"""`RemoteLedger`: the `Ledger` through the HTTP API, for `planledger --server URL ...`.

Answers come back in the shapes the local ledger returns, and a problem response becomes the
error class its type names, so a command prints the same lines and exits with the same code
either way. The token (`PLANLEDGER_TOKEN`) is sent in a header and never printed.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Collection, Iterator
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TextIO
from uuid import UUID

import httpx

from adapters.ledger import (
    Caller,
    ExportCount,
    ExportForm,
    PlanQuery,
    PlanStatusAnswer,
    StepReportAnswer,
)
from adapters.remote.remote_errors import problem_error, unreachable
from adapters.settings import ServerSettings
from core import InvalidInputError, JsonObject, JsonValue


class RemoteLedger:
    """Each method is one request; `by` is ignored: the server acts as the token's principal."""

    def __init__(self, settings: ServerSettings) -> None:
        assert settings.url is not None
        headers = {"Accept": "application/json"}
        if settings.token:
            headers["Authorization"] = f"Bearer {settings.token}"
        self.url = settings.url.rstrip("/")
        self._client = httpx.Client(base_url=self.url, headers=headers, timeout=settings.timeout_s)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._client.close()

    def request(self, method: str, path: str, **options: Any) -> httpx.Response:
        """One request; a problem response raises the error it names."""
        try:
            response = self._client.request(method, path, **options)
        except httpx.HTTPError as error:
            raise unreachable(self.url, error) from None
        if response.status_code >= 400:
            raise problem_error(response)
        return response

    def _json(self, method: str, path: str, **options: Any) -> Any:
        return self.request(method, path, **options).json()

    def validate(self, spec: object) -> int:
        return int(self._json("POST", "/validate", json={"spec": spec})["steps"])

    def schema(self) -> JsonObject:
        answer: JsonObject = self._json("GET", "/schema")
        return answer

    def create(
        self,
        spec: object,
        *,
        by: Caller,
        inputs: object = None,
        traceparent: str | None = None,
        key: str | None = None,
        approve: bool = False,
        comment: str = "",
    ) -> UUID:
        """As `Ledger.create`; with `approve`, the token's principal approves the plan in the
        same request (with `comment`), and a refused approval writes nothing."""
        headers = {}
        if key is not None:
            headers["Idempotency-Key"] = key
        if traceparent is not None:
            headers["traceparent"] = traceparent
        body: JsonObject = {"spec": spec, "inputs": inputs}
        if approve:  # a body that does not approve stays as it was, for its idempotency digest
            body |= {"approve": True, "comment": comment}
        return UUID(self._json("POST", "/plans", json=body, headers=headers)["id"])

    def approve(self, plan_id: UUID, *, by: Caller, comment: str) -> JsonObject:
        return self._command(f"/plans/{plan_id}/approve", {"comment": comment})

    def reject(self, plan_id: UUID, *, by: Caller, reason: str) -> JsonObject:
        return self._command(f"/plans/{plan_id}/reject", {"reason": reason})

    def cancel(self, plan_id: UUID, *, by: Caller, reason: str) -> JsonObject:
        return self._command(f"/plans/{plan_id}/cancel", {"reason": reason})

    def pause(self, plan_id: UUID, *, by: Caller, reason: str) -> JsonObject:
        return self._command(f"/plans/{plan_id}/pause", {"reason": reason})

    def unpause(self, plan_id: UUID, *, by: Caller, reason: str) -> JsonObject:
        return self._command(f"/plans/{plan_id}/unpause", {"reason": reason})

    def retry(self, plan_id: UUID, step_id: str, *, by: Caller, reason: str) -> JsonObject:
        return self._command(f"/plans/{plan_id}/steps/{step_id}/retry", {"reason": reason})

    def skip(self, plan_id: UUID, step_id: str, *, by: Caller, reason: str) -> JsonObject:
        return self._command(f"/plans/{plan_id}/steps/{step_id}/skip", {"reason": reason})

    def complete_step(
        self,
        plan_id: UUID,
        step_id: str,
        *,
        by: Caller,
        result: JsonValue = None,
        attempt: int | None = None,
    ) -> StepReportAnswer:
        body = {"result": result, "attempt": attempt}
        return _step_report(self._command(f"/plans/{plan_id}/steps/{step_id}/complete", body))

    def fail_step(
        self, plan_id: UUID, step_id: str, *, by: Caller, error: str, attempt: int | None = None
    ) -> StepReportAnswer:
        body = {"error": error, "attempt": attempt}
        return _step_report(self._command(f"/plans/{plan_id}/steps/{step_id}/fail", body))

    def add_step(self, plan_id: UUID, step: object, *, by: Caller, reason: str) -> JsonObject:
        return self._command(f"/plans/{plan_id}/steps", {"step": step, "reason": reason})

    def revise_step(
        self, plan_id: UUID, step_id: str, changes: object, *, by: Caller, reason: str
    ) -> JsonObject:
        body = {"changes": changes, "reason": reason}
        answer: JsonObject = self._json("PATCH", f"/plans/{plan_id}/steps/{step_id}", json=body)
        return answer

    def remove_step(self, plan_id: UUID, step_id: str, *, by: Caller, reason: str) -> JsonObject:
        path = f"/plans/{plan_id}/steps/{step_id}"
        answer: JsonObject = self._json("DELETE", path, json={"reason": reason})
        return answer

    def fork(self, plan_id: UUID, *, from_step: str, by: Caller, spec: object = None) -> JsonObject:
        return self._command(f"/plans/{plan_id}/fork", {"from_step": from_step, "spec": spec})

    def status(self, plan_id: UUID) -> PlanStatusAnswer:
        view = self._json("GET", f"/plans/{plan_id}")
        deadline = view.pop("approval_deadline", None)
        return PlanStatusAnswer(view, deadline)

    def history(self, plan_id: UUID) -> list[JsonObject]:
        answer: list[JsonObject] = self._json("GET", f"/plans/{plan_id}/history")
        return answer

    def show_at(self, plan_id: UUID, at: str) -> JsonObject:
        answer: JsonObject = self._json("GET", f"/plans/{plan_id}/at", params={"at": at})
        return answer

    def timeline(self, plan_id: UUID, step_id: str | None) -> list[JsonObject]:
        params = {} if step_id is None else {"step": step_id}
        answer: list[JsonObject] = self._json("GET", f"/plans/{plan_id}/timeline", params=params)
        return answer

    def list_plans(self, query: PlanQuery) -> JsonObject:
        params: dict[str, Any] = {"limit": query.limit}
        for name in ("status", "text", "cursor"):
            if getattr(query, name) is not None:
                params[name] = getattr(query, name)
        for name in ("since", "until"):
            moment: datetime | None = getattr(query, name)
            if moment is not None:
                params[name] = moment.isoformat()
        answer: JsonObject = self._json("GET", "/plans", params=params)
        return answer

    def plan_details(self, plan_id: UUID) -> JsonObject:
        answer: JsonObject = self._json("GET", f"/plans/{plan_id}/details")
        return answer

    def audit_trail(self, plan_id: UUID, *, verified: bool = False) -> list[JsonObject]:
        params = {"verified": "true"} if verified else None
        answer: list[JsonObject] = self._json("GET", f"/plans/{plan_id}/audit", params=params)
        return answer

    def export_audit(
        self, out: TextIO, *, since: datetime | None, form: ExportForm, verified: bool = False
    ) -> ExportCount:
        params: dict[str, str] = {"format": form}
        if since is not None:
            params["since"] = since.isoformat()
        if verified:
            params["verified"] = "true"
        lines = iter(self._lines("/audit/export", params))
        header = next(lines, None) if form == "csv" else None
        if header is not None:
            out.write(header + "\n")
        written = unproven = 0
        for line in lines:
            out.write(line + "\n")
            written += 1
            unproven += verified and not _proven(line, form)
        return ExportCount(written, unproven)

    def verify(
        self,
        plan_ids: Collection[UUID] | None,
        *,
        keys: Path | None = None,
        checkpoints: Path | None = None,
    ) -> JsonObject:
        if keys is not None or checkpoints is not None:
            raise InvalidInputError(
                "--keys and --checkpoints are files read where the store is: through a server, "
                "verify uses the keys the server trusts (or verify a copy of the store yourself)"
            )
        body = {"plan_ids": None if plan_ids is None else [str(p) for p in plan_ids]}
        answer: JsonObject = self._json("POST", "/audit/verify", json=body)
        return answer

    def tool_stats(self) -> list[JsonObject]:
        answer: list[JsonObject] = self._json("GET", "/tools/stats")
        return answer

    def projection_status(self) -> list[JsonObject]:
        answer: list[JsonObject] = self._json("GET", "/projections/status")
        return answer

    def wait(self, plan_id: UUID, timeout_s: float | None) -> tuple[JsonObject, bool]:
        from adapters.remote.plan_follower import follow_until_ended

        return follow_until_ended(self, plan_id, timeout_s, on_event=None)

    def start_execution(self, plan_id: UUID) -> bool:
        """Ask the server to run the plan; False when it is not approved or has ended."""
        answer = self._json("POST", f"/plans/{plan_id}/execute")
        return bool(answer["executing_here"])

    def resume_execution(self, plan_id: UUID) -> bool:
        """Ask the server to resume the plan (`resume`) and run it; False as `start_execution`."""
        answer = self._json("POST", f"/plans/{plan_id}/resume")
        return bool(answer["executing_here"])

    def _command(self, path: str, body: JsonObject) -> JsonObject:
        answer: JsonObject = self._json("POST", path, json=body)
        return answer

    def _lines(self, path: str, params: dict[str, str]) -> Iterator[str]:
        try:
            with self._client.stream("GET", path, params=params) as response:
                if response.status_code >= 400:
                    response.read()
                    raise problem_error(response)
                yield from response.iter_lines()
        except httpx.HTTPError as error:
            raise unreachable(self.url, error) from None

    def stream(
        self, path: str, params: dict[str, str], headers: dict[str, str], read_timeout: float
    ) -> httpx.Response:
        """An open streaming response (the caller closes it): for `/events`."""
        timeout = httpx.Timeout(10.0, read=read_timeout)
        request = self._client.build_request(
            "GET", path, params=params, headers=headers, timeout=timeout
        )
        try:
            response = self._client.send(request, stream=True)
        except httpx.HTTPError as error:
            raise unreachable(self.url, error) from None
        if response.status_code >= 400:
            response.read()
            response.close()
            raise problem_error(response)
        return response


def _step_report(view: JsonObject) -> StepReportAnswer:
    """A step report's answer: the plan, less the `reported_step` the server adds to it."""
    step = view.pop("reported_step")
    return StepReportAnswer(view, str(step["status"]), step.get("retry_at"))


def _proven(line: str, form: ExportForm) -> bool:
    """Whether an exported `--verified` line says its event proves it."""
    if form == "csv":
        return next(csv.reader([line]))[-2] == "True"
    record = json.loads(line)
    return isinstance(record, dict) and record.get("verified") is True
