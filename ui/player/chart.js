// The player's time-step chart: bars of the first series (the current frame's bar highlighted),
// lines for the others ("line2": its own axis); a click on a bar gives its frame.
// Concatenated before player.js by ui/player/__init__.py (one module, no build).

const CHART_HEIGHT = 150;

function seriesColours(series) {
  return series.map((s, k) => (k === 0 ? "#4c72b0" : ["#2ca02c", "#dd5500", "#9467bd", "#8c564b",
    "#e377c2"][(k - 1) % 5]));
}

function chartBox(canvas) {
  return { left: 40, right: 40, top: 8, bottom: 22, w: canvas.clientWidth || 600, h: CHART_HEIGHT };
}

function drawTimeSteps(canvas, series, n, current) {
  const box = chartBox(canvas), colours = seriesColours(series);
  if (canvas.width !== box.w) canvas.width = box.w;
  const ctx = canvas.getContext("2d");
  const plotW = box.w - box.left - box.right, plotH = box.h - box.top - box.bottom, slot = plotW / n;
  ctx.clearRect(0, 0, box.w, box.h);
  const shares = series.filter((s) => s.style !== "line2").flatMap((s) => s.values);
  const top = Math.max(...shares, 1e-9) * 1.1;
  const y = (v, m) => box.top + plotH * (1 - v / m);
  ctx.fillStyle = "rgba(255,165,0,0.25)";
  ctx.fillRect(box.left + current * slot, box.top, slot, plotH);
  ctx.strokeStyle = "#999";
  ctx.beginPath();
  ctx.moveTo(box.left, y(0, top));
  ctx.lineTo(box.left + plotW, y(0, top));
  ctx.stroke();
  series.forEach((s, k) => {
    ctx.fillStyle = ctx.strokeStyle = colours[k];
    if (s.style === "bar") {
      s.values.forEach((v, i) => {
        ctx.fillStyle = i === current ? "#ff8c00" : colours[k];
        ctx.fillRect(box.left + i * slot + slot * 0.15, y(v, top), slot * 0.7, y(0, top) - y(v, top));
      });
      return;
    }
    const m = s.style === "line2" ? Math.max(...s.values.map(Math.abs), 1e-9) * 1.1 : top;
    ctx.lineWidth = 2;
    ctx.beginPath();
    s.values.forEach((v, i) => {
      const x = box.left + (i + 0.5) * slot, yy = y(Math.max(v, 0), m);
      if (i === 0) ctx.moveTo(x, yy); else ctx.lineTo(x, yy);
    });
    ctx.stroke();
    ctx.lineWidth = 1;
  });
  ctx.fillStyle = "#555";
  ctx.font = "11px sans-serif";
  ctx.textAlign = "center";
  const every = Math.max(1, Math.ceil(n / Math.max(1, plotW / 34)));
  for (let i = 0; i < n; i += every) ctx.fillText(String(i + 1), box.left + (i + 0.5) * slot, box.h - 6);
  ctx.textAlign = "right";
  ctx.fillText(top.toFixed(2), box.left - 4, box.top + 10);
  ctx.fillText("0", box.left - 4, y(0, top));
}

function frameAtClick(canvas, n, event) {
  const box = chartBox(canvas), rect = canvas.getBoundingClientRect();
  const x = (event.clientX - rect.left) * (box.w / rect.width);
  return Math.floor((x - box.left) / ((box.w - box.left - box.right) / n));
}

