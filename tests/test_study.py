"""The study: aggregation on hand-made rows, event scores on hand-made maps, and a tiny end-to-end run."""

from __future__ import annotations

import csv
import json
import math
import re

import numpy as np
import pytest
import torch

from engine.models.checkpoint import CheckpointMeta, save_checkpoint
from engine.models import get_model
from engine.study.event import EventConfig, run_event_experiment, saliency_scores
from engine.study.report_event import event_table, thirds_mass, verdict
from engine.study.strips import strip_image
from engine.study.summary import best_and_worst, format_interval, ranking_metric, summarise
from engine.io.tensors import InputSpec


def hand_rows() -> list[dict]:
    rows = []
    for i, value in enumerate([0.1, 0.2, 0.3, 0.4]):
        rows.append({"model": "a", "method": "gradient", "label": "walking" if i < 2 else "running",
                     "clip": f"c{i}", "mask.auc": value, "deletion_auc": 1.0 - value, "seconds": 2.0})
    rows.append({"model": "a", "method": "gradcam", "label": "walking", "clip": "c0", "mask.auc": float("nan"),
                 "deletion_auc": 0.5, "seconds": "n/a"})
    return rows


def test_summary_means_intervals_and_counts():
    summary = summarise(hand_rows(), n_boot=500)
    gradient, gradcam = summary
    assert (gradient["model"], gradient["method"], gradient["clips"]) == ("a", "gradient", 4)
    assert gradient["mask.auc"] == pytest.approx(0.25)
    assert 0.1 <= gradient["mask.auc.low"] < 0.25 < gradient["mask.auc.high"] <= 0.4
    assert gradient["deletion_auc"] == pytest.approx(0.75)
    assert gradient["seconds"] == 2.0 and gradient["seconds.low"] == gradient["seconds.high"] == 2.0
    assert "mask.auc" not in gradcam and "seconds" not in gradcam  # NaN and text are not numbers
    assert gradcam["deletion_auc"] == 0.5 and gradcam["deletion_auc.n"] == 1
    per_class = summarise(hand_rows(), keys=("model", "method", "label"), n_boot=200)
    assert [(r["label"], r["clips"]) for r in per_class] == [("walking", 2), ("running", 2), ("walking", 1)]
    assert per_class[1]["mask.auc"] == pytest.approx(0.35)
    assert format_interval(gradient, "mask.auc", 2).startswith("0.25 [")
    assert format_interval(gradcam, "mask.auc") == ""


def test_best_and_worst_respect_metric_direction():
    rows = hand_rows()[:4]
    best, worst = best_and_worst(rows, "mask.auc", 1)
    assert best[0]["clip"] == "c3" and worst[0]["clip"] == "c0"
    best, worst = best_and_worst(rows, "deletion_auc", 1)  # lower is better
    assert best[0]["clip"] == "c3" and worst[0]["clip"] == "c0"
    assert ranking_metric(rows) == "mask.auc"
    assert ranking_metric([{"flow.auc": 0.5}]) == "flow.auc"


def test_event_scores_on_hand_made_maps():
    masks = np.zeros((2, 6, 8, 8), dtype=bool)
    masks[:, 1:3, 2:4, 2:4] = True
    perfect = masks.astype(np.float64)
    late = np.zeros_like(perfect)
    late[:, 5] = 1.0  # all mass on the last frame
    good = saliency_scores(perfect, masks, (0, 2))
    assert good["timestep_mass"] == pytest.approx([0, 0.5, 0.5, 0, 0, 0])
    assert good["window_mass"] == pytest.approx(0.5)
    assert good["wjac"] == pytest.approx([1.0, 1.0]) and good["jac"] == pytest.approx([1.0, 1.0])
    assert good["auc"] == pytest.approx([1.0, 1.0]) and good["euc"] == pytest.approx([0.0, 0.0])
    assert good["es"] == pytest.approx([1.0, 1.0])
    bad = saliency_scores(late, masks, (0, 2))
    assert bad["window_mass"] == 0.0 and bad["wjac"] == pytest.approx([0.0, 0.0])
    assert bad["auc"][0] < 0.6 and bad["euc"][0] == pytest.approx(3.0)  # sqrt((8 ref + 64 frame-5 cells) / 8)
    assert thirds_mass([0.0, 0.0, 0.25, 0.25, 0.0, 0.5]) == pytest.approx((0.0, 0.5, 0.5))


def event_row(model, position, acc, window_mass, late_mass, score):
    mass = [(1 - late_mass) / 12] * 12 + [late_mass / 4] * 4
    return {"model": model, "position": position, "test_acc": acc, "test_clips": 4, "window_mass": window_mass,
            "timestep_mass": mass, "jac": [score] * 4, "wjac": [score] * 4, "auc": [score] * 4, "euc": [0.3] * 4,
            "es": [score] * 4}


def test_verdict_states_whether_the_finding_holds():
    holds = event_table([event_row("cnnlstm", "early", 0.95, 0.1, 0.6, 0.1),
                         event_row("cnn_ica_lstm", "early", 0.95, 0.5, 0.2, 0.3)])
    assert "holds here" in verdict(holds)[-1] and "10.0%" in verdict(holds)[-1]
    fails = event_table([event_row("cnnlstm", "early", 0.55, 0.5, 0.2, 0.3),
                         event_row("cnn_ica_lstm", "early", 0.95, 0.1, 0.6, 0.1)])
    lines = verdict(fails)
    assert "does not hold" in lines[-1] and "did not learn" in lines[0]


def test_strip_has_frame_and_overlay_rows():
    frames = np.full((16, 30, 40, 3), 100, np.uint8)
    display = np.zeros((16, 8, 8), np.float32)
    display[:, 4, 4] = 1.0
    image = strip_image(frames, display, count=4, width=20)
    assert image.shape == (2 * 15, 4 * 20, 3)
    assert np.all(image[:15] == 100) and not np.all(image[15:] == 100)


def test_event_experiment_trains_and_scores(tmp_path):
    cfg = EventConfig(num_frames=9, size=24, train_per_class=4, val_per_class=2, test_per_class=3, epochs=1,
                      seeds=(0,))
    rows = run_event_experiment(tmp_path, cfg, positions=("late",), models=("cnnlstm",))
    assert (tmp_path / "cnnlstm_late_seed0.pt").is_file()
    (row,) = rows
    assert row["test_clips"] == 6 and 0.0 <= row["test_acc"] <= 1.0 and row["seed"] == 0
    assert len(row["timestep_mass"]) == 9 and sum(row["timestep_mass"]) == pytest.approx(1.0)
    assert len(row["auc"]) == 6 and all(0.0 <= v <= 1.0 for v in row["auc"])


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    config = {"num_classes": 2, "in_channels": 1, "proj_dim": 8, "hidden_size": 8}
    spec = InputSpec(num_frames=8, height=32, width=32)
    path = tmp_path_factory.mktemp("study") / "tiny.pt"
    return str(save_checkpoint(path, get_model("cnnlstm", **config),
                               CheckpointMeta("cnnlstm", config, ["walking", "running"], spec)))


def test_study_writes_offline_report_tables_and_clips_json(tmp_path, tiny_checkpoint):
    from engine.__main__ import main

    out = tmp_path / "report"
    code = main(["study", "--out", str(out), "--checkpoint", tiny_checkpoint, "--methods", "gradient,gradcam",
                 "--per-class", "1", "--sections", "methods", "--workers", "1", "--sanity-clips", "1"])
    assert code == 0
    with open(out / "rows.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 * 2  # 2 clips x 2 methods x 1 model
    assert all(0.0 <= float(r["deletion_auc"]) <= 1.0 for r in rows)
    assert sum(r["randomisation_spearman"] != "" for r in rows) == 2  # one clip per method
    with open(out / "summary.csv") as f:
        summary = list(csv.DictReader(f))
    assert [r["method"] for r in summary] == ["gradient", "gradcam"]
    assert all(math.isfinite(float(r["mask.auc"])) for r in summary)
    clips = json.loads((out / "clips.json").read_text())
    assert clips["format"] == "vse-study-clips/1" and clips["methods"] == ["gradient", "gradcam"]
    assert len(clips["clips"]) == 2
    assert all((out / "results").exists() and set(c["results"]["tiny"]) == {"gradient", "gradcam"}
               for c in clips["clips"])
    page = (out / "index.html").read_text()
    assert re.search(r"<script[^>]*\bsrc=", page) is None and len(page) > 3_000_000  # plotly.js inline
    assert page.count("Plotly.newPlot") >= 2
    assert page.count('<img class="strip"') == 2 * 2  # 2 methods x (best 2 + worst of the rest: 0)


def test_study_tasks_keep_kth_sequence_ranges(tmp_path):
    from pathlib import Path

    from engine.study.clips import build_tasks, dataset_clips
    from tests.helpers.media import write_video

    videos = tmp_path / "kth"
    videos.mkdir()
    write_video(videos / "person12_walking_d1_uncomp.avi", np.full((12, 32, 32, 3), 90, np.uint8))
    write_video(videos / "person22_running_d1_uncomp.avi", np.full((8, 32, 32, 3), 160, np.uint8))
    (videos / "00sequences.txt").write_text("person12_walking_d1 frames 1-4, 5-12\n")
    clips = dataset_clips(str(videos), "kth", "all")
    walking = sorted((c.start, c.stop) for c in clips if c.label == "walking")
    assert walking == [(0, 4), (4, 12)]
    assert len({c.key for c in clips}) == len(clips)  # one result file per sequence
    tasks = build_tasks(clips, ["model.pt"], ["gradient"], tmp_path / "results")
    assert sorted((t.start, t.stop) for t in tasks if "walking" in t.clip_path) == [(0, 4), (4, 12)]
    assert len({Path(t.out_path) for t in tasks}) == len(tasks)
