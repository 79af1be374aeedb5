// The whole-video timeline: class probability per sliding window, the analysed window
// shaded; a click picks the window centred on the clicked time (trigger "pick", seconds).

const COLOURS = ["#4c72b0", "#dd5500", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"];
const HEIGHT = 170;

function draw(root, d) {
  const canvas = root.querySelector("canvas"), w = canvas.clientWidth || 800;
  if (canvas.width !== w) canvas.width = w;
  const ctx = canvas.getContext("2d"), left = 40, right = 12, top = 10, bottom = 26;
  const plotW = w - left - right, plotH = HEIGHT - top - bottom, end = d.duration;
  const x = (s) => left + (plotW * s) / end, y = (p) => top + plotH * (1 - p);
  ctx.clearRect(0, 0, w, HEIGHT);
  ctx.fillStyle = "rgba(255,165,0,0.3)";
  ctx.fillRect(x(d.selected), top, Math.max(2, x(d.selected + d.window) - x(d.selected)), plotH);
  ctx.strokeStyle = "#bbb";
  ctx.strokeRect(left, top, plotW, plotH);
  d.classes.forEach((name, k) => {
    ctx.strokeStyle = COLOURS[k % COLOURS.length];
    ctx.lineWidth = 2;
    ctx.beginPath();
    d.centres.forEach((c, i) => (i ? ctx.lineTo(x(c), y(d.probabilities[i][k])) : ctx.moveTo(x(c), y(d.probabilities[i][k]))));
    ctx.stroke();
  });
  ctx.fillStyle = "#555";
  ctx.font = "11px sans-serif";
  ctx.textAlign = "right";
  ctx.fillText("1", left - 4, top + 8);
  ctx.fillText("0", left - 4, top + plotH);
  ctx.textAlign = "center";
  const every = Math.max(1, Math.ceil(end / 12));
  for (let s = 0; s <= end; s += every) ctx.fillText(`${s} s`, x(s), HEIGHT - 8);
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let root = parentElement.querySelector(".vse-timeline");
  if (!root) {
    root = document.createElement("div");
    root.className = "vse-timeline";
    root.innerHTML = `<canvas height="${HEIGHT}" aria-label="Timeline"></canvas><div class="legend"></div>`;
    parentElement.appendChild(root);
  }
  root.dataset.selected = String(data.selected);
  const legend = root.querySelector(".legend");
  legend.innerHTML = "";
  data.classes.forEach((name, k) => {
    const item = document.createElement("span");
    item.innerHTML = `<i style="background:${COLOURS[k % COLOURS.length]}"></i>`;
    item.appendChild(document.createTextNode(`p(${name})`));
    legend.appendChild(item);
  });
  const hint = document.createElement("span");
  hint.className = "hint";
  hint.textContent = "click to explain the window at that time (shaded: the window shown)";
  legend.appendChild(hint);
  const canvas = root.querySelector("canvas");
  canvas.onclick = (e) => {
    const rect = canvas.getBoundingClientRect(), left = 40, right = 12;
    const s = ((e.clientX - rect.left - left) / (rect.width - left - right)) * data.duration;
    setTriggerValue("pick", Math.max(0, s - data.window / 2));
  };
  draw(root, data);
  const observer = new ResizeObserver(() => draw(root, data));
  observer.observe(canvas);
  return () => observer.disconnect();
}
