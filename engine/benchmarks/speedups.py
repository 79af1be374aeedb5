"""Benchmarks: structure-aware methods vs their one-at-a-time loops, IG efficiency, per-method times.

Used by ``python -m engine bench``. Every row is a dict; the structure rows carry
the largest absolute difference between the fast path and its reference loop,
which must be ~0 (the speed-ups are exact).
"""

from __future__ import annotations

import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from engine.errors import UserError
from engine.evaluation.faithfulness import frame_removal_logits, order_masks
from engine.flow import compute_flow
from engine.io.tensors import InputSpec, frames_to_tensor
from engine.io.video import read_clip
from engine.models import get_model
from engine.models.checkpoint import load_checkpoint
from engine.paths import default_checkpoint
from engine.saliency import explain, get_method, list_methods
from engine.saliency.context import SaliencyContext
from engine.saliency.methods.temporal_occlusion import occlusion_logits_loop, occlusion_logits_structured
from engine.saliency.methods.tsr import run_tsr
from engine.saliency.structure import fill_clip
from engine.synth import render_clip

QUICK_SPEC = InputSpec(num_frames=4, height=16, width=16)
QUICK_CONFIG = {"proj_dim": 8, "hidden_size": 8}


@dataclass
class BenchModel:
    """The model under test and what it expects."""

    model: torch.nn.Module
    spec: InputSpec
    classes: list[str]
    note: str


def machine_info(device: torch.device) -> dict:
    """CPU model, cores, torch version and device."""
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next((ln.split(":", 1)[1].strip() for ln in info if ln.startswith("model name")), cpu)
    except OSError:
        pass
    described = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    return {"cpu": cpu, "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "torch": torch.__version__, "device": f"{device} ({described})"}


def load_bench_model(checkpoint: str | None, device: torch.device, quick: bool) -> BenchModel:
    """The checkpoint (default: the bundled cnnlstm), else an untrained cnnlstm (tiny with ``quick``)."""
    if quick:
        model = _seeded(lambda: get_model("cnnlstm", **QUICK_CONFIG))
        return BenchModel(model.to(device).eval(), QUICK_SPEC, ["walking", "running"], "quick: tiny untrained cnnlstm")
    path = Path(checkpoint) if checkpoint else default_checkpoint()
    if path.is_file():
        loaded = load_checkpoint(path, device=device)
        return BenchModel(loaded.model, loaded.meta.input_spec, loaded.meta.classes, f"checkpoint {path}")
    if checkpoint:
        raise UserError(f"Checkpoint not found: {checkpoint}")
    model = _seeded(lambda: get_model("cnnlstm"))
    return BenchModel(model.to(device).eval(), InputSpec(), ["walking", "running"],
                      f"{default_checkpoint()} not found: untrained cnnlstm (seed 0), InputSpec()")


def _seeded(build):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return build()


def bench_clip(spec: InputSpec, clip_path: str | None, seed: int = 0) -> tuple[np.ndarray, str]:
    """(T, H, W, 3) uint8 frames: the given video, a synthetic running clip, or a moving block."""
    if clip_path:
        return read_clip(clip_path, spec.num_frames, frame_step=spec.frame_step).frames, f"clip {clip_path}"
    gray, _masks, _meta = render_clip("running", seed, spec.num_frames)
    return np.repeat(gray[..., None], 3, axis=-1), "synthetic running clip (engine.synth, seed 0)"


def best_time(fn, repeats: int, device: torch.device):
    """(fastest seconds over ``repeats`` calls, last result)."""
    best, result = float("inf"), None
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        result = fn()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        best = min(best, time.perf_counter() - start)
    return best, result


def comparison_row(name: str, fast, loop, repeats: int, device: torch.device) -> dict:
    """Times a structure-aware function and its reference loop; both return tensors to compare."""
    fast()  # warm-up: first-call allocations and kernel selection are not the method's cost
    fast_s, fast_out = best_time(fast, repeats, device)
    loop_s, loop_out = best_time(loop, repeats, device)
    diff = float((fast_out - loop_out).abs().max())
    scale = float(loop_out.abs().max())
    return {"kind": "structure", "name": name, "batched_s": fast_s, "loop_s": loop_s, "ratio": loop_s / fast_s,
            "max_abs_diff": diff, "max_abs_value": scale}


def structure_rows(bench: BenchModel, x: torch.Tensor, repeats: int) -> list[dict]:
    """Structure-aware paths vs their loops: temporal occlusion, TSR (gradient, input x gradient), deletion."""
    model, device = bench.model, x.device
    batch = x.unsqueeze(0)
    with torch.no_grad():
        target = int(model(batch).argmax(1))
    ctx = SaliencyContext(model, batch, target, bench.spec)
    fill_x = fill_clip(batch, "blur", bench.spec)
    removed = order_masks(np.random.default_rng(0).permutation(x.shape[0]), device)
    rows = [comparison_row("temporal occlusion (logits)", lambda: occlusion_logits_structured(model, batch, fill_x)[1],
                           lambda: occlusion_logits_loop(model, batch, fill_x)[1], repeats, device),
            comparison_row("temporal deletion curve (logits)",
                           lambda: frame_removal_logits(model, x, fill_x[0], removed, structured=True),
                           lambda: frame_removal_logits(model, x, fill_x[0], removed, structured=False), repeats,
                           device)]
    for base in ("gradient", "input_x_gradient"):
        def tsr(structured: bool, base=base):
            return run_tsr(ctx, base=base, time_threshold=1.0, patch=8, fill="blur", structured=structured).attributions

        rows.append(comparison_row(f"TSR over {base}", lambda: tsr(True), lambda: tsr(False), repeats, device))
    return rows


def ig_row(bench: BenchModel, x: torch.Tensor, repeats: int) -> list[dict]:
    """IG with its default steps vs n_steps x (one forward+backward per sample, batched as IG batches)."""
    if "integrated_gradients" not in list_methods():
        return []
    defaults = get_method("integrated_gradients").defaults()
    steps, batch_size = int(defaults["n_steps"]), int(defaults.get("internal_batch_size", defaults["n_steps"]))
    device = x.device

    def run_ig():
        return explain(bench.model, x, "integrated_gradients", spec=bench.spec, classes=bench.classes)

    def forward_backward():
        batch = x.unsqueeze(0).repeat(min(steps, batch_size), 1, 1, 1, 1).requires_grad_(True)
        with torch.enable_grad():
            torch.autograd.grad(bench.model(batch)[:, 0].sum(), batch)

    run_ig(), forward_backward()  # warm-up: Captum's import and first-call allocations are not IG's cost
    ig_s, _ = best_time(run_ig, repeats, device)
    unit_s, _ = best_time(forward_backward, repeats, device)
    ideal = steps * unit_s / min(steps, batch_size)
    return [{"kind": "ig", "name": f"integrated gradients, {steps} steps", "seconds": ig_s,
             "ideal_s": ideal, "ratio": ig_s / ideal}, *quadrature_rows(bench, x, repeats)]


def quadrature_rows(bench: BenchModel, x: torch.Tensor, repeats: int, steps: int = 32) -> list[dict]:
    """The |delta| that ``steps`` Riemann (trapezoid) steps reach, and the Gauss-Legendre steps and seconds
    (tolerance = that delta, steps doubled from 4) that reach it."""
    def run(params: dict):
        return explain(bench.model, x, "integrated_gradients", spec=bench.spec, classes=bench.classes, params=params)

    riemann_s, riemann = best_time(lambda: run({"n_steps": steps, "quadrature": "riemann_trapezoid"}), repeats,
                                   x.device)
    delta = abs(riemann.diagnostics["convergence_delta"])
    gl_s, gl = best_time(lambda: run({"n_steps": 8 * steps, "tolerance": max(delta, 1e-12)}), repeats, x.device)
    return [{"kind": "quadrature", "name": f"Riemann trapezoid, {steps} steps", "steps": steps, "abs_delta": delta,
             "seconds": riemann_s},
            {"kind": "quadrature", "name": "Gauss-Legendre, tolerance = that delta", "steps": gl.diagnostics["steps"],
             "abs_delta": abs(gl.diagnostics["convergence_delta"]), "seconds": gl_s,
             "tried": "+".join(map(str, gl.diagnostics["steps_tried"]))}]


def method_rows(bench: BenchModel, x: torch.Tensor, frames: np.ndarray) -> list[dict]:
    """End-to-end ``explain`` seconds of every registered method with its defaults, and flow time."""
    rows = []
    for name in list_methods():
        start = time.perf_counter()
        explain(bench.model, x, name, spec=bench.spec, classes=bench.classes)
        rows.append({"kind": "method", "name": name, "seconds": time.perf_counter() - start})
    start = time.perf_counter()
    compute_flow(frames, size=(bench.spec.height, bench.spec.width))
    rows.append({"kind": "method", "name": "optical flow (farneback)", "seconds": time.perf_counter() - start})
    return rows


def run_bench(*, checkpoint: str | None = None, clip: str | None = None, device: str = "cpu", repeats: int = 1,
              quick: bool = False, methods: bool = True) -> dict:
    """All benchmark rows plus the machine and notes.

    Returns:
        {"machine": dict, "notes": [str], "rows": [dict]}: rows of kind "structure" (batched_s, loop_s,
        ratio, max_abs_diff, max_abs_value), "ig" (seconds, ideal_s, ratio) and "method" (seconds).
    """
    torch_device = torch.device(device)
    bench = load_bench_model(checkpoint, torch_device, quick)
    frames, clip_note = bench_clip(bench.spec, clip)
    x = frames_to_tensor(frames, bench.spec).to(torch_device)
    notes = [bench.note, clip_note, f"input {tuple(x.shape)} (T, C, H, W)",
             f"{sum(p.numel() for p in bench.model.parameters())} parameters"]
    rows = structure_rows(bench, x, repeats) + ig_row(bench, x, repeats)
    if methods and not quick:  # --quick is a smoke test: the structure and IG rows only
        rows += method_rows(bench, x, frames)
    return {"machine": machine_info(torch_device), "notes": notes, "rows": rows}


def format_report(report: dict, markdown: bool = False) -> str:
    """The report as plain-text or Markdown tables."""
    sections = [
        ("structure", ("name", "batched_s", "loop_s", "ratio", "max_abs_diff"),
         ("structure-aware vs loop", "batched s", "loop s", "speed-up", "max abs diff")),
        ("ig", ("name", "seconds", "ideal_s", "ratio"), ("IG efficiency", "IG s", "n x fwd+bwd s", "ratio")),
        ("quadrature", ("name", "steps", "abs_delta", "seconds"), ("IG completeness", "steps", "|delta|", "seconds")),
        ("method", ("name", "seconds"), ("method (explain, defaults)", "seconds")),
    ]
    lines = [", ".join(f"{k}: {v}" for k, v in report["machine"].items()), *report["notes"], ""]
    for kind, keys, titles in sections:
        rows = [r for r in report["rows"] if r["kind"] == kind]
        if rows:
            lines += _table([[_cell(r[k]) for k in keys] for r in rows], titles, markdown) + [""]
    return "\n".join(lines)


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.2e}" if value != 0 and (abs(value) < 1e-3) else f"{value:.3f}"
    return str(value)


def _table(rows: list[list[str]], titles: tuple[str, ...], markdown: bool) -> list[str]:
    if markdown:
        header = ["| " + " | ".join(titles) + " |", "|" + "---|" * len(titles)]
        return header + ["| " + " | ".join(r) + " |" for r in rows]
    widths = [max(len(t), *(len(r[i]) for r in rows)) for i, t in enumerate(titles)]

    def render(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return [render(list(titles)), render(["-" * w for w in widths])] + [render(r) for r in rows]
