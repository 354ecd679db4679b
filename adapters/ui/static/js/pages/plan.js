// A plan: its DAG coloured by status, live; a slider to show it at any version; the timeline of
// every attempt; a step panel; the event history; and the actions the person's role allows.
import { api, coalesce, follow, markPainted, may } from "../api.js";
import { duration, shortId, when } from "../format.js";
import { html, useEffect, useRef, useState } from "../html.js";
import { Link } from "../router.js";
import { PlanActions } from "../components/actions.js";
import { LiveBadge, StatusBadge } from "../components/badges.js";
import { Dag } from "../components/dag.js";
import { Gantt } from "../components/gantt.js";
import { HistoryTable } from "../components/history_table.js";
import { StepPanel } from "../components/step_panel.js";

function usePlanPage(planId, at) {
  const [page, setPage] = useState(null);
  const [error, setError] = useState(null);
  const [live, setLive] = useState("connecting");
  const wanted = useRef(at);
  wanted.current = at;
  const load = useRef(null);
  load.current = async () => {
    const version = wanted.current;
    try {
      const query = version === null ? "" : `?at=${version}`;
      const answer = await api(`/plans/${planId}/page${query}`);
      if (wanted.current === version) setPage(answer);
      setError(null);
    } catch (failure) {
      setError(failure.message);
    }
  };
  const reload = useRef(coalesce(() => load.current(), 150)).current;
  useEffect(() => reload(), [at]);
  useEffect(
    () => follow(`?plan_id=${planId}`, () => reload(), (state) => {
      setLive(state);
      if (state === "live") reload();
    }),
    [planId],
  );
  return { page, error, live, reload };
}

export function PlanPage({ planId }) {
  const [at, setAt] = useState(null);
  const [selected, setSelected] = useState(null);
  const { page, error, live, reload } = usePlanPage(planId, at);
  const drawn = useRef(false);
  useEffect(() => {
    if (page && !drawn.current) {
      drawn.current = true;
      markPainted("planledger:plan-drawn");
    }
  }, [page]);
  if (!page) {
    return error ? html`<p class="error" role="alert">${error}</p>` : html`<p aria-busy="true">Loading the plan…</p>`;
  }
  const plan = page.plan;
  const current = at === null;
  return html`<article class="plan" aria-labelledby="plan-title" data-status=${plan.status}>
    <${PlanHeader} page=${page} live=${live} />
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${current && html`<${PlanActions} plan=${plan} onDone=${reload} />`}
    <${VersionSlider} page=${page} at=${at} onChange=${setAt} />
    <div class="plan-body">
      <section aria-labelledby="graph-title" class="graph">
        <h2 id="graph-title">Graph</h2>
        <${Dag} graph=${page.graph} selected=${selected} onSelect=${setSelected} />
      </section>
      ${selected && html`<${StepPanel} page=${page} stepId=${selected} live=${current}
        onClose=${() => setSelected(null)} onDone=${reload} />`}
    </div>
    <section aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline</h2>
      <${Gantt} attempts=${page.attempts} asOf=${page.as_of} onSelect=${setSelected} />
    </section>
    <section aria-labelledby="steps-title">
      <h2 id="steps-title">Steps</h2>
      <${StepsTable} steps=${plan.steps} onSelect=${setSelected} />
    </section>
    <section aria-labelledby="history-title">
      <h2 id="history-title">Event history</h2>
      <${HistoryTable} events=${page.events} />
    </section>
  </article>`;
}

function PlanHeader({ page, live }) {
  const plan = page.plan;
  const summary = plan.summary;
  return html`<header class="plan-header">
    <div class="title-row">
      <h1 id="plan-title">${plan.name || plan.description || "plan"}</h1>
      <${StatusBadge} status=${plan.status} />
      <${LiveBadge} state=${live} />
    </div>
    <p class="muted"><span class="mono">${plan.id}</span> · version ${page.version}
      ${" "}· created by ${plan.created_by}${plan.approved_by && html` · approved by ${plan.approved_by}`}</p>
    ${plan.description && plan.name && html`<p>${plan.description}</p>`}
    ${plan.reason && html`<p>Reason: ${plan.reason}</p>`}
    ${plan.paused && html`<p class="banner warn" role="status">Paused by ${plan.paused.by}: ${plan.paused.reason}</p>`}
    ${plan.approval_deadline && html`<p>Approval due by ${when(plan.approval_deadline)}</p>`}
    ${plan.forked_from && html`<p>Forked from <${Link} href=${`/ui/plans/${plan.forked_from.plan_id}`}>
      ${shortId(plan.forked_from.plan_id)}<//> at step ${plan.forked_from.from_step}</p>`}
    ${plan.sub_plan_of && html`<p>Sub-plan of <${Link} href=${`/ui/plans/${plan.sub_plan_of.parent_plan_id}`}>
      ${shortId(plan.sub_plan_of.parent_plan_id)}<//>, step ${plan.sub_plan_of.parent_step_id}</p>`}
    <p><progress max="1" value=${summary.progress} aria-label="Progress"></progress>
      ${summary.completed}/${summary.total_steps} completed, ${summary.failed} failed,
      ${" "}${summary.skipped} skipped, ${summary.running} running
      ${may("audit") && html` · <${Link} href=${`/ui/audit?plan=${plan.id}`}>Audit trail<//>`}</p>
  </header>`;
}

function VersionSlider({ page, at, onChange }) {
  const shown = at === null ? page.head_version : at;
  const change = (event) => {
    const value = Number(event.target.value);
    onChange(value >= page.head_version ? null : value);
  };
  const text = `version ${shown} of ${page.head_version}: ${page.plan.status.replace(/_/g, " ")}`;
  return html`<div class="slider">
    <label for="version">Show at version</label>
    <input id="version" type="range" min="1" max=${page.head_version} value=${shown}
      aria-valuetext=${text} onInput=${change} />
    <output for="version" aria-live="polite">${text}${page.as_of && ` · ${when(page.as_of)}`}</output>
    ${at !== null && html`<p class="banner info" role="status">Showing the plan as it was at version ${at}.
      <button type="button" onClick=${() => onChange(null)}>Back to now</button></p>`}
  </div>`;
}

function StepsTable({ steps, onSelect }) {
  return html`<details>
    <summary>All ${steps.length} steps</summary>
    <table class="compact">
      <caption class="visually-hidden">Steps and their status</caption>
      <thead><tr><th scope="col">Step</th><th scope="col">Tool</th><th scope="col">Status</th>
        <th scope="col">Attempts</th><th scope="col">Took</th></tr></thead>
      <tbody>${steps.map((step) => html`<tr key=${step.id}>
        <td><button type="button" class="link" onClick=${() => onSelect(step.id.split("[")[0])}>${step.id}</button></td>
        <td>${step.tool}</td><td><${StatusBadge} status=${step.status} /></td>
        <td>${step.attempts}</td><td>${duration(step.duration_ms)}</td>
      </tr>`)}</tbody>
    </table>
  </details>`;
}
