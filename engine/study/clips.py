"""Which clips a study runs, its batch tasks, and ``clips.json`` for the app's Compare page."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.data import load_dataset
from engine.errors import UserError
from engine.runs import SaliencyTask
from engine.synth import CLASSES, generate_kth_like


@dataclass(frozen=True)
class StudyClip:
    """One clip of the study: its video file, true label, a key unique in the study and its frame range.

    ``start``/``stop`` (0-based, half-open) select a sub-sequence, such as one of KTH's
    00sequences.txt ranges; the defaults take the whole video.
    """

    path: str
    label: str
    key: str
    start: int = 0
    stop: int | None = None


def synthetic_test_set(folder: Path, per_class: int, seed: int) -> list[StudyClip]:
    """KTH-like clips from a seed never used for training; reused when already written."""
    existing = sorted(folder.glob("*/*.avi"))
    if len(existing) != per_class * len(CLASSES):
        paths = generate_kth_like(folder, per_class, seed, progress=False)
    else:
        paths = existing
    return sorted((StudyClip(str(Path(p).resolve()), Path(p).parent.name, Path(p).stem) for p in paths),
                  key=lambda c: (c.label, c.key))


def dataset_clips(data: str, layout: str, subset: str) -> list[StudyClip]:
    """Video-file records of a data folder (the test subset, or all records when it is empty)."""
    index = load_dataset(data, layout=layout)
    records = index.subset("test") if subset == "test" else index.records
    records = records or index.records
    videos = [r for r in records if Path(r.source).is_file()]
    if not videos:
        raise UserError(f"No video files in {data} (frame-folder data sets are not supported by the study).")
    return [StudyClip(str(Path(r.source).resolve()), r.label, r.key.replace("/", "_").replace("#", "_"), r.start,
                      r.stop) for r in videos]


def study_clips(cfg, out: Path) -> list[StudyClip]:
    """The clips of a study config: ``cfg.data`` or a fresh synthetic test set under ``out/data``."""
    if cfg.data:
        clips = dataset_clips(cfg.data, cfg.layout, cfg.subset)
    else:
        clips = synthetic_test_set(out / "data", cfg.per_class, cfg.seed)
    return clips[: cfg.max_clips] if cfg.max_clips else clips


def model_keys(checkpoints: Sequence[str]) -> dict[str, str]:
    """Checkpoint path -> short unique name (file stem, numbered on collision)."""
    keys: dict[str, str] = {}
    for path in checkpoints:
        stem = Path(path).stem
        key, n = stem, 2
        while key in keys.values():
            key, n = f"{stem}_{n}", n + 1
        keys[path] = key
    return keys


def build_tasks(clips: Sequence[StudyClip], checkpoints: Sequence[str], methods: Sequence[str],
                results: Path) -> list:
    """One task per (checkpoint, method, clip); output ``results/<model>/<method>/<clip key>.npz``."""
    keys = model_keys(checkpoints)
    return [
        SaliencyTask(clip_path=clip.path, checkpoint=checkpoint, method=method, start=clip.start, stop=clip.stop,
                     out_path=str((results / keys[checkpoint] / method / f"{clip.key}.npz").resolve()),
                     label=clip.label, extra={"key": clip.key, "model_file": keys[checkpoint],
                                              "checkpoint": checkpoint})
        for checkpoint in checkpoints for method in methods for clip in clips
    ]


def write_clips_json(path: Path, rows: Sequence[dict], checkpoints: Sequence[str], methods: Sequence[str]) -> Path:
    """Writes the study's clips, models and result files for the app (format in the module docs of report)."""
    keys = model_keys(checkpoints)
    clips: dict[str, dict] = {}
    for row in rows:
        entry = clips.setdefault(row.get("key") or row["clip"], {"path": row["clip"], "key": row.get("key", ""),
                                                                 "label": row["label"], "results": {}})
        entry["results"].setdefault(row["model_file"], {})[row["method"]] = row["result"]
    document = {
        "format": "vse-study-clips/1",
        "checkpoints": [{"name": keys[c], "path": c} for c in checkpoints],
        "methods": list(methods),
        "clips": list(clips.values()),
    }
    path.write_text(json.dumps(document, indent=1))
    return path
