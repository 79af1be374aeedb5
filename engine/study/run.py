"""The research study: methods x models over a clip set, the vanishing-saliency experiment, the box experiments.

``run_study(cfg)`` writes, under ``cfg.out_dir``::

    data/                 the synthetic test set (only when no --data was given)
    results/<model>/<method>/<clip>.npz   one analysis per clip (resumable)
    rows.csv              one row per (clip, model, method), every metric
    summary.csv           per model and method: mean and 95% bootstrap interval
    per_class.csv         the same per true class
    event.csv, event.json the vanishing-saliency experiment
    box.csv, box_runs.json   the box experiments of Ismail et al. (per (box, model); per run)
    real_rows.csv, real_summary.csv, real_accuracy.csv   the real-footage section (--real FOLDER)
    clips.json            what the app's Compare page opens
    index.html            the self-contained report
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from engine.errors import UserError
from engine.paths import assets_dir, bundled_model
from engine.runs import run_tasks
from engine.study.box import BoxConfig, run_box_experiment
from engine.study.clips import build_tasks, study_clips, write_clips_json
from engine.study.event import EventConfig, event_checkpoints, run_event_experiment, save_event_rows
from engine.study.faithful import add_checks
from engine.study.report import write_report
from engine.study.report_box import box_summary, comparison_text, verdict
from engine.study.report_event import csv_rows, event_table
from engine.study.summary import summarise
from engine.viz.export import write_rows_csv

STUDY_MODELS = ("cnnlstm", "cnn_ica_lstm", "c3d")  # bundled checkpoints compared by default
DEFAULT_METHODS = ("gradient", "integrated_gradients", "gradcam", "occlusion")
SECTIONS = ("methods", "event", "ica-box")
REAL_SECTION = "real"  # only with a folder of real clips (StudyConfig.real); never a default
TEST_SEED = 1234  # never used for training (training used seeds 1 and 2)


def default_checkpoints() -> tuple[str, ...]:
    """The bundled checkpoints the study compares by default."""
    return tuple(str(bundled_model(name)) for name in STUDY_MODELS)


def default_event_dir() -> str:
    """The bundled event-experiment checkpoints."""
    return str(assets_dir() / "models" / "event")


@dataclass
class StudyConfig:
    """Everything a study run needs.

    Attributes:
        out_dir: report folder.
        data: data folder; None generates a synthetic KTH-like test set with ``seed``.
        layout: data layout (see ``engine.data.load_dataset``).
        subset: records to use from ``data``: "test" (falls back to all when empty) or "all".
        checkpoints: model checkpoints to compare.
        methods: saliency methods.
        per_class: synthetic clips per class.
        seed: synthetic test-set seed.
        max_clips: at most this many clips.
        executor: "local" or "ray"; address: Ray cluster; workers: processes or Ray CPUs.
        device: "cpu" or "cuda".
        sections: any of "methods", "event" and "ica-box".
        sanity_clips: clips per (model, method) for the randomisation check.
        event_dir: event checkpoints; event_retrain: train them all again; event_train_missing: train
            the missing ones (otherwise the section only evaluates the checkpoints it finds); event: its
            sizes and seeds.
        box: sizes of the box experiments.
        real: a folder of class sub-folders of real clips for the "real" section (engine.study.real);
            real_methods: its saliency methods.
    """

    out_dir: str = "report"
    data: str | None = None
    layout: str = "auto"
    subset: str = "test"
    checkpoints: tuple[str, ...] = field(default_factory=lambda: default_checkpoints())
    methods: tuple[str, ...] = DEFAULT_METHODS
    per_class: int = 10
    seed: int = TEST_SEED
    max_clips: int | None = None
    executor: str = "local"
    address: str | None = None
    workers: int | None = None
    device: str = "cpu"
    sections: tuple[str, ...] = SECTIONS
    sanity_clips: int = 2
    event_dir: str = field(default_factory=lambda: default_event_dir())
    event_retrain: bool = False
    event_train_missing: bool = False
    event: EventConfig = field(default_factory=EventConfig)
    box: BoxConfig = field(default_factory=BoxConfig)
    real: str | None = None
    real_methods: tuple[str, ...] = ("gradient", "gradcam")


def run_study(cfg: StudyConfig) -> dict:
    """Runs the chosen sections and writes the report; returns {"report", "seconds", ...}."""
    unknown = set(cfg.sections) - {*SECTIONS, REAL_SECTION}
    if unknown or not cfg.sections:
        raise UserError(f"Unknown section(s) {sorted(unknown)}; choose from {', '.join([*SECTIONS, REAL_SECTION])}.")
    if REAL_SECTION in cfg.sections and not cfg.real:
        raise UserError("The real section needs a folder of real clips: give --real FOLDER.")
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    timings: dict[str, float] = {}
    methods_part = None
    if "methods" in cfg.sections:
        methods_part = run_methods_section(cfg, out)
        timings["methods"] = round(time.perf_counter() - start, 1)
    event_rows = None
    if "event" in cfg.sections:
        event_start = time.perf_counter()
        event_rows = run_event_section(cfg, out)
        timings["event"] = round(time.perf_counter() - event_start, 1)
    box_summary = None
    if "ica-box" in cfg.sections:
        box_start = time.perf_counter()
        box_summary = run_box_section(cfg, out)
        timings["ica-box"] = round(time.perf_counter() - box_start, 1)
    real_part = None
    if REAL_SECTION in cfg.sections:
        real_start = time.perf_counter()
        real_part = run_real_section(cfg, out)
        timings["real"] = round(time.perf_counter() - real_start, 1)

    timings["total"] = round(time.perf_counter() - start, 1)
    report = write_report(out, cfg, methods_part, event_rows, timings, box_summary)
    if real_part:
        from engine.study.report_real import add_real_section

        add_real_section(report, real_part)
    return {"report": str(report), "seconds": timings["total"], "timings": timings}


def run_methods_section(cfg: StudyConfig, out: Path) -> dict:
    """Saliency over the clip set (parallel via ``run_tasks``), then faithfulness and sanity checks."""
    checkpoints = [str(Path(c).resolve()) for c in cfg.checkpoints]
    missing = [c for c in checkpoints if not Path(c).is_file()]
    if missing:
        raise UserError(f"Checkpoint not found: {missing[0]}. Give --checkpoint PATH (or train the bundled models).")
    clips = study_clips(cfg, out)
    tasks = build_tasks(clips, checkpoints, cfg.methods, out / "results")
    print(f"study: {len(clips)} clips x {len(checkpoints)} models x {len(cfg.methods)} methods = {len(tasks)} tasks")
    rows = [label_row(r) for r in run_tasks(tasks, executor=cfg.executor, workers=cfg.workers,
                                            address=cfg.address, device=cfg.device)]
    print(f"study: deletion/insertion of {len(rows)} results, randomisation check on {cfg.sanity_clips} clips "
          "per model and method")
    add_checks(rows, cfg.sanity_clips, cfg.device, cfg.workers)
    summary = summarise(rows)
    per_class = summarise(rows, keys=("model", "method", "label"))
    write_rows_csv(out / "rows.csv", rows)
    write_rows_csv(out / "summary.csv", summary)
    write_rows_csv(out / "per_class.csv", per_class)
    write_clips_json(out / "clips.json", rows, checkpoints, cfg.methods)
    return {"rows": rows, "summary": summary, "per_class": per_class, "clips": clips, "checkpoints": checkpoints}


def label_row(row: dict) -> dict:
    """Names a row's model by its checkpoint (two checkpoints may share an architecture) and scores it."""
    return {**row, "architecture": row.get("model", ""), "model": row["model_file"],
            "correct": float(row["predicted"] == row["label"]) if row.get("label") else float("nan")}


def run_event_section(cfg: StudyConfig, out: Path) -> list[dict]:
    """The vanishing-saliency experiment: evaluates the event models (training them only when asked)."""
    rows = run_event_experiment(cfg.event_dir, cfg.event, train_missing=cfg.event_train_missing,
                                retrain=cfg.event_retrain)
    missing = [path.name for *_, path in event_checkpoints(cfg.event_dir, cfg.event) if not path.is_file()]
    if not rows:
        raise UserError(f"No event models in {cfg.event_dir}; run with --event-retrain to train them.")
    if missing:
        print(f"event: {len(missing)} checkpoint(s) missing in {cfg.event_dir}, left out ({', '.join(missing)}); "
              "--event-train-missing trains them")
    save_event_rows(out / "event.json", rows, cfg.event)
    write_rows_csv(out / "event.csv", csv_rows(event_table(rows)))
    return rows


def run_box_section(cfg: StudyConfig, out: Path) -> list[dict]:
    """The box experiments of Ismail et al.: trains every (box, model, seed), prints the table beside the paper's.

    Runs ``cfg.workers`` (default: one per core) processes of one thread each (small recurrent
    models gain nothing from a second thread); this process's thread count is restored afterwards.
    """
    workers = max(1, cfg.workers or os.cpu_count() or 1)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        rows = run_box_experiment(cfg.box, workers=workers)
    finally:
        torch.set_num_threads(threads)
    summary = box_summary(rows)
    (out / "box_runs.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    write_rows_csv(out / "box.csv", [{k: v for k, v in r.items() if k != "step_mass"} for r in summary])
    print("ica-box: ours (mean [95% t-interval over seeds]) beside the paper's published values\n"
          + comparison_text(summary) + "\n" + "\n".join(verdict(summary)))
    return summary


def run_real_section(cfg: StudyConfig, out: Path) -> dict:
    """Real footage: accuracy, saliency against flow and person boxes, the verdict (engine.study.real)."""
    from engine.study.real import hypothesis_verdict, run_real
    from engine.study.report_real import write_real_tables

    part = run_real(cfg.real, cfg.checkpoints, cfg.real_methods, cfg.device)
    write_real_tables(out, part)
    print("real: " + hypothesis_verdict(part["summary"])[1])
    return part
