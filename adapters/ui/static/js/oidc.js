// Sign-in with the configured OIDC provider: the authorization code flow with PKCE, as a public
// client (no secret in the page). The token the provider returns is then used like an API token.
import { signIn } from "./api.js";

const PENDING = "planledger.oidc";
const REDIRECT = "/ui/";

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

function randomText() {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** Go to the provider's sign-in page; it sends the browser back to /ui/ with a code. */
export async function startOidcSignIn(provider) {
  const verifier = randomText();
  const state = randomText();
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, provider }));
  const url = new URL(provider.authorize_url);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: provider.client_id,
    redirect_uri: location.origin + REDIRECT,
    scope: provider.scope,
    state,
    code_challenge: base64url(digest),
    code_challenge_method: "S256",
  }).toString();
  location.assign(url.toString());
}

/** Back from the provider: trade the code for a token (only with the state we sent). */
export async function finishOidcSignIn() {
  const params = new URLSearchParams(location.search);
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || "null");
  if (!params.has("code") || !pending) return;
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, "", REDIRECT);
  if (params.get("state") !== pending.state) return;
  const answer = await fetch(pending.provider.token_url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: params.get("code"),
      redirect_uri: location.origin + REDIRECT,
      client_id: pending.provider.client_id,
      code_verifier: pending.verifier,
    }),
  });
  if (!answer.ok) return;
  const tokens = await answer.json();
  try {
    await signIn(tokens.access_token || tokens.id_token);
  } catch {
    // the sign-in page shows; the person can try again
  }
}
