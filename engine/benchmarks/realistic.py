"""Per-method seconds and peak memory on a realistic random-init model, each method in its own process.

``python -m engine bench --backbone resnet101 --size 150`` builds the reference-shaped
CNN-LSTM (ResNet per frame, 2048->300 projection without ReLU, LSTM 3x256, fc 256->128->2)
with random weights, or ``--model r3d_18`` a torchvision video model, and runs every
registered method with its defaults on a synthetic clip. Each method runs in a fresh
subprocess (``python -m engine.benchmarks.realistic``), so its peak resident memory (VmHWM, reset
after the model is built and warmed up) is its own: the row's peak RSS is the whole
process at its highest during the method, model weights included.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time

import torch

from engine.benchmarks.speedups import bench_clip
from engine.io.tensors import InputSpec, frames_to_tensor
from engine.models import get_model
from engine.saliency import explain, list_methods

REFERENCE_HEAD = {"in_channels": 3, "proj_dim": 300, "proj_activation": "none", "hidden_size": 256,
                  "num_layers": 3, "head_hidden": 128}
IG_MATCH_STEPS = 32
IG_MAX_STEPS = 256


def build_model(model: str, backbone: str, frames: int, size: int):
    """(model in eval mode, InputSpec, classes), seeded random weights."""
    torch.manual_seed(0)  # benchmark process: fixes the random weights
    if model == "cnnlstm":
        net = get_model("cnnlstm", num_classes=2, backbone=backbone, **REFERENCE_HEAD)
    else:
        net = get_model(model, num_classes=2)
    spec = InputSpec(num_frames=frames, height=size, width=size, channels=3)
    return net.eval(), spec, ["walking", "running"]


def bench_input(spec) -> torch.Tensor:
    """(T, C, H, W) normalised synthetic running clip at the spec's size."""
    frames, _note = bench_clip(spec, None)
    return frames_to_tensor(frames, spec)


def _status(field: str, path: str = "/proc/self/status") -> int:
    """A /proc/<pid>/status size field in bytes (0 where unknown)."""
    try:
        with open(path) as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # resets VmHWM to the current RSS
    except OSError:
        pass


def measure_one(args: argparse.Namespace) -> dict:
    """Runs one method (or the IG quadrature comparison) in this process; returns its row."""
    model, spec, classes = build_model(args.model, args.backbone, args.frames, args.size)
    x = bench_input(spec)
    leaf = x.unsqueeze(0).clone().requires_grad_(True)
    torch.autograd.grad(model(leaf)[0, 0], leaf)  # warm-up: first-call kernel choices are not the method's cost
    del leaf
    import captum.attr  # noqa: F401  (the import is not a method's cost)

    shown = [None]

    def progress(stage: str, fraction: float) -> None:  # to stderr, which the parent passes on
        line = f"{args.one}: {stage} {100 * fraction:.0f}%"
        if line != shown[0]:
            shown[0] = line
            print(line, file=sys.stderr, flush=True)

    def run(method: str, params: dict | None = None):
        start = time.perf_counter()
        result = explain(model, x, method, spec=spec, classes=classes, params=params,
                         memory_budget=args.memory_budget, on_progress=progress)
        return time.perf_counter() - start, result

    rss_before = _status("VmRSS")
    _reset_peak()
    if args.one == "ig-quadrature":
        riemann_s, riemann = run("integrated_gradients", {"n_steps": IG_MATCH_STEPS, "quadrature": "riemann_trapezoid"})
        delta = abs(riemann.diagnostics["convergence_delta"])
        gl_s, gl = run("integrated_gradients", {"n_steps": IG_MAX_STEPS, "tolerance": max(delta, 1e-12)})
        row = {"name": "ig-quadrature", "riemann_steps": IG_MATCH_STEPS, "riemann_s": riemann_s,
               "riemann_delta": delta, "gl_steps": gl.diagnostics["steps"], "gl_tried": gl.diagnostics["steps_tried"],
               "gl_s": gl_s, "gl_delta": abs(gl.diagnostics["convergence_delta"])}
    else:
        seconds, result = run(args.one)
        keep = ("memory_budget_mb", "clip_backward_mb", "internal_batch_size", "perturbations_per_eval",
                "variants_per_pass", "path", "steps", "convergence_delta")
        row = {"name": args.one, "seconds": seconds, **{k: result.diagnostics[k] for k in keep
                                                       if k in result.diagnostics}}
    row.update({"rss_before_gb": rss_before / 2**30, "peak_rss_gb": _status("VmHWM") / 2**30})
    return row


def run_methods(*, model: str = "cnnlstm", backbone: str = "resnet18", size: int = 112, frames: int = 16,
                memory_budget: str | None = None, methods: list[str] | None = None, timeout: float = 900,
                ig_quadrature: bool = False, on_row=None) -> list[dict]:
    """Every method (or ``methods``) measured in its own subprocess; rows in order.

    A method that runs past ``timeout`` seconds or fails gives a row with ``error``.
    """
    names = list(methods or list_methods()) + (["ig-quadrature"] if ig_quadrature else [])
    rows = []
    for name in names:
        command = [sys.executable, "-m", "engine.benchmarks.realistic", "--one", name, "--model", model, "--backbone",
                   backbone, "--size", str(size), "--frames", str(frames)]
        if memory_budget:
            command += ["--memory-budget", str(memory_budget)]
        row = _run_child(command, name, timeout)
        rows.append(row)
        if on_row is not None:
            on_row(row)
    return rows


def _run_child(command: list[str], name: str, timeout: float) -> dict:
    """One child's JSON row; past ``timeout`` it is stopped, and its peak RSS so far (VmHWM) is kept.

    The child's stderr (its progress lines, any traceback) is passed on to this process's stderr as it
    comes; its last line is the error of a failed child.
    """
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout, last = [], ["failed"]

    def relay() -> None:
        for line in child.stderr:
            if line.strip():
                last[0] = line.strip()
                print(line.rstrip(), file=sys.stderr, flush=True)

    # not daemons: both end when the child's pipes close, and every path below joins them
    readers = [threading.Thread(target=lambda: stdout.extend(child.stdout), name="bench-child-stdout"),
               threading.Thread(target=relay, name="bench-child-stderr")]
    for reader in readers:
        reader.start()
    try:
        child.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        peak = _status("VmHWM", f"/proc/{child.pid}/status")
        child.kill()
        child.wait()
        return {"name": name, "error": f"stopped after {timeout:.0f} s; peak RSS so far {peak / 2**30:.2f} GB",
                "peak_rss_gb": peak / 2**30}
    finally:
        if child.poll() is None:  # interrupted (Ctrl-C): the child goes too, so its pipes close
            child.kill()
            child.wait()
        for reader in readers:
            reader.join()
    lines = [ln for ln in stdout if ln.startswith("{")]
    if child.returncode == 0 and lines:
        return json.loads(lines[-1])
    return {"name": name, "error": last[0][:200]}


def format_rows(rows: list[dict], markdown: bool = False) -> str:
    """Method rows as a table (seconds, peak RSS, the batch each pass took), then the IG quadrature line."""
    lines = []
    if markdown:
        lines += ["| method | seconds | peak RSS (GB) | batch per pass |", "|---|---|---|---|"]
    for row in rows:
        if row["name"] == "ig-quadrature" and "error" not in row:
            continue
        if "error" in row:
            cells = [row["name"], "-", "-", row["error"]]
        else:
            batch = next((f"{k}={row[k]}" for k in ("internal_batch_size", "perturbations_per_eval",
                                                    "variants_per_pass") if k in row), "")
            cells = [row["name"], f"{row['seconds']:.2f}", f"{row['peak_rss_gb']:.2f}", batch]
        lines.append("| " + " | ".join(cells) + " |" if markdown else f"{cells[0]:<22} {cells[1]:>9} s "
                     f"{cells[2]:>6} GB  {cells[3]}")
    for row in rows:
        if row["name"] == "ig-quadrature" and "error" not in row:
            lines.append(f"\nIG to the delta of {row['riemann_steps']} Riemann (trapezoid) steps "
                         f"(|delta| {row['riemann_delta']:.3g}, {row['riemann_s']:.1f} s): Gauss-Legendre "
                         f"{row['gl_steps']} steps (tried {row['gl_tried']}, |delta| {row['gl_delta']:.3g}), "
                         f"{row['gl_s']:.1f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="One benchmark row in this process (used by engine bench).")
    parser.add_argument("--one", required=True, help="method name, or ig-quadrature")
    parser.add_argument("--model", default="cnnlstm")
    parser.add_argument("--backbone", default="resnet18")
    parser.add_argument("--size", type=int, default=112)
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--memory-budget", default=None)
    args = parser.parse_args(argv)
    print(json.dumps(measure_one(args), default=str), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
