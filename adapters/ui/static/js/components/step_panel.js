// One step in full: what the spec asked, the parameters it was called with (templates resolved),
// its result or error, every attempt with its duration, and what may be done to it.
import { clock, duration, json } from "../format.js";
import { html } from "../html.js";
import { Link } from "../router.js";
import { StepActions } from "./actions.js";
import { StatusBadge } from "./badges.js";

function Attempts({ attempts }) {
  if (!attempts.length) return html`<p class="muted">Not started.</p>`;
  return html`<table class="compact">
    <caption>Attempts</caption>
    <thead><tr><th scope="col">#</th><th scope="col">Outcome</th><th scope="col">Started</th>
      <th scope="col">Took</th><th scope="col">Error</th></tr></thead>
    <tbody>${attempts.map((attempt) => html`<tr key=${attempt.attempt}>
      <td>${attempt.attempt}</td><td><${StatusBadge} status=${attempt.status} /></td>
      <td>${clock(attempt.started_at)}</td><td>${duration(attempt.duration_ms)}</td>
      <td>${attempt.error ? `${attempt.error.type}: ${attempt.error.message}` : ""}</td>
    </tr>`)}</tbody>
  </table>`;
}

function Items({ page, stepId }) {
  const items = page.plan.steps.filter((step) => step.id.startsWith(`${stepId}[`));
  if (!items.length) return null;
  return html`<details open=${items.length <= 20}>
    <summary>${items.length} items</summary>
    <ul class="items">${items.map((item) => html`<li key=${item.id}>
      <span class="mono">${item.id}</span> <${StatusBadge} status=${item.status} />
      ${item.error && html` <span class="muted">${item.error.message}</span>`}</li>`)}</ul>
  </details>`;
}

function Block({ title, value }) {
  if (value === null || value === undefined) return null;
  return html`<h3>${title}</h3><pre class="value" tabindex="0">${json(value)}</pre>`;
}

export function StepPanel({ page, stepId, live, onClose, onDone }) {
  const step = page.plan.steps.find((candidate) => candidate.id === stepId);
  const details = page.steps[stepId];
  if (!step || !details) return null;
  const attempts = page.attempts.filter((attempt) => attempt.step_id === stepId);
  return html`<aside class="step-panel" aria-labelledby="step-title">
    <div class="title-row">
      <h2 id="step-title">Step <span class="mono">${step.id}</span></h2>
      <button type="button" class="quiet" onClick=${onClose} aria-label="Close the step panel">×</button>
    </div>
    <p><${StatusBadge} status=${step.status} /> tool <b>${step.tool}</b>
      ${" "}· ${step.attempts} attempt${step.attempts === 1 ? "" : "s"}
      ${step.duration_ms !== null && html` · ${duration(step.duration_ms)}`}</p>
    ${details.description && html`<p>${details.description}</p>`}
    ${details.depends_on.length > 0 && html`<p>Depends on ${details.depends_on.join(", ")}</p>`}
    ${details.child_plan_id && html`<p><${Link} href=${`/ui/plans/${details.child_plan_id}`}>Open the sub-plan<//></p>`}
    ${live && html`<${StepActions} plan=${page.plan} step=${step} onDone=${onDone} />`}
    <${Items} page=${page} stepId=${stepId} />
    ${step.error && html`<h3>Error</h3><p class="error-text">${step.error.type}: ${step.error.message}</p>`}
    ${step.skip_reason && html`<h3>Skipped</h3><p>${step.skip_reason}</p>`}
    <${Block} title="Result" value=${step.result} />
    <${Block} title="Parameters (resolved)" value=${details.resolved_parameters} />
    <details><summary>Parameters as the spec writes them</summary>
      <pre class="value" tabindex="0">${json(details.spec_parameters)}</pre></details>
    <${Attempts} attempts=${attempts} />
  </aside>`;
}
