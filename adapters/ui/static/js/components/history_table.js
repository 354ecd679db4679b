// The plan's events, oldest first, as `planledger history` lists them: who, when, what, and the
// event's hash (the chain an audit checks).
import { clock } from "../format.js";
import { html, useState } from "../html.js";

const SHOWN_FIRST = 200;
const COMMON = new Set(["version", "type", "timestamp", "actor", "plan_id", "correlation_id",
  "causation_id", "prev_hash", "hash", "key_id", "signature", "spec", "traceparent"]);

function details(record) {
  return Object.entries(record)
    .filter(([name, value]) => !COMMON.has(name) && value !== null && value !== false)
    .map(([name, value]) => `${name}=${typeof value === "object" ? JSON.stringify(value) : value}`)
    .join(" ");
}

export function HistoryTable({ events }) {
  const [all, setAll] = useState(false);
  const shown = all ? events : events.slice(-SHOWN_FIRST);
  return html`<div class="history">
    ${events.length > shown.length && html`<p>Showing the last ${shown.length} of ${events.length} events.
      <button type="button" onClick=${() => setAll(true)}>Show all</button></p>`}
    <table class="compact">
      <caption class="visually-hidden">Events of the plan, oldest first</caption>
      <thead><tr><th scope="col">v</th><th scope="col">Time</th><th scope="col">Event</th>
        <th scope="col">Actor</th><th scope="col">Details</th><th scope="col">Hash</th></tr></thead>
      <tbody>${shown.map((record) => html`<tr key=${record.version} data-version=${record.version}>
        <td>${record.version}</td><td class="mono">${clock(record.timestamp)}</td>
        <td>${record.type}</td><td>${record.actor}</td>
        <td class="details">${details(record)}</td>
        <td class="mono" title=${record.hash}>${(record.hash || "").replace("sha256:", "").slice(0, 12)}</td>
      </tr>`)}</tbody>
    </table>
  </div>`;
}
