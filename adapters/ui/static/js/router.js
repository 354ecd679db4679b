// Paths under /ui/ name the views; links change the path without reloading the page.
import { html, useEffect, useState } from "./html.js";

const CHANGED = "planledger:navigate";

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  window.dispatchEvent(new Event(CHANGED));
}

/** The current path and query, updated on navigation and on the browser's back and forward. */
export function useLocation() {
  const [where, setWhere] = useState(() => new URL(location.href));
  useEffect(() => {
    const update = () => setWhere(new URL(location.href));
    window.addEventListener(CHANGED, update);
    window.addEventListener("popstate", update);
    return () => {
      window.removeEventListener(CHANGED, update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return where;
}

/** An ordinary link (it opens in a new tab as usual) that navigates in place on a plain click. */
export function Link({ href, children, ...rest }) {
  const onClick = (event) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return html`<a href=${href} onClick=${onClick} ...${rest}>${children}</a>`;
}
