// How times, durations and statuses read on the page.

export function when(iso) {
  if (!iso) return "";
  const moment = new Date(iso);
  return moment.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

export function clock(iso) {
  if (!iso) return "";
  const moment = new Date(iso);
  const millis = String(moment.getMilliseconds()).padStart(3, "0");
  return `${moment.toLocaleTimeString(undefined, { hour12: false })}.${millis}`;
}

export function duration(ms) {
  if (ms === null || ms === undefined) return "";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function shortId(id) {
  return id ? id.slice(0, 8) : "";
}

export function json(value) {
  return value === undefined ? "" : JSON.stringify(value, null, 2);
}

export const TERMINAL = new Set(["completed", "failed", "partial", "cancelled", "rejected"]);
