"""One prepared GPU check: ``python benchmarks/gpu_check.py --out gpu.md``.

On a CUDA machine it runs, each row timed and marked PASS or FAIL:

1. training steps (the project's ``run_epoch``, mixed precision) of both bundled
   architectures (assets/models/cnnlstm.pt, cnn_ica_lstm.pt) and a ResNet-18 CNN-LSTM;
2. eval-mode input gradients on CUDA against the CPU's (cuDNN's LSTM refuses backward
   in eval mode unless the model scopes it off: this is where that would show);
3. every registered saliency method on CUDA on the bundled CNN-LSTM, then gradient,
   IG-50, Grad-CAM and TSR on a ResNet-18 CNN-LSTM at 16x112x112, and TSR on the seed
   project's configuration (ResNet-18, LSTM 3x256, 30 frames at 120 px);
4. the app's engine calls (``engine.pipeline.analyse_clip``, ``engine.models.inference.classify_clip``)
   on a bundled clip;
5. memory-bounded batching: the automatic budget against the GPU's free memory, the peak
   CUDA memory of IG within it, and a tiny budget giving the same attributions;
6. the Live page's pipeline (:class:`engine.live.LiveSession`): a sample clip fed as a 25 fps
   camera for 4 s, gradient updates of the bundled CNN-LSTM, the median time per update.

It writes one Markdown table and exits 1 if a row failed. Rows stop being started after
``--deadline`` seconds (default 420), so the whole check ends within 8 minutes. Without
CUDA it prints why and exits 0.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch

from engine.paths import bundled_model, sample_clips_dir  # noqa: E402  (after the sys.path line)

NO_CUDA = "gpu_check: no CUDA device here (torch.cuda.is_available() is False); nothing to check. Exit 0."
CLASSES = ["walking", "running"]


class Table:
    """Rows of (check, result, seconds, detail), with a deadline for starting new rows."""

    def __init__(self, deadline_s: float) -> None:
        self.rows: list[tuple[str, str, float, str]] = []
        self.start, self.deadline_s = time.perf_counter(), deadline_s

    def run(self, name: str, fn) -> None:
        """Runs ``fn() -> (ok: bool, detail: str)`` and records it (exceptions are a FAIL with the message)."""
        if time.perf_counter() - self.start > self.deadline_s:
            self.rows.append((name, "SKIPPED", 0.0, "past the deadline"))
            return
        begin = time.perf_counter()
        try:
            ok, detail = fn()
            if torch.cuda.is_available():
                torch.cuda.synchronize()
            result = "PASS" if ok else "FAIL"
        except Exception as exc:  # noqa: BLE001 - a failed check is a row, the others still run
            result, detail = "FAIL", f"{type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}"
        seconds = time.perf_counter() - begin
        self.rows.append((name, result, seconds, detail))
        print(f"{result:7} {seconds:7.2f} s  {name}: {detail}", flush=True)

    def markdown(self, header: str) -> str:
        lines = [header, "", "| check | result | seconds | detail |", "|---|---|---|---|"]
        lines += [f"| {n} | {r} | {s:.2f} | {d.replace('|', '/')} |" for n, r, s, d in self.rows]
        return "\n".join(lines) + "\n"

    def failed(self) -> bool:
        return any(r == "FAIL" for _n, r, _s, _d in self.rows)


def resnet_cnnlstm(frames: int, size: int, device, hidden: int = 256, layers: int = 3):
    """A random-init ResNet-18 CNN-LSTM (reference head) and its input spec."""
    from engine.models import get_model
    from engine.io.tensors import InputSpec

    torch.manual_seed(0)  # this script's own process: fixes the random weights
    model = get_model("cnnlstm", num_classes=2, backbone="resnet18", in_channels=3, proj_dim=300,
                      proj_activation="none", hidden_size=hidden, num_layers=layers, head_hidden=128)
    return model.to(device).eval(), InputSpec(num_frames=frames, height=size, width=size, channels=3)


def random_clip(spec, device, seed: int = 1) -> torch.Tensor:
    shape = (spec.num_frames, spec.channels, spec.height, spec.width)
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed)).to(device)


def training_check(model, spec, device, steps: int = 3):
    from engine.models.train import run_epoch

    batch = torch.stack([random_clip(spec, "cpu", s) for s in range(2)])
    loader = [(batch, torch.tensor([0, 1]))] * steps
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    scaler = torch.amp.GradScaler(device.type, enabled=device.type == "cuda")
    loss, _accuracy = run_epoch(model, loader, device, optimizer, scaler, amp=device.type == "cuda")
    model.eval()
    return bool(torch.isfinite(torch.tensor(loss))), f"{steps} steps, loss {loss:.4f}"


def gradient_check(loaded, tolerance: float = 1e-3):
    """Eval-mode input gradient on CUDA vs a CPU copy of the same model."""
    import copy

    from engine.saliency import explain

    spec, cpu_model = loaded.meta.input_spec, copy.deepcopy(loaded.model).cpu().eval()
    x = random_clip(spec, "cpu")
    on_gpu = explain(loaded.model, x, "gradient", spec=spec, classes=loaded.meta.classes).attributions
    on_cpu = explain(cpu_model, x, "gradient", spec=spec, classes=loaded.meta.classes).attributions
    relative = float(abs(on_gpu - on_cpu).max() / (abs(on_cpu).max() + 1e-12))
    return relative <= tolerance, f"max |GPU - CPU| / max |CPU| = {relative:.2e} (tolerance {tolerance:g})"


def method_check(model, spec, x, method: str, params: dict | None = None, classes=CLASSES):
    from engine.saliency import explain

    result = explain(model, x, method, spec=spec, classes=classes, params=params)
    finite = bool(torch.isfinite(torch.from_numpy(result.attributions)).all())
    d = result.diagnostics
    extra = ", ".join(f"{k} {d[k]}" for k in ("path", "internal_batch_size", "memory_budget_mb") if k in d)
    return finite and d["device"].split(":")[0] == x.device.type, f"{d['seconds']:.3f} s in explain on {d['device']}; {extra}"


def app_calls_check(loaded):
    from engine.pipeline import analyse_clip
    from engine.models.inference import classify_clip
    from engine.io.video import read_clip

    clip_path = next(sample_clips_dir().glob("*.webm"))
    spec = loaded.meta.input_spec
    clip = read_clip(str(clip_path), spec.num_frames, frame_step=spec.frame_step)
    prediction = classify_clip(loaded, clip)
    analysis = analyse_clip(loaded, clip, "integrated_gradients", params={"n_steps": 16})
    metrics = analysis.clip_metrics()
    ok = analysis.result.diagnostics["device"].split(":")[0] == loaded.device.type and len(metrics) > 0
    predicted = prediction.classes[int(prediction.probabilities.argmax())]
    return ok, f"{clip_path.name}: predicted {predicted}, {len(metrics)} clip metrics"


def budget_check(model, spec, device):
    """The automatic budget against free CUDA memory, IG's peak within it, a tiny budget's equal result."""
    from engine.saliency import explain
    from engine.saliency.memory import DEFAULT_SHARE

    x = random_clip(spec, device)
    free = torch.cuda.mem_get_info(device)[0]
    torch.cuda.reset_peak_memory_stats(device)
    base = torch.cuda.memory_allocated(device)
    params = {"n_steps": 32, "internal_batch_size": 64}
    auto = explain(model, x, "integrated_gradients", spec=spec, classes=CLASSES, params=params)
    peak = torch.cuda.max_memory_allocated(device) - base
    budget = auto.diagnostics["memory_budget_mb"] * 2**20
    tiny = explain(model, x, "integrated_gradients", spec=spec, classes=CLASSES, params=params, memory_budget=1)
    same = bool(abs(tiny.attributions - auto.attributions).max() <= 1e-4 * (abs(auto.attributions).max() + 1e-12))
    expected = abs(budget - DEFAULT_SHARE * free) <= 0.05 * free
    ok = same and expected and peak <= 1.5 * budget
    return ok, (f"free {free / 2**30:.1f} GB, budget {budget / 2**30:.2f} GB ({auto.diagnostics['memory_budget_source']}),"
                f" IG batch {auto.diagnostics['internal_batch_size']}, peak {peak / 2**30:.2f} GB; tiny budget "
                f"(batch {tiny.diagnostics['internal_batch_size']}) {'equal' if same else 'DIFFERENT'}")


def live_check(loaded, seconds: float = 4.0):
    """The live pipeline on ``loaded``'s device: frames pushed in real time, updates and their median time."""
    import numpy as np

    from engine.live import ClipCamera, LivePool, LiveSession

    camera = ClipCamera.from_file(str(sample_clips_dir() / "walking_right.webm"))
    pool = LivePool(workers=1, idle_s=0.5)
    session = LiveSession(loaded, pool)
    seen, start = [], time.perf_counter()
    for step in range(int(seconds * camera.fps)):
        time.sleep(max(0.0, start + step / camera.fps - time.perf_counter()))
        session.push(camera.frame(step)[0], step / camera.fps)
        latest = session.latest()
        if latest is not None and (not seen or seen[-1] is not latest):
            seen.append(latest)
    stopped = session.stop(timeout=30) and pool.close(timeout=30)
    per_update = float(np.median([u.result.diagnostics["seconds"] for u in seen])) if seen else float("nan")
    label = seen[-1].result.classes[seen[-1].result.predicted] if seen else "none"
    return stopped and len(seen) > 0, (f"{len(seen) / seconds:.1f} updates/s, {per_update * 1000:.1f} ms per update "
                                       f"(median), label {label}, device {loaded.device}")


def run_checks(table: Table, device: torch.device, dry_run: bool = False) -> None:
    """Every row (``dry_run``: on the CPU, with 4-frame 32 px clips in place of the big ones, no CUDA memory row)."""
    from engine.models.checkpoint import load_checkpoint
    from engine.saliency import list_methods

    bundled = {name: load_checkpoint(bundled_model(name), device=device)
               for name in ("cnnlstm", "cnn_ica_lstm")}
    for name, loaded in bundled.items():
        table.run(f"train {name} (bundled architecture)",
                  lambda loaded=loaded: training_check(loaded.model, loaded.meta.input_spec, device))
    frames, size, seed_frames, seed_size = (4, 32, 4, 32) if dry_run else (16, 112, 30, 120)
    r18, r18_spec = resnet_cnnlstm(frames, size, device)
    shape, seed_shape = f"{frames}x{size}x{size}", f"{seed_frames}x{seed_size}x{seed_size}"
    table.run(f"train ResNet-18 CNN-LSTM {shape}", lambda: training_check(r18, r18_spec, device, steps=2))
    for name, loaded in bundled.items():
        table.run(f"eval input gradient GPU = CPU, {name}", lambda loaded=loaded: gradient_check(loaded))
    small = bundled["cnnlstm"]
    x_small = random_clip(small.meta.input_spec, device)
    for method in list_methods():
        table.run(f"{method} on {device.type}, bundled cnnlstm", lambda m=method: method_check(
            small.model, small.meta.input_spec, x_small, m, classes=small.meta.classes))
    x18 = random_clip(r18_spec, device)
    for label, method, params in (("gradient", "gradient", None), ("IG-50", "integrated_gradients", {"n_steps": 50}),
                                  ("Grad-CAM", "gradcam", None), ("TSR", "tsr", None)):
        table.run(f"{label}, ResNet-18 CNN-LSTM {shape}",
                  lambda m=method, p=params: method_check(r18, r18_spec, x18, m, p))
    seed, seed_spec = resnet_cnnlstm(seed_frames, seed_size, device)
    table.run(f"TSR, seed configuration (ResNet-18, LSTM 3x256, {seed_shape})",
              lambda: method_check(seed, seed_spec, random_clip(seed_spec, device), "tsr"))
    table.run("app engine calls (classify_clip, analyse_clip IG-16)", lambda: app_calls_check(small))
    table.run("live pipeline: gradient updates of the bundled cnnlstm, 25 fps clip", lambda: live_check(small))
    if not dry_run:
        table.run("memory-bounded batching against free GPU memory", lambda: budget_check(r18, r18_spec, device))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="gpu.md", help="Markdown table to write (default gpu.md)")
    parser.add_argument("--deadline", type=float, default=420, help="start no new check after this many seconds")
    parser.add_argument("--dry-run", action="store_true",
                        help="run the rows on the CPU with tiny clips (tests this script where there is no GPU)")
    args = parser.parse_args(argv)
    if not torch.cuda.is_available() and not args.dry_run:
        print(NO_CUDA)
        return 0
    device = torch.device("cpu" if args.dry_run else "cuda")
    table = Table(args.deadline)
    run_checks(table, device, dry_run=args.dry_run)
    from engine.benchmarks.speedups import machine_info

    info = machine_info(device)
    header = f"GPU check: {info['device']}, torch {info['torch']}, CPU {info['cpu']} ({info['cores']} cores), " \
             f"{time.perf_counter() - table.start:.0f} s in all"
    Path(args.out).write_text(table.markdown(header))
    print(f"wrote {args.out}")
    return 1 if table.failed() else 0


if __name__ == "__main__":
    raise SystemExit(main())
