// The UI's shell: sign-in gate, navigation by role, theme, and which view the path names.
import { credential, may, me, signOut } from "./api.js";
import { html, render, useEffect, useState } from "./html.js";
import { finishOidcSignIn } from "./oidc.js";
import { AuditPage } from "./pages/audit.js";
import { PlanPage } from "./pages/plan.js";
import { PlansPage } from "./pages/plans.js";
import { SignInPage } from "./pages/sign_in.js";
import { SubmitPage } from "./pages/submit.js";
import { Link, navigate, useLocation } from "./router.js";
import { applyTheme, ThemeToggle } from "./theme.js";

function view(where) {
  const path = where.pathname.replace(/\/+$/, "");
  const plan = path.match(/^\/ui\/plans\/([0-9a-f-]{36})$/);
  if (plan) return html`<${PlanPage} key=${plan[1]} planId=${plan[1]} />`;
  if (path === "/ui/audit") return html`<${AuditPage} query=${where.searchParams} />`;
  if (path === "/ui/submit") return html`<${SubmitPage} />`;
  return html`<${PlansPage} query=${where.searchParams} />`;
}

function Header({ onSignOut }) {
  const who = me();
  return html`<header class="top">
    <a class="skip" href="#main">Skip to content</a>
    <nav aria-label="Main">
      <${Link} href="/ui/" class="brand">planledger<//>
      <${Link} href="/ui/">Plans<//>
      ${may("submit") && html`<${Link} href="/ui/submit">Submit a spec<//>`}
      ${may("audit") && html`<${Link} href="/ui/audit">Audit<//>`}
    </nav>
    <div class="who">
      <span aria-label="Signed in as">${who.principal}</span>
      <span class="roles">${who.roles.join(", ") || "no role"}</span>
      <${ThemeToggle} />
      <button type="button" class="quiet" onClick=${onSignOut}>Sign out</button>
    </div>
  </header>`;
}

function App() {
  const where = useLocation();
  const [signedIn, setSignedIn] = useState(() => Boolean(credential() && me()));
  useEffect(() => {
    const out = () => setSignedIn(false);
    window.addEventListener("planledger:signed-out", out);
    return () => window.removeEventListener("planledger:signed-out", out);
  }, []);
  useEffect(() => {
    document.getElementById("main")?.focus({ preventScroll: true });
  }, [where.pathname]);
  if (!signedIn) {
    return html`<${SignInPage} onSignedIn=${() => setSignedIn(true)} />`;
  }
  const leave = () => {
    signOut();
    setSignedIn(false);
    navigate("/ui/");
  };
  return html`<${Header} onSignOut=${leave} />
    <main id="main" tabindex="-1">${view(where)}</main>`;
}

applyTheme();
await finishOidcSignIn();
const root = document.getElementById("app");
root.textContent = "";
render(html`<${App} />`, root);
