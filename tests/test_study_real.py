"""The study's real-footage section (``study --real FOLDER``) on a tiny synthetic folder: accuracy from
the whole-clip evaluation, saliency against flow and person boxes (stored or HOG), the verdict rule,
strips of the best and worst clips."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch

from engine.__main__ import main
from engine.data import load_dataset
from engine.evaluation.clips import evaluate_clips, summarise_verdicts
from engine.evaluation.motion import NO_MOTION_SHARE
from engine.io.masks import load_sidecar
from engine.io.tensors import InputSpec
from engine.models import get_model
from engine.models.checkpoint import CheckpointMeta, load_checkpoint, save_checkpoint
from engine.study.people import box_masks, fill_from_nearest
from engine.study.real import hypothesis_verdict
from engine.synth import generate_kth_like


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """One synthetic clip per class (24 frames), boxes.json for the walker only, two tiny checkpoints."""
    root = tmp_path_factory.mktemp("real")
    clips = generate_kth_like(root / "clips", 1, seed=4, num_frames=24, progress=False)
    walker = next(p for p in clips if p.parent.name == "walking")
    masks, _ = load_sidecar(walker)
    boxes = {}
    for t, mask in enumerate(masks):
        ys, xs = np.nonzero(mask)
        if len(xs):
            boxes[str(t)] = [[int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)]]
    (root / "clips" / "boxes.json").write_text(json.dumps({f"walking/{walker.name}": boxes}))
    checkpoints = []
    for seed in (0, 1):
        torch.manual_seed(seed)  # test-only: fixes the tiny models' weights
        meta = CheckpointMeta("cnnlstm", {"proj_dim": 8, "hidden_size": 8}, ["walking", "running"],
                              InputSpec(num_frames=4, height=32, width=32, channels=1, frame_step=2))
        model = get_model("cnnlstm", proj_dim=8, hidden_size=8)
        checkpoints.append(save_checkpoint(root / f"tiny{seed}.pt", model, meta))
    return {"root": root, "clips": root / "clips", "walker": walker, "checkpoints": checkpoints}


def test_study_real_writes_the_section_its_tables_and_a_verdict(folder, tmp_path, monkeypatch):
    monkeypatch.setattr("engine.study.people.DETECT_HEIGHT", 240)  # test-only: HOG on 160x120 frames, enlarged less
    out = tmp_path / "report"
    args = ["study", "--real", str(folder["clips"]), "--sections", "real", "--out", str(out), "--workers", "1"]
    for checkpoint in folder["checkpoints"]:
        args += ["--checkpoint", str(checkpoint)]
    assert main(args) == 0
    rows = list(csv.DictReader((out / "real_rows.csv").open()))
    assert len(rows) == 2 * 2 * 2  # 2 clips x 2 models x gradient and gradcam
    assert {r["method"] for r in rows} == {"gradient", "gradcam"}
    sources = {r["key"]: r["box_source"] for r in rows}
    assert sources[folder["walker"].name] == "stored" and set(sources.values()) <= {"stored", "hog"}
    for r in rows:
        assert -1 <= float(r["flow.spearman"]) <= 1 and 0 <= float(r["flow.sim"]) <= 1
        if r["box_source"] == "stored":  # the stored boxes hold the person, who holds some of the saliency
            assert 0 < float(r["box.area_share"]) < 0.5 and 0 < float(r["box.pointing_mass"]) <= 1
    accuracy = {r["model"]: r for r in csv.DictReader((out / "real_accuracy.csv").open())}
    records = load_dataset(str(folder["clips"]), layout="folder").records
    for checkpoint in folder["checkpoints"]:
        loaded = load_checkpoint(checkpoint)
        expected = summarise_verdicts(evaluate_clips(loaded, records, NO_MOTION_SHARE), ["walking", "running"])
        assert float(accuracy[checkpoint.stem]["balanced_accuracy"]) == pytest.approx(expected["balanced_accuracy"])
    page = (out / "index.html").read_text()
    assert "Real footage: does saliency resemble optical flow?" in page and "<b>Verdict.</b>" in page
    assert page.count('<img class="strip"') == 2 * 2 * 2  # best and worst per model and method
    summary = list(csv.DictReader((out / "real_summary.csv").open()))
    assert len(summary) == 4 and all(int(s["clips"]) == 2 for s in summary)


def test_study_real_needs_a_folder(tmp_path, capsys):
    assert main(["study", "--sections", "real", "--out", str(tmp_path / "r")]) != 0
    assert "--real FOLDER" in capsys.readouterr().err


def _summary_row(rho: float, low: float, ratio: float) -> dict:
    return {"flow.spearman": rho, "flow.spearman.low": low, "flow.pointing_ratio": ratio,
            "flow.pointing_mass": 0.1 * ratio, "flow.area_share": 0.1}


def test_the_verdict_rule_falls_either_way():
    word, sentence = hypothesis_verdict([_summary_row(0.45, 0.3, 3.0), _summary_row(0.35, 0.2, 2.5)])
    assert word == "resembles" and "mean rank correlation with flow magnitude is 0.40" in sentence
    assert hypothesis_verdict([_summary_row(0.2, 0.1, 3.0)])[0] == "partly"  # above 0, under 0.3
    assert hypothesis_verdict([_summary_row(0.4, 0.2, 1.5)])[0] == "partly"  # moving pixels under 2x their share
    word, sentence = hypothesis_verdict([_summary_row(0.4, 0.2, 3.0), _summary_row(0.05, -0.1, 1.0)])
    assert word == "does not resemble" and sentence.startswith("On this real footage, saliency does not resemble")


def test_person_boxes_fill_gaps_and_become_masks():
    per_frame = [[], [[2, 1, 3, 2]], [], [], [[0, 0, 1, 1]]]
    filled = fill_from_nearest(per_frame)
    assert filled == [[[2, 1, 3, 2]], [[2, 1, 3, 2]], [[2, 1, 3, 2]], [[0, 0, 1, 1]], [[0, 0, 1, 1]]]
    masks = box_masks(filled[:2], (4, 6), scale=(1.0, 1.0))
    assert masks.shape == (2, 4, 6) and masks[0].sum() == 3 * 2 and masks[0, 1:3, 2:5].all()
    assert box_masks([[[2, 1, 3, 2]]], (8, 12), scale=(2.0, 2.0))[0].sum() == 6 * 4
    assert fill_from_nearest([[], []]) == [[], []]
