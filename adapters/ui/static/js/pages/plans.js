// The plans list: status filter, text search, time range, paging; it follows the log live.
import { api, coalesce, follow, markPainted } from "../api.js";
import { duration, shortId, when } from "../format.js";
import { html, useEffect, useMemo, useRef, useState } from "../html.js";
import { Link, navigate } from "../router.js";
import { LiveBadge, StatusBadge } from "../components/badges.js";

const STATUSES = [
  "draft", "pending_approval", "approved", "executing", "completed", "partial",
  "failed", "cancelled", "rejected",
];
const PAGE_SIZES = [25, 50, 100, 250];

function filtersOf(query) {
  return {
    status: query.get("status") || "",
    text: query.get("text") || "",
    since: query.get("since") || "",
    until: query.get("until") || "",
    limit: Number(query.get("limit")) || 50,
  };
}

function listPath(filters, cursor) {
  const params = new URLSearchParams({ limit: String(filters.limit) });
  if (filters.status) params.set("status", filters.status);
  if (filters.text) params.set("text", filters.text);
  if (filters.since) params.set("since", new Date(filters.since).toISOString());
  if (filters.until) params.set("until", new Date(filters.until).toISOString());
  if (cursor) params.set("cursor", cursor);
  return `/plans?${params}`;
}

export function PlansPage({ query }) {
  const filters = useMemo(() => filtersOf(query), [query.toString()]);
  const [cursors, setCursors] = useState([null]);
  const [page, setPage] = useState(null);
  const [error, setError] = useState(null);
  const [live, setLive] = useState("connecting");
  const current = cursors[cursors.length - 1];
  const load = useRef(null);
  load.current = async () => {
    try {
      setPage(await api(listPath(filters, current)));
      setError(null);
    } catch (failure) {
      setError(failure.message);
    }
  };
  useEffect(() => {
    setCursors([null]);
  }, [filters]);
  const drawn = useRef(false);
  useEffect(() => {
    if (page && !drawn.current) {
      drawn.current = true;
      markPainted("planledger:plans-drawn");
    }
  }, [page]);
  useEffect(() => {
    load.current();
  }, [filters, current]);
  useEffect(() => {
    // the list is a read model: it follows the log a moment after each event
    const reload = coalesce(() => load.current(), 400);
    const later = coalesce(() => load.current(), 1500);
    return follow("", () => (reload(), later()), (state) => {
      setLive(state);
      if (state === "live") reload();
    });
  }, []);
  return html`<section aria-labelledby="plans-title">
    <div class="title-row">
      <h1 id="plans-title">Plans</h1>
      <${LiveBadge} state=${live} />
    </div>
    <${Filters} filters=${filters} />
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${page && html`<${PlanTable} plans=${page.plans} />`}
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled=${cursors.length === 1}
        onClick=${() => setCursors(cursors.slice(0, -1))}>Newer</button>
      <span>Page ${cursors.length}</span>
      <button type="button" disabled=${!page || !page.next_cursor}
        onClick=${() => setCursors([...cursors, page.next_cursor])}>Older</button>
    </nav>
  </section>`;
}

function Filters({ filters }) {
  const apply = (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const params = new URLSearchParams();
    for (const [name, value] of form) if (value) params.set(name, value);
    navigate(`/ui/?${params}`);
  };
  return html`<form class="filters" role="search" aria-label="Filter plans" onSubmit=${apply}>
    <label>Status
      <select name="status" value=${filters.status}>
        <option value="">any</option>
        ${STATUSES.map((status) => html`<option value=${status}>${status}</option>`)}
      </select>
    </label>
    <label>Search <input name="text" type="search" value=${filters.text}
      placeholder="name, description, id" /></label>
    <label>Created from <input name="since" type="datetime-local" value=${filters.since} /></label>
    <label>until <input name="until" type="datetime-local" value=${filters.until} /></label>
    <label>Per page
      <select name="limit" value=${String(filters.limit)}>
        ${PAGE_SIZES.map((size) => html`<option value=${size}>${size}</option>`)}
      </select>
    </label>
    <button type="submit" class="primary">Apply</button>
    <${Link} href="/ui/">Clear<//>
  </form>`;
}

function PlanTable({ plans }) {
  if (!plans.length) return html`<p class="empty">No plan matches.</p>`;
  return html`<table class="plans">
    <caption class="visually-hidden">Plans, newest first</caption>
    <thead><tr>
      <th scope="col">Plan</th><th scope="col">Status</th><th scope="col">Progress</th>
      <th scope="col">Created by</th><th scope="col">Created</th><th scope="col">Duration</th>
    </tr></thead>
    <tbody>
      ${plans.map((plan) => html`<tr key=${plan.id} data-plan-id=${plan.id}>
        <td><${Link} href=${`/ui/plans/${plan.id}`}>${plan.name || plan.description || "plan"}<//>
          <span class="muted mono"> ${shortId(plan.id)}</span></td>
        <td><${StatusBadge} status=${plan.status} />${plan.paused && html` <span class="badge paused">paused</span>`}</td>
        <td><progress max="1" value=${plan.summary.progress}
          aria-label=${`${Math.round(plan.summary.progress * 100)}% done`}></progress>
          <span class="muted"> ${plan.summary.completed}/${plan.summary.total_steps}</span></td>
        <td>${plan.created_by}</td>
        <td>${when(plan.created_at)}</td>
        <td>${duration(plan.duration_ms)}</td>
      </tr>`)}
    </tbody>
  </table>`;
}
