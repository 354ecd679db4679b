// A modal that asks why before an action: the native <dialog> keeps focus inside and closes on
// Escape; the action's problem (a refusal, a conflict) is shown in it, not lost.
import { html, useEffect, useRef, useState } from "../html.js";

export function ReasonDialog({ title, label, confirm, required, onSubmit, onClose }) {
  const dialog = useRef(null);
  const [text, setText] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    dialog.current.showModal();
  }, []);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSubmit(text);
      dialog.current.close();
      onClose();
    } catch (failure) {
      setError(failure.message);
    } finally {
      setBusy(false);
    }
  };
  return html`<dialog ref=${dialog} aria-labelledby="dialog-title" onClose=${onClose}>
    <form onSubmit=${submit}>
      <h2 id="dialog-title">${title}</h2>
      <label for="dialog-reason">${label}</label>
      <textarea id="dialog-reason" rows="3" required=${required}
        value=${text} onInput=${(event) => setText(event.target.value)}></textarea>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <div class="buttons">
        <button type="button" onClick=${() => (dialog.current.close(), onClose())}>Cancel</button>
        <button type="submit" class="primary" disabled=${busy}>${confirm}</button>
      </div>
    </form>
  </dialog>`;
}
