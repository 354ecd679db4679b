// The HTTP API as the UI calls it: the signed-in credential, problem errors, the live stream.
//
// The credential lives in sessionStorage (gone when the tab closes) and travels only in the
// Authorization header, never in a URL or a cookie: no cookie means no cross-site request can
// act as the user, so there is no CSRF to defend against.

const TOKEN_KEY = "planledger.token";
const ME_KEY = "planledger.me";

export function credential() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function me() {
  const stored = sessionStorage.getItem(ME_KEY);
  return stored ? JSON.parse(stored) : null;
}

export function may(action) {
  const who = me();
  return Boolean(who && who.actions.includes(action));
}

/** Check a credential with the server and keep it with what it may do. */
export async function signIn(token) {
  const answer = await fetch("/whoami/actions", { headers: { Authorization: `Bearer ${token}` } });
  const body = await answer.json();
  if (!answer.ok) throw new ProblemError(answer.status, body);
  sessionStorage.setItem(TOKEN_KEY, token);
  sessionStorage.setItem(ME_KEY, JSON.stringify(body));
  return body;
}

export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(ME_KEY);
}

/** An error answer (RFC 9457 problem): `detail` says why, `errors` names fields. */
export class ProblemError extends Error {
  constructor(status, body) {
    const detail = typeof body === "object" && body ? body.detail || body.title : String(body);
    super(detail || `HTTP ${status}`);
    this.status = status;
    this.body = typeof body === "object" && body ? body : {};
  }
}

function headers(extra = {}) {
  return { Authorization: `Bearer ${credential()}`, ...extra };
}

/** One API call; JSON in and out; a problem answer is thrown as `ProblemError`. */
export async function api(path, { method = "GET", body, signal } = {}) {
  const extra = body === undefined ? {} : { "Content-Type": "application/json" };
  const answer = await fetch(path, {
    method,
    headers: headers(extra),
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  if (answer.status === 401) {
    signOut();
    window.dispatchEvent(new CustomEvent("planledger:signed-out"));
  }
  const type = answer.headers.get("content-type") || "";
  const data = type.includes("json") ? await answer.json() : await answer.text();
  if (!answer.ok) throw new ProblemError(answer.status, data);
  return data;
}

/** Fetch a file the API streams (an audit export) and hand it to the browser as a download. */
export async function download(path, filename) {
  const answer = await fetch(path, { headers: headers() });
  if (!answer.ok) throw new ProblemError(answer.status, await answer.json());
  const url = URL.createObjectURL(await answer.blob());
  const link = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Follow `GET /events` (Server-Sent Events) with the Authorization header, which EventSource
 * cannot send. On a cut it reconnects with the last id it saw (`Last-Event-ID`), so nothing is
 * missed or seen twice. `onState` hears "live" each time the stream is open (a caller reloads
 * then: whatever happened before it is in what it loads), and "reconnecting" after a cut.
 * Returns a function that stops following.
 */
export function follow(query, onMessage, onState) {
  let last = null;
  let stopped = false;
  let controller = null;
  async function run() {
    while (!stopped) {
      controller = new AbortController();
      try {
        const extra = { Accept: "text/event-stream" };
        if (last !== null) extra["Last-Event-ID"] = last;
        const answer = await fetch(`/events${query}`, { headers: headers(extra), signal: controller.signal });
        if (!answer.ok) throw new ProblemError(answer.status, await answer.json());
        onState("live");
        await readFrames(answer.body, (frame) => {
          if (frame.id !== undefined) last = frame.id;
          if (frame.data !== undefined) onMessage(frame);
        });
      } catch (error) {
        if (stopped) return;
        if (error instanceof ProblemError && error.status === 401) return;
      }
      onState("reconnecting");
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  run();
  return () => {
    stopped = true;
    if (controller) controller.abort();
  };
}

async function readFrames(body, onFrame) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      onFrame(parseFrame(buffer.slice(0, cut)));
      buffer = buffer.slice(cut + 2);
    }
  }
}

function parseFrame(text) {
  const frame = {};
  for (const line of text.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const name = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (name === "data") frame.data = JSON.parse(value);
    else if (name === "id") frame.id = value;
    else if (name === "event") frame.event = value;
  }
  return frame;
}

/** Call `action` at most once per `ms`, always once after the last call (a live reload). */
export function coalesce(action, ms) {
  let timer = null;
  let again = false;
  let running = false;
  async function fire() {
    timer = null;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await action();
    } finally {
      running = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  }
  function schedule() {
    if (timer === null) timer = setTimeout(fire, ms);
  }
  return schedule;
}

/** A performance mark once the frame now being rendered has been painted (scripts/bench_ui). */
export function markPainted(name) {
  requestAnimationFrame(() => setTimeout(() => performance.mark(name), 0));
}
