"""Whole-clip evaluation (``evaluate --windows all``) on a tiny synthetic folder: per-clip rows from
every window, balanced accuracy against a hand computation, the markdown and CSV report, a clip
too short for one window, and an empty-scene clip whose windows all abstain."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch

from engine.__main__ import main
from engine.evaluation.motion import NO_MOTION_SHARE
from engine.evaluation.clips import ClipVerdict, balanced_accuracy, clip_verdict, evaluate_clips, summarise_verdicts
from engine.data import load_dataset
from engine.io.tensors import InputSpec, clip_to_tensor
from engine.models import get_model
from engine.models.checkpoint import CheckpointMeta, load_checkpoint, save_checkpoint
from engine.synth import generate_kth_like, render_clip
from engine.timeline import window_clip
from tests.media import write_video

T, STEP, FRAMES = 4, 2, 24  # a window is (4 - 1) * 2 + 1 = 7 source frames; windows start every 4 frames


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Class folders: 2 synthetic clips per class, one 5-frame clip, one empty scene; a tiny checkpoint."""
    root = tmp_path_factory.mktemp("clips")
    generate_kth_like(root / "data", 2, seed=3, num_frames=FRAMES, progress=False)
    walker, _, _ = render_clip("walking", 9, 5, scenario="d1")
    write_video(root / "data" / "walking" / "short.avi", np.repeat(walker[..., None], 3, axis=-1))
    empty, _, _ = render_clip("running", 9, FRAMES, scenario="d1", figure=False)
    write_video(root / "data" / "running" / "empty_scene.avi", np.repeat(empty[..., None], 3, axis=-1))
    torch.manual_seed(0)  # test-only: fixes the tiny model's weights
    meta = CheckpointMeta("cnnlstm", {"proj_dim": 8, "hidden_size": 8}, ["walking", "running"],
                          InputSpec(num_frames=T, height=32, width=32, channels=1, frame_step=STEP))
    checkpoint = save_checkpoint(root / "tiny.pt", get_model("cnnlstm", proj_dim=8, hidden_size=8), meta)
    return {"root": root, "data": root / "data", "checkpoint": checkpoint, "loaded": load_checkpoint(checkpoint)}


def test_every_clip_gets_a_row_from_its_windows(folder):
    loaded = folder["loaded"]
    records = load_dataset(str(folder["data"]), layout="folder").records
    verdicts = {v.clip.rsplit("/", 1)[-1]: v for v in evaluate_clips(loaded, records, motion_threshold=NO_MOTION_SHARE)}
    assert len(verdicts) == 6
    assert verdicts["short.avi"].verdict == "too short" and "one window (7 frames)" in verdicts["short.avi"].note
    empty = verdicts["empty_scene.avi"]
    assert empty.verdict == "no motion" and empty.windows == empty.abstained == 5 and not empty.mean_probabilities
    for name, v in verdicts.items():
        if name in ("short.avi", "empty_scene.avi"):
            continue
        assert v.windows == 5 and v.abstained == 0  # starts 0, 4, 8, 12, 16 of 24 frames; a person moves in each
        windows = torch.stack([clip_to_tensor(window_clip(v.clip, loaded, s, max_side=64), loaded.meta.input_spec)
                               for s in (0, 4, 8, 12, 16)])
        mean = loaded.predict(windows).numpy().mean(axis=0)  # each window read alone (at 2x model size), averaged
        assert np.allclose([v.mean_probabilities[c] for c in loaded.meta.classes], mean, atol=1e-5)
        assert v.verdict == loaded.meta.classes[int(np.argmax(mean))]


def test_verdict_leaves_out_abstaining_windows():
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]])
    assert clip_verdict(probs, np.array([False, False, False]), ["walking", "running"])[0] == "running"
    verdict, mean = clip_verdict(probs, np.array([False, True, True]), ["walking", "running"])
    assert verdict == "walking" and mean == pytest.approx({"walking": 0.9, "running": 0.1})
    assert clip_verdict(probs, np.array([True, True, True]), ["walking", "running"]) == ("no motion", {})


def test_balanced_accuracy_matches_a_hand_computation():
    # rows true (walking, running); columns walking, running, no motion
    confusion = np.array([[3, 1, 0], [2, 2, 1]])
    assert balanced_accuracy(confusion) == pytest.approx((3 / 4 + 2 / 5) / 2)  # 0.575, where accuracy is 5/9
    assert balanced_accuracy(np.array([[0, 0, 0], [1, 3, 0]])) == pytest.approx(3 / 4)  # a class without clips
    verdicts = ([ClipVerdict("w", "walking", "walking")] * 3 + [ClipVerdict("w", "walking", "running")]
                + [ClipVerdict("r", "running", "walking")] * 2 + [ClipVerdict("r", "running", "running")] * 2
                + [ClipVerdict("r", "running", "no motion"), ClipVerdict("s", "running", "too short")])
    summary = summarise_verdicts(verdicts, ["walking", "running"], ["walking", "running"])
    assert summary["confusion"] == confusion.tolist() and summary["columns"] == ["walking", "running", "no motion"]
    assert summary["balanced_accuracy"] == pytest.approx(0.575) and summary["accuracy"] == pytest.approx(5 / 9)
    assert summary["recall"] == pytest.approx({"walking": 0.75, "running": 0.4})
    assert summary["scored"] == 9 and summary["not_scored"] == 1


def test_cli_writes_markdown_and_csv_reports(folder, tmp_path, capsys):
    out = tmp_path / "report"
    code = main(["evaluate", "--data", str(folder["data"]), "--windows", "all", "--checkpoint",
                 str(folder["checkpoint"]), "--device", "cpu", "--out", str(out)])
    assert code == 0
    rows = list(csv.DictReader((out / "clips.csv").open()))
    assert len(rows) == 6 and {r["verdict"] for r in rows if r["clip"].endswith("short.avi")} == {"too short"}
    scored = [r for r in rows if r["verdict"] != "too short"]
    recall = {c: np.mean([r["verdict"] == c for r in scored if r["true_class"] == c]) for c in ("walking", "running")}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["balanced_accuracy"] == pytest.approx(np.mean(list(recall.values())))  # from the rows, by hand
    assert summary["windows_abstained"] == 5 and summary["not_scored"] == 1
    windows = list(csv.DictReader((out / "windows.csv").open()))
    assert len(windows) == 25 and sum(r["abstained"] == "True" for r in windows) == 5
    markdown = (out / "report.md").read_text()
    assert f"balanced accuracy: **{summary['balanced_accuracy']:.3f}**" in markdown
    assert "| empty_scene.avi | running | no motion |" in markdown and "mean probability over its windows" in markdown
    assert "balanced accuracy" in capsys.readouterr().out


def test_cli_refuses_data_classes_the_model_does_not_know(folder, tmp_path, capsys):
    (folder["root"] / "other" / "jumping").mkdir(parents=True)
    source = folder["data"] / "walking" / "short.avi"
    (folder["root"] / "other" / "jumping" / "a.avi").write_bytes(source.read_bytes())
    code = main(["evaluate", "--data", str(folder["root"] / "other"), "--windows", "all", "--checkpoint",
                 str(folder["checkpoint"]), "--device", "cpu", "--out", str(tmp_path / "r")])
    assert code != 0 and "the data has jumping" in capsys.readouterr().err


def test_cli_evaluates_a_reference_checkpoint_and_a_torchvision_model(folder, tmp_path):
    from tests.reference_models import PranoyrCNNLSTM, save_as_repository

    torch.manual_seed(0)  # test-only: fixes the models' weights
    reference = tmp_path / "cnnlstm-Epoch-2-Loss-0.5.pth"
    save_as_repository(PranoyrCNNLSTM(num_classes=2, arch="resnet18", cnn_grad=True).eval(), reference, epoch=2)
    meta = CheckpointMeta("r3d_18", {"num_classes": 2}, ["walking", "running"],
                          InputSpec(num_frames=T, height=32, width=32, channels=3, frame_step=STEP,
                                    mean=(0.43, 0.39, 0.38), std=(0.23, 0.22, 0.22)))
    torchvision_model = save_checkpoint(tmp_path / "r3d.pt", get_model("r3d_18", num_classes=2), meta)
    runs = {"reference": [str(reference), "--classes", "walking", "running", "--frames", "4", "--size", "32"],
            "torchvision": [str(torchvision_model)]}
    short_fits = {"reference": True, "torchvision": False}  # the reference preset steps 1 frame: 5 frames hold 4
    for name, checkpoint in runs.items():
        out = tmp_path / name
        assert main(["evaluate", "--data", str(folder["data"]), "--windows", "all", "--device", "cpu",
                     "--out", str(out), "--checkpoint", *checkpoint]) == 0
        rows = list(csv.DictReader((out / "clips.csv").open()))
        verdicts = {r["clip"].rsplit("/", 1)[-1]: r["verdict"] for r in rows}
        assert len(rows) == 6 and verdicts["empty_scene.avi"] == "no motion"
        assert (verdicts["short.avi"] != "too short") == short_fits[name]
        assert json.loads((out / "summary.json").read_text())["scored"] == 5 + (name == "reference")


def test_windows_stay_inside_a_records_segment(folder):
    from engine.timeline import predict_windows

    clip = str(next((folder["data"] / "walking").glob("person*.avi")))
    whole = predict_windows(folder["loaded"], clip)
    assert whole.starts.tolist() == [0, 4, 8, 12, 16]
    inside = predict_windows(folder["loaded"], clip, segment=(4, 20), motion_threshold=NO_MOTION_SHARE)
    assert inside.starts.tolist() == [4, 8, 12]  # a window is 7 frames: 12..18 ends inside 20, 16..22 does not
    assert np.allclose(inside.probabilities, whole.probabilities[1:4]) and inside.moving_share.shape == (3,)


def test_a_last_window_covers_the_tail_the_grid_leaves(folder):
    from engine.timeline import predict_windows

    loaded = folder["loaded"]
    clip = str(next((folder["data"] / "walking").glob("person*.avi")))
    line = predict_windows(loaded, clip, segment=(0, 22), cover_tail=True)
    assert line.starts.tolist() == [0, 4, 8, 12, 15]  # the grid ends at frame 18; 15..21 ends at the segment's end
    tail = clip_to_tensor(window_clip(clip, loaded, 15, max_side=64), loaded.meta.input_spec)
    assert np.allclose(line.probabilities[-1], loaded.predict(tail)[0].numpy(), atol=1e-5)
    assert predict_windows(loaded, clip, cover_tail=True).starts.tolist() == [0, 4, 8, 12, 16]  # 1 frame left: none
