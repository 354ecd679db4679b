// Sign in with an API token (`planledger tokens create`) or the configured OIDC provider.
import { signIn } from "../api.js";
import { html, useEffect, useState } from "../html.js";
import { startOidcSignIn } from "../oidc.js";
import { ThemeToggle } from "../theme.js";

export function SignInPage({ onSignedIn }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState(null);
  const [provider, setProvider] = useState(null);
  useEffect(() => {
    fetch("/ui-config")
      .then((answer) => answer.json())
      .then((config) => setProvider(config.oidc))
      .catch(() => setProvider(null));
  }, []);
  const submit = async (event) => {
    event.preventDefault();
    setError(null);
    try {
      await signIn(token.trim());
      onSignedIn();
    } catch (failure) {
      setError(failure.message);
    }
  };
  return html`<main id="main" class="sign-in" tabindex="-1">
    <h1>Sign in to planledger</h1>
    <form onSubmit=${submit} aria-describedby="token-help">
      <label for="token">API token</label>
      <input id="token" name="token" type="password" autocomplete="off" required
        value=${token} onInput=${(event) => setToken(event.target.value)} />
      <p id="token-help" class="help">A token from <code>planledger tokens create NAME --role ROLE</code>,
        or a bearer token from your identity provider. It is kept in this tab only.</p>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <button type="submit" class="primary">Sign in</button>
    </form>
    ${provider && html`<p class="or">or</p>
      <button type="button" class="primary" onClick=${() => startOidcSignIn(provider)}>
        Sign in with ${new URL(provider.authorize_url).host}
      </button>`}
    <p><${ThemeToggle} /></p>
  </main>`;
}
