// Light or dark: the system's preference unless the person picked one (kept in localStorage).
import { html, useState } from "./html.js";

const KEY = "planledger.theme";
const NEXT = { system: "light", light: "dark", dark: "system" };

export function applyTheme(choice = localStorage.getItem(KEY) || "system") {
  if (choice === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = choice;
  return choice;
}

export function ThemeToggle() {
  const [choice, setChoice] = useState(() => localStorage.getItem(KEY) || "system");
  const change = () => {
    const next = NEXT[choice];
    localStorage.setItem(KEY, next);
    setChoice(applyTheme(next));
  };
  return html`<button type="button" class="quiet" onClick=${change}
    aria-label=${`Colour theme: ${choice}. Change theme`}>Theme: ${choice}</button>`;
}
