// Preact with htm tagged templates: components written in plain ES modules, no build step.
import { h, render } from "../vendor/preact.module.js";
import htm from "../vendor/htm.module.js";

export { h, render };
export {
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
} from "../vendor/hooks.module.js";
export const html = htm.bind(h);
