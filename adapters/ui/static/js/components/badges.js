// Small labels: a status in its colour (with its word, never colour alone), the stream's state.
import { html } from "../html.js";

export function StatusBadge({ status }) {
  return html`<span class=${`badge status-${status}`}>${status.replace(/_/g, " ")}</span>`;
}

export function LiveBadge({ state }) {
  const words = { live: "live", reconnecting: "reconnecting…", connecting: "connecting…" };
  return html`<span class=${`live live-${state}`} role="status">${words[state] || state}</span>`;
}
