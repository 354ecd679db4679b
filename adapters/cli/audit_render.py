"""How `audit verify` reads for people: each finding, the lag, and what was not checked."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from adapters.audit import AuditReport


def render_audit_report(console: Console, report: AuditReport) -> None:
    """One line per finding, then lag and notes, then the verdict."""
    for finding in report.findings:
        where = (
            f"plan {finding.plan_id} at version {finding.version}"
            if finding.plan_id is not None
            else "the store"
        )
        console.print(
            f"[red]broken[/] {where}: [bold]{finding.problem}[/] — {escape(finding.detail)}",
            highlight=False,
            soft_wrap=True,
        )
    lag = report.sections.get("lag")
    if lag is not None:
        console.print(
            f"lag: the read models have not applied {lag['events']} event(s) yet "
            "(a projector is behind: not evidence either way)",
            highlight=False,
        )
    for note in report.notes:
        console.print(f"[yellow]note:[/] {escape(note)}", highlight=False, soft_wrap=True)
    plans = f"{report.plans_checked} plan{'s' * (report.plans_checked != 1)}"
    if report.verified:
        console.print(f"[green]verified[/] {plans}: every hash chain holds", highlight=False)
    else:
        console.print(f"{len(report.findings)} finding(s) in {plans}", highlight=False)
