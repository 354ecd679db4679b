// Audit: the store's verification (a banner no one can miss when a chain is broken), a plan's
// trail (who, when, why, the event hash, whether the event proves it), and the export.
import { api, download, may } from "../api.js";
import { when } from "../format.js";
import { html, useEffect, useState } from "../html.js";
import { Link, navigate } from "../router.js";

export function AuditPage({ query }) {
  const planId = query.get("plan") || "";
  if (!may("audit")) {
    return html`<p class="error" role="alert">Your role does not allow audit (ask for the auditor role).</p>`;
  }
  return html`<section aria-labelledby="audit-title">
    <h1 id="audit-title">Audit</h1>
    <${Verification} planId=${planId} />
    <${Trail} planId=${planId} />
    <${Export} />
  </section>`;
}

function Verification({ planId }) {
  const [report, setReport] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const verify = async () => {
    setBusy(true);
    setError(null);
    try {
      const body = planId ? { plan_ids: [planId] } : {};
      setReport(await api("/audit/verify", { method: "POST", body }));
    } catch (failure) {
      setError(failure.message);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    verify();
  }, [planId]);
  const scope = planId ? "this plan" : "the whole store";
  return html`<section aria-labelledby="verify-title" class="verify">
    <h2 id="verify-title">Verification of ${scope}</h2>
    <button type="button" onClick=${verify} disabled=${busy}>${busy ? "Verifying…" : "Verify again"}</button>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${report && html`<${Report} report=${report} />`}
  </section>`;
}

function Report({ report }) {
  if (report.verified) {
    return html`<div class="banner ok" role="status" data-verified="true">
      <strong>Verified.</strong> ${report.plans_checked} plan${report.plans_checked === 1 ? "" : "s"}
      ${" "}checked: every hash chain holds${report.signatures ? ", every signature checks" : ""}.
      <${Notes} notes=${report.notes} />
    </div>`;
  }
  return html`<div class="banner broken" role="alert" data-verified="false">
    <strong>The chain is broken.</strong> ${report.findings.length} finding${report.findings.length === 1 ? "" : "s"}
    ${" "}in ${report.plans_checked} plan${report.plans_checked === 1 ? "" : "s"} checked. Do not trust what
    these plans show until the findings are explained.
    <ul>${report.findings.map((finding) => html`<li>
      ${finding.plan_id ? html`plan <${Link} href=${`/ui/plans/${finding.plan_id}`}>${finding.plan_id}<//>` : "the store"}
      ${finding.version !== null && ` at version ${finding.version}`}: <b>${finding.problem}</b> — ${finding.detail}
    </li>`)}</ul>
    <${Notes} notes=${report.notes} />
  </div>`;
}

function Notes({ notes }) {
  if (!notes || !notes.length) return null;
  return html`<ul class="notes">${notes.map((note) => html`<li>${note}</li>`)}</ul>`;
}

function Trail({ planId }) {
  const [rows, setRows] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    setRows(null);
    if (!planId) return;
    api(`/plans/${planId}/audit?verified=true`).then(setRows, (failure) => setError(failure.message));
  }, [planId]);
  const choose = (event) => {
    event.preventDefault();
    const value = new FormData(event.target).get("plan").trim();
    navigate(value ? `/ui/audit?plan=${encodeURIComponent(value)}` : "/ui/audit");
  };
  return html`<section aria-labelledby="trail-title">
    <h2 id="trail-title">Audit trail</h2>
    <form onSubmit=${choose} class="filters">
      <label>Plan id <input name="plan" value=${planId} size="38" /></label>
      <button type="submit">Show the trail</button>
      ${planId && html`<${Link} href=${`/ui/plans/${planId}`}>Open the plan<//>`}
    </form>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${rows && html`<table class="compact trail">
      <caption class="visually-hidden">Who did what to the plan, when and why</caption>
      <thead><tr><th scope="col">v</th><th scope="col">When</th><th scope="col">Action</th>
        <th scope="col">Who</th><th scope="col">Why</th><th scope="col">Event hash</th>
        <th scope="col">Proven by its event</th></tr></thead>
      <tbody>${rows.map((row) => html`<tr key=${row.version}>
        <td>${row.version}</td><td>${when(row.at)}</td><td>${row.action}</td><td>${row.actor}</td>
        <td>${row.reason}</td><td class="mono hash">${row.event_hash}</td>
        <td>${row.verified ? "yes" : html`<span class="error-text">no: ${row.problem}</span>`}</td>
      </tr>`)}</tbody>
    </table>`}
  </section>`;
}

function Export() {
  const [error, setError] = useState(null);
  const save = (format) => async () => {
    setError(null);
    try {
      await download(`/audit/export?format=${format}&verified=true`, `planledger-audit.${format}`);
    } catch (failure) {
      setError(failure.message);
    }
  };
  return html`<section aria-labelledby="export-title">
    <h2 id="export-title">Export</h2>
    <p>Every audited action of the store, each checked against its event.</p>
    <button type="button" onClick=${save("jsonl")}>Download JSON lines</button>
    <button type="button" onClick=${save("csv")}>Download CSV</button>
    ${error && html`<p class="error" role="alert">${error}</p>`}
  </section>`;
}
