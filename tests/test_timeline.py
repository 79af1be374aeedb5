"""The whole-video timeline: windows from the streamed reader, the picked window, and the CLI's
``saliency --start`` and ``--all-windows``."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import torch

from engine.__main__ import main
from engine.models.checkpoint import CheckpointMeta, load_checkpoint, save_checkpoint
from engine.models import get_model
from engine.saliency import load_result
from engine.io.tensors import InputSpec
from engine.timeline import needs_timeline, predict_windows, window_clip, window_span, window_start
from engine.io.video import VideoError
from tests.helpers.media import moving_blob_frames, write_video

T, STEP, SOURCE_FRAMES = 4, 3, 40  # a window covers (4 - 1) * 3 + 1 = 10 source frames


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A tiny checkpoint that samples every 3rd frame, and a 40-frame video whose frame k has value k at (0, 0)."""
    root = tmp_path_factory.mktemp("timeline")
    torch.manual_seed(0)  # test-only: fixes the tiny model's weights
    model = get_model("cnnlstm", proj_dim=8, hidden_size=8)
    meta = CheckpointMeta("cnnlstm", {"proj_dim": 8, "hidden_size": 8}, ["walking", "running"],
                          InputSpec(num_frames=T, height=32, width=32, channels=1, frame_step=STEP))
    checkpoint = save_checkpoint(root / "tiny.pt", model, meta)
    frames = moving_blob_frames(SOURCE_FRAMES, 48, 64)
    video = write_video(root / "long.avi", frames)
    return {"root": root, "checkpoint": checkpoint, "video": video, "loaded": load_checkpoint(checkpoint)}


def test_windows_cover_the_video_in_one_streamed_pass(files):
    loaded = files["loaded"]
    assert window_span(loaded) == 10 and needs_timeline(SOURCE_FRAMES, loaded) and not needs_timeline(19, loaded)
    seen = []
    line = predict_windows(loaded, str(files["video"]), stride=6, batch_size=2, on_progress=lambda s, f: seen.append(f))
    assert line.starts.tolist() == [0, 6, 12, 18, 24, 30]  # every start with a whole window after it
    assert line.probabilities.shape == (6, 2) and np.allclose(line.probabilities.sum(axis=1), 1, atol=1e-5)
    direct = loaded.predict(torch.stack([_window_tensor(files, s) for s in line.starts])).numpy()
    assert np.allclose(line.probabilities, direct, atol=1e-5)  # the same as classifying each window alone
    assert seen and seen == sorted(seen) and seen[-1] <= 1
    rows = line.rows()
    assert rows[2]["start_frame"] == 12 and rows[2]["start_s"] == pytest.approx(12 / 25)


def _window_tensor(files, start: int) -> torch.Tensor:
    from engine.io.tensors import clip_to_tensor

    return clip_to_tensor(window_clip(str(files["video"]), files["loaded"], start), files["loaded"].meta.input_spec)


def test_a_picked_window_holds_its_source_frames(files):
    loaded, video = files["loaded"], str(files["video"])
    start = window_start(SOURCE_FRAMES, loaded, seconds=0.5, fps=25.0)
    assert start == 12
    clip = window_clip(video, loaded, start)
    assert clip.indices.tolist() == [12, 15, 18, 21]
    assert window_start(SOURCE_FRAMES, loaded, seconds=99, fps=25.0) == SOURCE_FRAMES - 10  # clamped to the end
    with pytest.raises(VideoError, match="shorter than one window"):
        predict_windows(loaded, str(write_video(files["root"] / "short.avi", moving_blob_frames(8, 48, 64))))


def test_cli_start_explains_the_window_at_that_time(files, tmp_path):
    out = tmp_path / "late.npz"
    code = main(["saliency", str(files["video"]), "--checkpoint", str(files["checkpoint"]), "--device", "cpu",
                 "--start", "1.0", "--out", str(out)])
    assert code == 0
    _, arrays, meta = load_result(out)
    assert meta["frame_indices"] == [25, 28, 31, 34]  # 1.0 s at 25 fps is frame 25


def test_cli_all_windows_writes_one_result_per_window_and_a_summary(files, tmp_path):
    out = tmp_path / "windows"
    code = main(["saliency", str(files["video"]), "--checkpoint", str(files["checkpoint"]), "--device", "cpu",
                 "--all-windows", "--out", str(out)])
    assert code == 0
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert [int(r["start_frame"]) for r in rows] == [0, 12, 24]  # one window (10 frames, rounded to the step) apart
    assert [r["file"] for r in rows] == ["window_000.npz", "window_001.npz", "window_002.npz"]
    for row in rows:
        _, _, meta = load_result(out / row["file"])
        assert meta["frame_indices"][0] == int(row["start_frame"]) and row["prediction"] in ("walking", "running")
    assert main(["saliency", "--data", str(tmp_path), "--all-windows"]) != 0


def test_cli_windows_message_names_the_problem(files, tmp_path, capsys):
    main(["saliency", "--data", str(tmp_path), "--all-windows"])
    assert "--all-windows take one video" in capsys.readouterr().err
