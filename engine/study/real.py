"""The study's real-footage section: does saliency resemble optical flow on real video?

``python -m engine study --real FOLDER`` (a folder of class sub-folders of real clips) runs, for
each checkpoint:

1. **accuracy**: the whole-clip evaluation (:mod:`engine.evaluation.clips`: every window, the
   verdict from the mean probability over windows where someone moves);
2. for each clip with a window, its **most moving window** (highest moving share,
   :mod:`engine.evaluation.motion`) is explained with each method (CPU-cheap ones by default:
   gradient and Grad-CAM), and the map is compared (:func:`engine.pipeline.analyse_clip`, the
   project's agreement metrics) with:

   * the Farneback flow of the same frames, median camera motion removed: Spearman rank
     correlation with the flow magnitude, SIM, and the share of saliency mass on moving pixels
     (flow above a clip-wide Otsu threshold) beside those pixels' share of the area;
   * person boxes (:mod:`engine.study.people`: ``boxes.json`` beside the clips, or OpenCV's HOG
     people detector): the share of saliency mass inside them beside their share of the area.

Per-clip rows and the per (model, method) summary (means with 95% bootstrap intervals) go to
``real_rows.csv``, ``real_summary.csv`` and ``real_accuracy.csv``; the report section is
:mod:`engine.study.report_real`.
"""

from __future__ import annotations

import base64
import math
from dataclasses import replace
from pathlib import Path

import numpy as np

from engine.errors import UserError

REAL_METHODS = ("gradient", "gradcam")
REAL_METRICS = ("flow.spearman", "flow.sim", "flow.pointing_mass", "flow.area_share", "flow.pointing_ratio",
                "box.pointing_mass", "box.area_share", "box.pointing_ratio")
RESEMBLES_SPEARMAN = 0.3
RESEMBLES_RATIO = 2.0


def saliency_window(loaded, verdict):
    """The clip's window with the highest moving share, as a Clip (display resolution, at most 480 px)."""
    from engine.io.video import read_clip
    from engine.timeline import window_clip

    k = int(np.argmax(verdict.moving_share))
    if loaded.meta.input_spec.frame_step <= 0:
        return read_clip(verdict.clip, loaded.meta.input_spec.num_frames)
    return window_clip(verdict.clip, loaded, int(verdict.starts[k]))


def clip_rows(loaded, model: str, verdict, methods, masks_for, camera: str = "median") -> tuple[list[dict], list]:
    """One row per method for one clip's most moving window, and the strips (PNG bytes) of each row."""
    from engine.pipeline import analyse_clip
    from engine.study.strips import strip_image
    from engine.viz.export import encode_png

    clip = saliency_window(loaded, verdict)
    masks, source = masks_for(verdict.clip, clip.indices, clip.frames.shape[1:3])
    clip = replace(clip, masks=masks)
    base = {"model": model, "clip": verdict.clip, "key": Path(verdict.clip).name, "label": verdict.true_class,
            "verdict": verdict.verdict, "correct": float(verdict.correct), "window_start": int(clip.indices[0]),
            "moving_share": float(verdict.moving_share.max()), "box_source": source,
            "box_frames": int(masks.reshape(len(masks), -1).any(axis=1).sum())}
    rows, strips = [], []
    for method in methods:
        analysis = analyse_clip(loaded, clip, method, camera=camera)
        values = analysis.clip_metrics()
        row = base | {"method": method, "predicted_window": analysis.result.classes[analysis.result.predicted]}
        for name in REAL_METRICS:
            key = name.replace("box.", "mask.", 1)
            row[name] = float(values.get(key, math.nan))
        rows.append(row)
        strips.append(encode_png(strip_image(analysis.clip.frames, analysis.result.display("abs"))))
    return rows, strips


def person_masks_source(folder: Path):
    """A cached ``masks_for(path, indices, size)``: stored boxes where ``boxes.json`` has the clip, else HOG."""
    from engine.study.people import load_stored_boxes, window_person_masks

    stored = load_stored_boxes(folder)
    cache: dict[tuple, tuple[np.ndarray, str]] = {}

    def masks_for(path: str, indices: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, str]:
        key = (path, tuple(int(i) for i in indices), tuple(size))
        if key not in cache:
            relative = Path(path).resolve().relative_to(folder.resolve()).as_posix()
            cache[key] = window_person_masks(path, indices, size, stored.get(relative))
        return cache[key]

    return masks_for


def run_real(folder: str | Path, checkpoints, methods=REAL_METHODS, device: str = "cpu") -> dict:
    """Accuracy and saliency-against-flow and -boxes of every checkpoint on a folder of real clips.

    Returns:
        {"rows", "strips" (row index -> PNG bytes), "accuracy" (model -> summary dict),
        "verdicts" (model -> ClipVerdicts), "summary", "folder", "methods"}.
    """
    from tqdm import tqdm

    from engine.commands.common import resolve_device
    from engine.data import load_dataset
    from engine.evaluation.clips import evaluate_clips, summarise_verdicts
    from engine.evaluation.motion import NO_MOTION_SHARE
    from engine.models.checkpoint import load_checkpoint
    from engine.study.summary import summarise

    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"--real: no folder {folder}.")
    records = load_dataset(str(folder), layout="folder").records
    masks_for = person_masks_source(folder)
    rows, strips, accuracy, verdicts_by_model = [], {}, {}, {}
    for checkpoint in checkpoints:
        loaded = load_checkpoint(checkpoint, device=resolve_device(device))
        model = Path(checkpoint).stem
        bar = tqdm(total=2 * len(records), desc=f"real clips: {model}", unit="step")
        verdicts = evaluate_clips(loaded, records, NO_MOTION_SHARE, on_clip=lambda v: bar.update(1))
        classes = [c for c in loaded.meta.classes if any(r.label == c for r in records)]
        accuracy[model] = summarise_verdicts(verdicts, classes, loaded.meta.classes)
        verdicts_by_model[model] = verdicts
        for verdict in verdicts:
            if verdict.windows and verdict.verdict not in ("too short", "unreadable"):
                new_rows, new_strips = clip_rows(loaded, model, verdict, methods, masks_for)
                strips.update({len(rows) + k: png for k, png in enumerate(new_strips)})
                rows.extend(new_rows)
            bar.update(1)
        bar.close()
    summary = summarise(rows, keys=("model", "method"), metrics=REAL_METRICS)
    return {"rows": rows, "strips": strips, "accuracy": accuracy, "verdicts": verdicts_by_model,
            "summary": summary, "folder": str(folder), "methods": tuple(methods)}


def hypothesis_verdict(summary: list[dict]) -> tuple[str, str]:
    """("resembles" | "partly" | "does not resemble", a plain sentence with the figures) over all models and methods.

    The rule: saliency **resembles** optical flow when, averaged over the (model, method) rows, the
    rank correlation with flow magnitude is at least ``RESEMBLES_SPEARMAN`` with every row's 95%
    interval above 0, and moving pixels hold at least ``RESEMBLES_RATIO`` times their area share of
    the saliency mass; **partly** when every row's correlation interval lies above 0 but the rest
    fails; otherwise it **does not resemble** it.
    """
    usable = [r for r in summary if "flow.spearman" in r]
    if not usable:
        return "undecided", "No clip gave a saliency map with flow to compare, so the question stays open."
    rho = float(np.mean([r["flow.spearman"] for r in usable]))
    all_above = all(r["flow.spearman.low"] > 0 for r in usable)
    ratios = [r["flow.pointing_ratio"] for r in usable if "flow.pointing_ratio" in r]
    ratio = float(np.mean(ratios)) if ratios else math.nan
    mass = float(np.mean([r["flow.pointing_mass"] for r in usable if "flow.pointing_mass" in r] or [math.nan]))
    area = float(np.mean([r["flow.area_share"] for r in usable if "flow.area_share" in r] or [math.nan]))
    if rho >= RESEMBLES_SPEARMAN and all_above and ratio >= RESEMBLES_RATIO:
        word = "resembles"
    elif all_above:
        word = "partly"
    else:
        word = "does not resemble"
    lead = {"resembles": "On this real footage, saliency resembles optical flow",
            "partly": "On this real footage, saliency resembles optical flow only partly",
            "does not resemble": "On this real footage, saliency does not resemble optical flow",
            }[word]
    sentence = (f"{lead}: over {len(usable)} model and method pairs its mean rank correlation with flow magnitude is "
                f"{rho:.2f} ({'every' if all_above else 'not every'} pair's 95% interval above 0), and moving pixels, "
                f"{100 * area:.0f}% of the area, hold {100 * mass:.0f}% of the saliency mass ({ratio:.1f} times their "
                f"share; the rule asks for a correlation of at least {RESEMBLES_SPEARMAN} and {RESEMBLES_RATIO:.0f} "
                "times).")
    return word, sentence


def strip_data_uri(png: bytes) -> str:
    """A ``data:`` URI of PNG bytes."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
