// A timeline (Gantt) of every attempt: one row per step, one bar per attempt coloured by how it
// ended (failed, timed out, interrupted, cancelled, running), a dashed line while a retry waits.
import { duration } from "../format.js";
import { html } from "../html.js";

const LABEL_WIDTH = 170;
const CHART_WIDTH = 860;
const ROW = 22;
const AXIS = 26;
const TICKS = 6;

function millis(iso) {
  return iso ? Date.parse(iso) : null;
}

function rowsOf(attempts) {
  const rows = new Map();
  for (const attempt of attempts) {
    if (!rows.has(attempt.step_id)) rows.set(attempt.step_id, []);
    rows.get(attempt.step_id).push(attempt);
  }
  return [...rows.entries()];
}

function summary(attempts, steps) {
  const retries = attempts.filter((attempt) => attempt.attempt > 1).length;
  const timeouts = attempts.filter((attempt) => attempt.status === "timed_out").length;
  return `Timeline of ${attempts.length} attempts over ${steps} steps: ${retries} retries, ${timeouts} timeouts`;
}

export function Gantt({ attempts, asOf, onSelect }) {
  if (!attempts.length) return html`<p class="empty">No step has started yet.</p>`;
  const rows = rowsOf(attempts);
  const starts = attempts.map((attempt) => millis(attempt.started_at));
  const ends = attempts.flatMap((attempt) => [millis(attempt.finished_at), millis(attempt.retry_at)]);
  const first = Math.min(...starts);
  const latest = Math.max(...starts, ...ends.filter((end) => end !== null), millis(asOf) || 0);
  const span = Math.max(latest - first, 1);
  const x = (moment) => LABEL_WIDTH + ((moment - first) / span) * CHART_WIDTH;
  const height = AXIS + rows.length * ROW + 4;
  const ticks = Array.from({ length: TICKS + 1 }, (_, index) => first + (span * index) / TICKS);
  return html`<div class="gantt-frame">
    <svg class="gantt" width=${LABEL_WIDTH + CHART_WIDTH + 20} height=${height} role="img"
      aria-label=${summary(attempts, rows.length)}>
      <g class="axis" aria-hidden="true">
        ${ticks.map((tick) => html`<g key=${tick}>
          <line x1=${x(tick)} x2=${x(tick)} y1=${AXIS - 6} y2=${height} />
          <text x=${x(tick)} y="12" text-anchor="middle">+${duration(Math.round(tick - first))}</text>
        </g>`)}
      </g>
      ${rows.map(([stepId, tries], index) => {
        const y = AXIS + index * ROW;
        return html`<g key=${stepId} class="gantt-row" data-step=${stepId}>
          <text x=${LABEL_WIDTH - 8} y=${y + 15} text-anchor="end" class="row-label"
            onClick=${() => onSelect(stepId.split("[")[0])}>${stepId.length > 24 ? `${stepId.slice(0, 23)}…` : stepId}</text>
          ${tries.map((attempt) => {
            const start = millis(attempt.started_at);
            const end = millis(attempt.finished_at) ?? latest;
            const left = x(start);
            const width = Math.max(x(end) - left, 2);
            const retry = millis(attempt.retry_at);
            const words = `${stepId} attempt ${attempt.attempt}: ${attempt.status.replace(/_/g, " ")}, ${duration(attempt.duration_ms ?? end - start)}`;
            return html`<g key=${attempt.attempt}>
              <rect class=${`bar attempt-${attempt.status}`} x=${left} y=${y + 3} width=${width}
                height=${ROW - 6} rx="3" data-attempt=${attempt.attempt} data-status=${attempt.status}>
                <title>${words}${attempt.error ? ` — ${attempt.error.message}` : ""}</title>
              </rect>
              ${retry !== null && html`<line class="retry-wait" x1=${left + width} x2=${x(retry)}
                y1=${y + ROW / 2} y2=${y + ROW / 2}><title>waiting for attempt ${attempt.attempt + 1}</title></line>`}
              ${width > 26 && html`<text class="bar-label" x=${left + 4} y=${y + 15}
                aria-hidden="true">#${attempt.attempt}</text>`}
            </g>`;
          })}
        </g>`;
      })}
    </svg>
  </div>`;
}
