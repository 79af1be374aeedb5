// The player's DOM: its controls, panels, read-out and chart legend (joined before player.js).

function el(tag, attrs = {}, parent = null) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  if (parent) parent.appendChild(node);
  return node;
}

function labelledSelect(parent, label, options, value) {
  const wrap = el("label", { text: `${label} ` }, parent);
  const sel = el("select", { "aria-label": label }, wrap);
  for (const [v, text] of options) el("option", { value: v, text }, sel);
  sel.value = value;
  return sel;
}

function buildPlayer(p, root) {
  const d = p.data;
  p.node = el("div", { class: "vse-player", tabindex: "0", "data-frame": String(p.t) }, root);
  const bar = el("div", { class: "bar" }, p.node);
  p.buttons = {};
  for (const [act, label, title] of [["first", "|◀", "First frame (Home)"], ["back", "◀", "Previous frame (←)"],
    ["play", "Play", "Play / pause (space)"], ["forward", "▶", "Next frame (→)"], ["last", "▶|", "Last frame (End)"]]) {
    p.buttons[act] = el("button", { type: "button", "data-act": act, title, text: label }, bar);
  }
  p.slider = el("input", { type: "range", min: "1", max: String(p.count), value: String(p.t + 1),
    "aria-label": "Frame", class: "slider" }, bar);
  p.text = el("span", { class: "frame-text" }, bar);
  const opts = el("div", { class: "bar options" }, p.node);
  p.speedSel = labelledSelect(opts, "Speed", SPEEDS.map((s) => [String(s), `${s}x`]), "1");
  const loopLabel = el("label", { text: "Loop " }, opts);
  p.loopBox = el("input", { type: "checkbox", "aria-label": "Loop" }, loopLabel);
  p.loopBox.checked = true;
  const hasMap = d.panels.some((panel) => panel.kind === "overlay" || panel.kind === "saliency");
  const hasFlow = d.panels.some((panel) => panel.kind === "flow");
  if (hasMap) {
    p.cmapSel = labelledSelect(opts, "Colour map", Object.keys(d.colormaps).map((c) => [c, c]), p.settings.cmap);
    const label = el("label", { text: "Opacity " }, opts);
    p.opacity = el("input", { type: "range", min: "0", max: "1", step: "0.05", value: String(p.settings.opacity),
      "aria-label": "Opacity" }, label);
    p.scaleSel = labelledSelect(opts, "Scale", [["clip", "whole clip"], ["frame", "each frame"]], p.settings.scale);
  }
  if (hasFlow) {
    p.flowSel = labelledSelect(opts, "Flow view", [["wheel", "colour wheel (direction)"], ["magnitude", "speed"]],
      p.settings.flow_view);
  }
  const grid = el("div", { class: "panels" }, p.node);
  grid.style.gridTemplateColumns = `repeat(${d.panels.length}, minmax(0, 1fr))`;
  const [fw, fh] = d.frame_size;
  const side = 320 / Math.max(fw, fh);
  p.canvases = d.panels.map((panel, k) => {
    const fig = el("figure", { class: "panel", "data-kind": panel.kind }, grid);
    const canvas = el("canvas", { width: String(Math.round(fw * side)), height: String(Math.round(fh * side)),
      "data-panel": String(k), "aria-label": panel.title }, fig);
    el("figcaption", { text: panel.title }, fig);
    canvas.addEventListener("mousemove", (e) => p.hover(e, panel));
    canvas.addEventListener("mouseleave", () => { p.readout.textContent = p.hint; });
    return canvas;
  });
  p.hint = "Hover a panel to read the saliency and the flow under the pointer.";
  p.readout = el("div", { class: "readout", text: p.hint }, p.node);
  p.chart = d.series.length ? el("canvas", { class: "chart", height: String(CHART_HEIGHT),
    "aria-label": "Time-step chart" }, p.node) : null;
  if (p.chart) {
    const legend = el("div", { class: "legend" }, p.node);
    const colours = seriesColours(d.series);
    d.series.forEach((s, k) => {
      const item = el("span", {}, legend);
      el("i", { style: `background:${colours[k]}` }, item);
      item.appendChild(document.createTextNode(s.name + (s.style === "line2" ? " (right axis)" : "")));
    });
    el("span", { class: "hint", text: "click a bar to go to its frame" }, legend);
    p.chart.addEventListener("click", (e) => p.chartClick(e));
  }
  p.wire();
}
