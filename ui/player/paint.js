// Pixels for the player: decoding the payload's images and colouring maps and flow
// exactly as the server does (engine/viz/colour.py colour tables, OpenCV's HSV wheel).
// Joined before player.js by ui/player/__init__.py (one module, no build).

async function decode(b64, type) {
  const raw = atob(b64);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return createImageBitmap(new Blob([bytes], { type }), { colorSpaceConversion: "none", premultiplyAlpha: "none" });
}

function pixels(bitmap) {
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0);
  return ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
}

function hsvToRgb(h, v) {  // OpenCV HSV2RGB with S = 1: h in degrees, v in 0..1
  const c = v, x = c * (1 - Math.abs(((h / 60) % 2) - 1));
  const k = Math.floor(h / 60) % 6;
  const [r, g, b] = [[c, x, 0], [x, c, 0], [0, c, x], [0, x, c], [x, 0, c], [c, 0, x]][k];
  return [r * 255, g * 255, b * 255];
}

function paintMap(m, t, settings, lut, withAlpha) {
  // One frame's grey map through the colour table; alpha grows with the value for the overlay.
  const vmax = settings.scale === "frame" ? m.frame_vmax[t] : m.clip_vmax;
  const factor = m.frame_max[t] / 255 / Math.max(vmax, 1e-12);
  const grey = m.grey[t], px = m.image.data, alpha = 255 * settings.opacity;
  for (let i = 0; i < grey.length; i++) {
    const n = Math.min(grey[i] * factor, 1), level = Math.floor(n * 255) * 3;
    px[4 * i] = lut[level];
    px[4 * i + 1] = lut[level + 1];
    px[4 * i + 2] = lut[level + 2];
    px[4 * i + 3] = withAlpha ? alpha * n : 255;
  }
  m.ctx.putImageData(m.image, 0, 0);
  return m.canvas;
}

function paintFlow(f, speed, wheel, lut, target) {
  // Direction as hue (engine.flow.flow_to_rgb) or speed through inferno, brightness = speed / clip's speed.
  const px = target.image.data;
  for (let i = 0; i < f.dx.length; i++) {
    const v = Math.min(Math.hypot(f.dx[i], f.dy[i]) / speed, 1);
    let rgb;
    if (wheel) {
      const h = 2 * (Math.round((((Math.atan2(f.dy[i], f.dx[i]) * 180) / Math.PI + 360) % 360) / 2) % 180);
      rgb = hsvToRgb(h, Math.round(v * 255) / 255);
    } else {
      const level = Math.round(v * 255) * 3;
      rgb = [lut[level], lut[level + 1], lut[level + 2]];
    }
    px[4 * i] = rgb[0];
    px[4 * i + 1] = rgb[1];
    px[4 * i + 2] = rgb[2];
    px[4 * i + 3] = 255;
  }
  target.ctx.putImageData(target.image, 0, 0);
  return target.canvas;
}
