// The plan's DAG as SVG, laid out by the server (layers left to right); each step is a button
// coloured by status (and named, so colour is never the only cue). Maps are one stacked node
// with their item counts; a sub-plan node links to its child plan's page.
import { html, useRef, useState } from "../html.js";
import { navigate } from "../router.js";

const NODE_WIDTH = 180;
const NODE_HEIGHT = 52;
const ZOOMS = [0.25, 0.4, 0.6, 0.8, 1, 1.25];

function clip(text, size) {
  return text.length > size ? `${text.slice(0, size - 1)}…` : text;
}

function edgePath(points) {
  let path = `M${points[0][0]},${points[0][1]}`;
  for (let index = 1; index < points.length; index += 1) {
    const [x0, y0] = points[index - 1];
    const [x1, y1] = points[index];
    if (y0 === y1) path += ` L${x1},${y1}`;
    else {
      const middle = (x0 + x1) / 2;
      path += ` C${middle},${y0} ${middle},${y1} ${x1},${y1}`;
    }
  }
  return path;
}

function nodeLabel(node, shown) {
  // starts with the text the node shows, so what is seen and what is heard agree
  let label = shown;
  const full = secondLine(node);
  if (full !== shown.slice(shown.indexOf(" ") + 1)) label += ` (${full})`;
  if (node.child_plan_id) label += ", a sub-plan: its panel opens it";
  return label;
}

function secondLine(node) {
  if (node.kind === "map") {
    const counts = Object.entries(node.items).map(([status, count]) => `${count} ${status}`);
    return `${node.item_count} items${counts.length ? `: ${counts.join(", ")}` : ""}`;
  }
  const attempts = node.attempts > 1 ? ` · ${node.attempts} attempts` : "";
  if (node.kind === "sub_plan") return `sub-plan · ${node.status.replace(/_/g, " ")}${attempts}`;
  return `${node.tool} · ${node.status.replace(/_/g, " ")}${attempts}`;
}

function Node({ node, selected, onSelect }) {
  const shown = `${clip(node.id, 22)} ${clip(secondLine(node), 28)}`;
  const activate = () => onSelect(node.id);
  const open = () => {
    if (node.child_plan_id) navigate(`/ui/plans/${node.child_plan_id}`);
  };
  const onKeyDown = (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      activate();
    }
  };
  return html`<g class=${`node kind-${node.kind} status-${node.status}${selected ? " selected" : ""}`}
    transform=${`translate(${node.x},${node.y})`} tabindex="0" role="button"
    aria-pressed=${selected ? "true" : "false"} aria-label=${nodeLabel(node, shown)}
    data-step=${node.id} data-status=${node.status} onClick=${activate} onDblClick=${open} onKeyDown=${onKeyDown}>
    ${node.kind === "map" && html`<rect class="stack" x="6" y="-6" rx="8"
      width=${NODE_WIDTH} height=${NODE_HEIGHT} />`}
    <rect class="box" rx="8" width=${NODE_WIDTH} height=${NODE_HEIGHT} />
    <text><tspan x="10" y="21" class="step-id">${clip(node.id, 22)}</tspan> <tspan x="10" y="40"
      class="step-details">${clip(secondLine(node), 28)}</tspan></text>
  </g>`;
}

export function Dag({ graph, selected, onSelect }) {
  const [zoom, setZoom] = useState(1);
  const frame = useRef(null);
  const fit = () => {
    const width = frame.current ? frame.current.clientWidth - 8 : graph.width;
    setZoom(Math.min(1, width / graph.width));
  };
  const step = (direction) => {
    const index = ZOOMS.findIndex((level) => level >= zoom - 1e-9);
    const next = ZOOMS[Math.max(0, Math.min(ZOOMS.length - 1, (index < 0 ? 4 : index) + direction))];
    setZoom(next);
  };
  return html`<div class="dag">
    <div class="toolbar" role="toolbar" aria-label="Graph zoom">
      <button type="button" onClick=${() => step(-1)} aria-label="Zoom out">−</button>
      <span aria-live="polite">${Math.round(zoom * 100)}%</span>
      <button type="button" onClick=${() => step(1)} aria-label="Zoom in">+</button>
      <button type="button" onClick=${fit}>Fit</button>
      <span class="muted">${graph.nodes.length} nodes · select one for its details</span>
    </div>
    <div class="dag-frame" ref=${frame}>
      <svg width=${graph.width * zoom} height=${graph.height * zoom}
        viewBox=${`0 0 ${graph.width} ${graph.height}`} role="group" aria-label="Plan graph">
        <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7"
          markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrow" /></marker></defs>
        <g class="edges" aria-hidden="true">
          ${graph.edges.map((edge) => html`<path key=${`${edge.source}>${edge.target}`}
            d=${edgePath(edge.points)} marker-end="url(#arrow)" />`)}
        </g>
        ${graph.nodes.map((node) => html`<${Node} key=${node.id} node=${node}
          selected=${node.id === selected} onSelect=${onSelect} />`)}
      </svg>
    </div>
  </div>`;
}
