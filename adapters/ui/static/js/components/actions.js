// What a person may do to a plan or a step, offered only when their role allows it and the plan
// is in a state where it fits; the server checks both again (and the plan's own approvers).
import { api, may } from "../api.js";
import { TERMINAL } from "../format.js";
import { html, useState } from "../html.js";
import { navigate } from "../router.js";
import { ReasonDialog } from "./dialog.js";

const PLAN_ACTIONS = [
  {
    name: "approve", label: "Approve", role: "approve", primary: true,
    fits: (plan) => plan.status === "pending_approval",
    ask: { title: "Approve this plan", label: "Comment (optional)", required: false },
    call: (plan, text) => api(`/plans/${plan.id}/approve`, { method: "POST", body: { comment: text } }),
  },
  {
    name: "reject", label: "Reject", role: "approve",
    fits: (plan) => plan.status === "pending_approval",
    ask: { title: "Reject this plan", label: "Why (required)", required: true },
    call: (plan, text) => api(`/plans/${plan.id}/reject`, { method: "POST", body: { reason: text } }),
  },
  {
    name: "execute", label: "Run", role: "execute", primary: true,
    fits: (plan) => plan.status === "approved",
    call: (plan) => api(`/plans/${plan.id}/execute`, { method: "POST" }),
  },
  {
    name: "pause", label: "Pause", role: "operate",
    fits: (plan) => !TERMINAL.has(plan.status) && !plan.paused,
    ask: { title: "Pause this plan", label: "Why (required)", required: true },
    call: (plan, text) => api(`/plans/${plan.id}/pause`, { method: "POST", body: { reason: text } }),
  },
  {
    name: "unpause", label: "Unpause", role: "operate",
    fits: (plan) => Boolean(plan.paused),
    ask: { title: "Lift the pause", label: "Why (optional)", required: false },
    call: (plan, text) => api(`/plans/${plan.id}/unpause`, { method: "POST", body: { reason: text } }),
  },
  {
    name: "cancel", label: "Cancel plan", role: "operate", danger: true,
    fits: (plan) => !TERMINAL.has(plan.status),
    ask: { title: "Cancel this plan", label: "Why (required)", required: true },
    call: (plan, text) => api(`/plans/${plan.id}/cancel`, { method: "POST", body: { reason: text } }),
  },
];

const STEP_ACTIONS = [
  {
    name: "retry", label: "Retry step", role: "operate",
    fits: (plan, step) => step.status === "failed",
    ask: { title: "Retry this step", label: "Why (optional)", required: false },
    call: (plan, step, text) =>
      api(`/plans/${plan.id}/steps/${encodeURIComponent(step.id)}/retry`, { method: "POST", body: { reason: text } }),
  },
  {
    name: "skip", label: "Skip step", role: "operate",
    fits: (plan, step) => step.status === "failed" || (step.status === "pending" && !TERMINAL.has(plan.status)),
    ask: { title: "Skip this step", label: "Why (required)", required: true },
    call: (plan, step, text) =>
      api(`/plans/${plan.id}/steps/${encodeURIComponent(step.id)}/skip`, { method: "POST", body: { reason: text } }),
  },
  {
    name: "fork", label: "Fork from this step", role: "submit",
    fits: (plan) => TERMINAL.has(plan.status),
    call: async (plan, step) => {
      const fork = await api(`/plans/${plan.id}/fork`, { method: "POST", body: { from_step: step.id } });
      navigate(`/ui/plans/${fork.id}`);
    },
  },
];

function ActionButtons({ actions, run }) {
  const [asking, setAsking] = useState(null);
  const [error, setError] = useState(null);
  const press = async (action) => {
    setError(null);
    if (action.ask) {
      setAsking(action);
      return;
    }
    try {
      await run(action, "");
    } catch (failure) {
      setError(failure.message);
    }
  };
  if (!actions.length) return null;
  return html`<div class="actions">
    ${actions.map((action) => html`<button type="button" key=${action.name} data-action=${action.name}
      class=${action.primary ? "primary" : action.danger ? "danger" : ""}
      onClick=${() => press(action)}>${action.label}</button>`)}
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${asking && html`<${ReasonDialog} title=${asking.ask.title} label=${asking.ask.label}
      required=${asking.ask.required} confirm=${asking.label}
      onSubmit=${(text) => run(asking, text)} onClose=${() => setAsking(null)} />`}
  </div>`;
}

export function PlanActions({ plan, onDone }) {
  const actions = PLAN_ACTIONS.filter((action) => may(action.role) && action.fits(plan));
  const run = async (action, text) => {
    await action.call(plan, text);
    onDone();
  };
  return html`<${ActionButtons} actions=${actions} run=${run} />`;
}

export function StepActions({ plan, step, onDone }) {
  const actions = STEP_ACTIONS.filter((action) => may(action.role) && action.fits(plan, step));
  const run = async (action, text) => {
    await action.call(plan, step, text);
    onDone();
  };
  return html`<${ActionButtons} actions=${actions} run=${run} />`;
}
