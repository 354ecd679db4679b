// Submit a spec (YAML or JSON): the validator's problems are shown on the lines they belong to.
import { api, ProblemError } from "../api.js";
import { html, useRef, useState } from "../html.js";
import { navigate } from "../router.js";

const STARTER = `name: hello
description: A first plan
steps:
  - id: greet
    tool: echo
    parameters: {value: "hello"}
`;

function selectLine(textarea, line) {
  const lines = textarea.value.split("\n");
  const start = lines.slice(0, line - 1).reduce((total, text) => total + text.length + 1, 0);
  textarea.focus();
  textarea.setSelectionRange(start, start + (lines[line - 1] || "").length);
}

function Annotated({ text, problems, onPick }) {
  const byLine = new Map();
  for (const problem of problems) {
    if (!byLine.has(problem.line)) byLine.set(problem.line, []);
    byLine.get(problem.line).push(problem);
  }
  return html`<ol class="annotated" aria-label="The spec with its problems">
    ${text.split("\n").map((line, index) => {
      const here = byLine.get(index + 1) || [];
      return html`<li key=${index} class=${here.length ? "has-problem" : ""} data-line=${index + 1}>
        <code>${line || " "}</code>
        ${here.map((problem) => html`<div class="problem" role="note">
          <button type="button" class="link" onClick=${() => onPick(index + 1)}>line ${index + 1}</button>
          <b>${problem.field}</b>: ${problem.message}</div>`)}
      </li>`;
    })}
  </ol>`;
}

export function SubmitPage() {
  const [text, setText] = useState(STARTER);
  const [inputs, setInputs] = useState("");
  const [checked, setChecked] = useState(null);
  const [problems, setProblems] = useState([]);
  const [message, setMessage] = useState(null);
  const editor = useRef(null);
  const check = async () => {
    setMessage(null);
    try {
      const answer = await api("/validate/text", { method: "POST", body: { text } });
      setProblems([]);
      setChecked({ text, spec: answer.spec });
      setMessage(`Valid: ${answer.steps} step${answer.steps === 1 ? "" : "s"}.`);
      return answer.spec;
    } catch (failure) {
      const found = failure instanceof ProblemError ? failure.body.errors || [] : [];
      setProblems(found.map((item) => ({ line: 1, ...item })));
      setChecked({ text, spec: null });
      setMessage(found.length ? `${found.length} problem${found.length === 1 ? "" : "s"} in the spec.` : failure.message);
      return null;
    }
  };
  const submit = async (event) => {
    event.preventDefault();
    const spec = await check();
    if (!spec) return;
    try {
      const body = { spec, inputs: inputs.trim() ? JSON.parse(inputs) : null };
      const plan = await api("/plans", { method: "POST", body });
      navigate(`/ui/plans/${plan.id}`);
    } catch (failure) {
      setMessage(failure instanceof SyntaxError ? `Inputs are not JSON: ${failure.message}` : failure.message);
    }
  };
  return html`<section aria-labelledby="submit-title" class="submit">
    <h1 id="submit-title">Submit a spec</h1>
    <form onSubmit=${submit}>
      <label for="spec">Spec (YAML or JSON)</label>
      <textarea id="spec" ref=${editor} rows="18" spellcheck="false" class="mono"
        aria-describedby="spec-status" value=${text}
        onInput=${(event) => setText(event.target.value)}></textarea>
      <label for="inputs">Inputs (JSON, optional)</label>
      <textarea id="inputs" rows="2" spellcheck="false" class="mono" value=${inputs}
        onInput=${(event) => setInputs(event.target.value)}></textarea>
      <div class="buttons">
        <button type="button" onClick=${check}>Check</button>
        <button type="submit" class="primary">Submit</button>
      </div>
    </form>
    <p id="spec-status" role="status" class=${problems.length ? "error" : ""}>${message}</p>
    ${checked && problems.length > 0 && html`<${Annotated} text=${checked.text} problems=${problems}
      onPick=${(line) => selectLine(editor.current, line)} />`}
  </section>`;
}
