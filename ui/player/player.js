// The frame player: every panel drawn on canvases from one payload (engine/viz/player.py).
// Steps, playback, hover and display settings never ask the server; the frame and
// display settings are reported to Python (state "view") only once they settle.

const SETTLE_MS = 350;
const CATCH_UP_MS = 500;  // playback catches up a delay shorter than this (one frame per display frame), else restarts its clock
const SPEEDS = [0.25, 0.5, 1, 1.5, 2];
const MEMORY = new Map();  // payload id -> {start, settings}: a remounted player keeps its place

class Player {
  constructor(root, data, report) {
    this.data = data;
    this.id = data.id;
    this.report = report;
    this.count = data.frames.length;
    this.t = Math.min(Math.max(data.start || 0, 0), this.count - 1);
    this.settings = { ...data.settings };
    this.playing = false;
    this.speed = 1;
    this.loop = true;
    this.reported = JSON.stringify(this.view());
    this.log = [];  // [frame, time drawn] of the last draws, read by the benchmark
    this.build(root);
    globalThis.__vsePlayersBuilt = (globalThis.__vsePlayersBuilt || 0) + 1;
    if (data.focused) this.node.focus();
    this.ready = this.load().then(() => {
      this.node.dataset.ready = "1";
      this.draw();
      if (this.t !== (data.start || 0)) this.settle();
    });
  }

  view() {
    return { frame: this.t, ...this.settings };
  }

  build(root) {
    buildPlayer(this, root);
  }

  wire() {
    const b = this.buttons;
    b.first.onclick = () => this.go(0);
    b.last.onclick = () => this.go(this.count - 1);
    b.back.onclick = () => this.go(this.t - 1);
    b.forward.onclick = () => this.go(this.t + 1);
    b.play.onclick = () => this.toggle();
    this.slider.addEventListener("input", (e) => this.go(Number(this.slider.value) - 1, e));
    this.speedSel.onchange = () => { this.speed = Number(this.speedSel.value); this.restartClock(); };
    this.loopBox.onchange = () => { this.loop = this.loopBox.checked; };
    const setting = (name, value, e) => { this.settings[name] = value; this.draw(e); this.settle(); };
    this.syncControls();
    if (this.cmapSel) this.cmapSel.onchange = (e) => setting("cmap", this.cmapSel.value, e);
    if (this.opacity) this.opacity.addEventListener("input", (e) => setting("opacity", Number(this.opacity.value), e));
    if (this.scaleSel) this.scaleSel.onchange = (e) => setting("scale", this.scaleSel.value, e);
    if (this.flowSel) this.flowSel.onchange = (e) => setting("flow_view", this.flowSel.value, e);
    this.node.addEventListener("keydown", (e) => this.key(e));
    if (this.chart && typeof ResizeObserver !== "undefined") {
      this.resize = new ResizeObserver(() => this.drawChart());
      this.resize.observe(this.chart);
    }
  }

  syncControls() {
    const s = this.settings;
    if (this.cmapSel) this.cmapSel.value = s.cmap;
    if (this.opacity) this.opacity.value = String(s.opacity);
    if (this.scaleSel) this.scaleSel.value = s.scale;
    if (this.flowSel) this.flowSel.value = s.flow_view;
  }

  key(e) {
    const tag = e.target.tagName;
    if (tag === "SELECT") return;
    const onSlider = e.target === this.slider;
    const moves = { ArrowLeft: () => this.t - 1, ArrowRight: () => this.t + 1, Home: () => 0,
      End: () => this.count - 1 };
    if (e.key in moves && !onSlider) {
      e.preventDefault();
      this.go(moves[e.key](), e);
    } else if (e.key === " " || e.code === "Space") {
      e.preventDefault();
      this.toggle();
    }
  }

  async load() {
    const d = this.data;
    this.frames = await Promise.all(d.frames.map((f) => decode(f, "image/jpeg")));
    this.maps = await Promise.all(d.maps.map(async (m) => {
      const bitmaps = await Promise.all(m.grey.map((g) => decode(g, "image/png")));
      const grey = bitmaps.map((bm) => {
        const rgba = pixels(bm);
        const out = new Uint8Array(bm.width * bm.height);
        for (let i = 0; i < out.length; i++) out[i] = rgba[4 * i];
        return out;
      });
      const canvas = new OffscreenCanvas(m.size[0], m.size[1]);
      return { ...m, grey, canvas, ctx: canvas.getContext("2d"), image: new ImageData(m.size[0], m.size[1]) };
    }));
    const f = d.flow;
    const flows = await Promise.all(f.png.map((p) => decode(p, "image/png")));
    this.flow = flows.map((bm) => {
      const rgba = pixels(bm);
      const n = bm.width * bm.height, dx = new Float32Array(n), dy = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        dx[i] = (rgba[4 * i] - 128) / 127 * f.scale;
        dy[i] = (rgba[4 * i + 1] - 128) / 127 * f.scale;
      }
      return { dx, dy };
    });
    this.flowCanvas = new OffscreenCanvas(f.size[0], f.size[1]);
    this.flowCtx = this.flowCanvas.getContext("2d");
    this.flowImage = new ImageData(f.size[0], f.size[1]);
  }

  go(t, event) {
    if (this.count === 0) return;
    this.t = ((t % this.count) + this.count) % this.count;
    this.draw(event);
    if (!this.playing) this.settle();
  }

  toggle() {
    this.playing = !this.playing;
    this.buttons.play.textContent = this.playing ? "Pause" : "Play";
    this.node.dataset.playing = this.playing ? "1" : "0";
    if (this.playing) {
      if (!this.loop && this.t === this.count - 1) this.go(0);
      this.restartClock();
      this.tick = requestAnimationFrame((now) => this.step(now));
    } else {
      cancelAnimationFrame(this.tick);
      this.settle();
    }
  }

  restartClock() {
    this.due = null;
  }

  step(now) {
    if (!this.playing) return;
    const period = 1000 / (this.data.fps * this.speed);
    if (this.due === null) this.due = now + period;
    if (now >= this.due - 2) {
      this.due = now - this.due > CATCH_UP_MS ? now + period : this.due + period;  // a short hitch is caught up
      if (this.t === this.count - 1 && !this.loop) {
        this.toggle();
        return;
      }
      this.go(this.t + 1);
    }
    this.tick = requestAnimationFrame((n) => this.step(n));
  }

  settle() {
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      const view = this.view();
      const text = JSON.stringify(view);
      if (this.playing || text === this.reported) return;
      this.reported = text;
      this.report("view", view);
    }, SETTLE_MS);
  }

  colourMap(m, t, withAlpha) {
    return paintMap(m, t, this.settings, this.data.colormaps[this.settings.cmap], withAlpha);
  }

  flowPicture(t) {
    const { flowCanvas: canvas, flowCtx: ctx, flowImage: image } = this;
    return paintFlow(this.flow[t], this.data.flow.speed, this.settings.flow_view !== "magnitude",
      this.data.colormaps.inferno, { canvas, ctx, image });
  }

  draw(event) {
    if (!this.frames) return;
    const t = this.t, d = this.data;
    d.panels.forEach((panel, k) => {
      const canvas = this.canvases[k], ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height;
      ctx.imageSmoothingEnabled = true;
      if (panel.kind === "frame" || panel.kind === "overlay") ctx.drawImage(this.frames[t], 0, 0, w, h);
      if (panel.kind === "overlay") ctx.drawImage(this.colourMap(this.maps[panel.map], t, true), 0, 0, w, h);
      if (panel.kind === "saliency") ctx.drawImage(this.colourMap(this.maps[panel.map], t, false), 0, 0, w, h);
      if (panel.kind === "flow") {
        ctx.drawImage(this.flowPicture(t), 0, 0, w, h);
        if (!d.flow.valid[t]) {
          ctx.fillStyle = "rgba(0,0,0,0.75)";
          ctx.fillRect(0, 0, w, h);
          ctx.fillStyle = "white";
          ctx.font = "14px sans-serif";
          ctx.textAlign = "center";
          ctx.fillText("no flow: first frame has no predecessor", w / 2, h / 2);
        }
      }
    });
    this.slider.value = String(t + 1);
    this.text.textContent = `Frame ${t + 1} / ${this.count} · ${d.labels[t]}`;
    this.node.dataset.frame = String(t);
    MEMORY.set(this.id, { start: t, settings: { ...this.settings } });
    this.drawChart();
    const started = event && event.timeStamp ? event.timeStamp : performance.now();
    requestAnimationFrame(() => {
      this.log.push([t, performance.now(), performance.now() - started]);
      if (this.log.length > 2000) this.log.splice(0, 1000);
    });
  }

  drawChart() {
    if (this.chart) drawTimeSteps(this.chart, this.data.series, this.count, this.t);
  }

  chartClick(e) {
    const i = frameAtClick(this.chart, this.count, e);
    if (i >= 0 && i < this.count) this.go(i, e);
  }

  hover(e, panel) {
    if (!this.frames) return;
    const rect = e.target.getBoundingClientRect();
    const u = Math.min(Math.max((e.clientX - rect.left) / rect.width, 0), 0.9999);
    const v = Math.min(Math.max((e.clientY - rect.top) / rect.height, 0), 0.9999);
    const [fw, fh] = this.data.frame_size, t = this.t, parts = [`x ${Math.floor(u * fw)}, y ${Math.floor(v * fh)}`];
    const m = this.maps[panel.map] || this.maps[0];
    if (m) {
      const i = Math.floor(v * m.size[1]) * m.size[0] + Math.floor(u * m.size[0]);
      const value = (m.grey[t][i] / 255) * m.frame_max[t];
      const vmax = this.settings.scale === "frame" ? m.frame_vmax[t] : m.clip_vmax;
      parts.push(`${m.name} saliency ${value.toPrecision(3)} (${Math.round(100 * Math.min(value / vmax, 1))}% of scale)`);
    }
    const f = this.flow[t], fs = this.data.flow.size;
    const j = Math.floor(v * fs[1]) * fs[0] + Math.floor(u * fs[0]);
    parts.push(this.data.flow.valid[t] ? `flow (${f.dx[j].toFixed(2)}, ${f.dy[j].toFixed(2)}) px/frame at model size`
      : "no flow on the first frame");
    this.readout.textContent = parts.join(" · ");
  }

  destroy() {
    const root = this.node.getRootNode();
    const memory = MEMORY.get(this.id);
    if (memory) memory.focused = root.activeElement === this.node;
    this.playing = false;
    cancelAnimationFrame(this.tick);
    clearTimeout(this.settleTimer);
    if (this.resize) this.resize.disconnect();
    this.node.remove();
  }
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  let player = parentElement.__vsePlayer;
  if (player && player.id === data.id) {
    player.report = setStateValue;
  } else {
    const keep = player ? { start: player.t, settings: player.settings } : MEMORY.get(data.id) || null;
    if (player) player.destroy();
    const merged = keep ? { ...data, start: keep.start, focused: keep.focused,
      settings: { ...data.settings, ...keep.settings } } : data;
    player = new Player(parentElement, merged, setStateValue);
    parentElement.__vsePlayer = player;
  }
  return () => {
    if (parentElement.__vsePlayer === player) {
      player.destroy();
      parentElement.__vsePlayer = null;
    }
  };
}
