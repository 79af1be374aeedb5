"""The app's pure helpers (ui.state, the player payload, the Plotly figures), without running a page."""

from __future__ import annotations

import ast
import base64
import csv
import io
import tempfile
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from engine.errors import UserError
from engine.io.video import VideoError, read_clip
from engine.models.checkpoint import CheckpointError, load_checkpoint
from engine.pipeline import analyse_clip, save_analysis
from engine.saliency import load_result
from engine.viz import figures as plots
from engine.viz.export import encode_png, metrics_csv, overlay_video_bytes
from engine.viz.panels import PANELS, PanelSettings, render_panels, view_image
from tests.helpers.media import moving_blob_frames, write_video
from tests.helpers.checkpoints import RunsCode, write_checkpoint
from ui import state

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def first_analysis():
    checkpoint = next(iter(state.list_checkpoints().values()))
    loaded = load_checkpoint(checkpoint)
    clip = read_clip(next(iter(state.list_sample_clips().values())), loaded.meta.input_spec.num_frames)
    return analyse_clip(loaded, clip, "gradient")


def test_uploads_are_checked_and_leave_no_file(tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    good = write_video(tmp_path / "ok.avi", moving_blob_frames(24))
    clip, digest = state.clip_from_bytes("ok.avi", good.read_bytes(), 16)
    assert clip.frames.shape[0] == 16 and clip.path == "ok.avi" and len(digest) == 64
    short = write_video(tmp_path / "short.avi", moving_blob_frames(8))
    with pytest.raises(VideoError, match="at least 16"):
        state.clip_from_bytes("short.avi", short.read_bytes(), 16)
    with pytest.raises(VideoError, match="not a video"):
        state.clip_from_bytes("broken.mp4", b"not a video" * 100, 16)
    with pytest.raises(VideoError, match="unsupported file type"):
        state.clip_from_bytes("notes.txt", b"hello", 16)
    with pytest.raises(UserError, match="upload limit is 1 MB"):
        state.clip_from_bytes("big.mp4", b"\0" * (10**6 + 1), 16, limit_mb=1)  # a MB as the browser counts it
    with pytest.raises(VideoError, match="one.avi holds a single frame: it is a still image"):
        state.clip_from_bytes("one.avi", write_video(tmp_path / "one.avi", moving_blob_frames(1)).read_bytes(), 16)
    ok, png = cv2.imencode(".png", moving_blob_frames(1)[0])
    with pytest.raises(VideoError, match="photo.mp4 holds a single frame: it is a still image, not a video"):
        state.clip_from_bytes("photo.mp4", png.tobytes(), 16)  # a picture renamed .mp4
    with pytest.raises(CheckpointError, match="could run code"):
        state.checkpoint_from_bytes("evil.pt", _evil_bytes())
    with pytest.raises(CheckpointError, match="not a readable"):
        state.checkpoint_from_bytes("junk.pt", b"junk" * 100)
    loaded = state.checkpoint_from_bytes("mine.pt", write_checkpoint(tmp_path / "m.pt").read_bytes())
    assert loaded.meta.path == "mine.pt" and loaded.meta.classes == ["walking", "running"]
    assert list(scratch.iterdir()) == []  # every temporary folder was removed


def _evil_bytes() -> bytes:
    buffer = io.BytesIO()
    torch.save({"x": RunsCode()}, buffer)
    return buffer.getvalue()


def test_panels_and_exports(first_analysis, tmp_path):
    analysis = first_analysis
    t_frames = analysis.clip.num_frames
    panels = render_panels(analysis, PanelSettings(outline=True))
    assert set(panels) == set(PANELS)
    assert all(p.shape[0] == t_frames and p.dtype == np.uint8 for p in panels.values())
    assert not np.array_equal(panels["frame"][-1], panels["overlay"][-1])  # the heatmap shows
    per_frame = render_panels(analysis, PanelSettings(per_frame=True))
    assert not np.array_equal(per_frame["saliency"][0], panels["saliency"][0])
    view = view_image(panels, 3)
    assert view.shape[1] > 4 * panels["frame"].shape[2]
    assert encode_png(view)[:8] == b"\x89PNG\r\n\x1a\n"
    video = overlay_video_bytes(panels)
    (tmp_path / "o.webm").write_bytes(video)
    assert read_clip(tmp_path / "o.webm", t_frames).frames.shape[0] == t_frames
    rows = list(csv.reader(io.StringIO(metrics_csv(analysis))))
    assert rows[0][:4] == ["t", "frame_index", "time_s", "mass_share"] and rows[t_frames + 1][0] == "clip"
    assert abs(sum(float(r[3]) for r in rows[1:t_frames + 1]) - 1) < 1e-3
    result, arrays, meta = load_result(save_analysis(tmp_path / "r.npz", analysis))
    assert np.allclose(result.attributions, analysis.result.attributions) and "frames" in arrays


def test_player_payload_reads_back_as_the_server_draws(first_analysis):
    from engine.viz import player
    from engine.viz.colour import clip_scale, colorize

    data = player.explore_payload(first_analysis)
    entry, display = data["maps"][0], first_analysis.result.display("abs")
    t = int(np.argmax(display.reshape(len(display), -1).max(axis=1)))
    grey = cv2_decode(entry["grey"][t])
    back = grey / 255 * entry["frame_max"][t]  # what the browser's hover read-out shows
    assert np.abs(back - display[t]).max() <= entry["frame_max"][t] / 255 / 2 + 1e-9
    assert entry["clip_vmax"] == pytest.approx(clip_scale(display))
    for name, table in data["colormaps"].items():  # the browser colours as engine.viz.colour.colorize does
        levels = colorize(np.arange(256, dtype=np.float32)[None] / 255, name, 1.0)[0]
        assert np.array_equal(np.array(table).reshape(256, 3), levels), name
    fields, valid = first_analysis.flow.fields, first_analysis.flow.valid
    step = data["flow"]["scale"] / 127
    assert np.abs(player.decode_flow(data["flow"], 3) - fields[3]).max() <= step / 2 + 1e-6
    assert data["flow"]["valid"] == [bool(v) for v in valid]
    assert sum(data["series"][0]["values"]) == pytest.approx(1.0, abs=1e-4)
    assert player.payload_bytes(data) < 2_000_000


def cv2_decode(b64: str) -> np.ndarray:
    import cv2

    return cv2.imdecode(np.frombuffer(base64.b64decode(b64), np.uint8), cv2.IMREAD_GRAYSCALE).astype(np.float64)


def test_frozen_results_are_read_only(first_analysis):
    import copy

    frozen = state.freeze(copy.deepcopy(first_analysis))
    with pytest.raises(ValueError):
        frozen.result.attributions[0, 0, 0, 0] = 1.0
    with pytest.raises(ValueError):
        frozen.clip.frames[0, 0, 0] = 0


def test_plots_mark_the_current_frame():
    importance = np.array([0.1, 0.2, 0.3, 0.4])
    fig = plots.timestep_importance(importance, current=2, flow_share=importance[::-1], occlusion=importance)
    assert list(fig.data[0].marker.color).index(plots.CURRENT) == 2 and fig.layout.shapes[0].x0 == 3
    assert len(fig.data) == 3 and fig.data[2].yaxis == "y2"
    matrix = plots.confusion_matrix(np.array([[3, 1], [0, 4]]), ["walking", "running"])
    assert matrix.data[0].z.tolist() == [[3, 1], [0, 4]]
    curves = plots.training_curves([{"epoch": 1, "train_loss": 1.0, "val_acc": 0.5}])
    assert {d.name for d in curves.data} == {"train", "val"}


def test_engine_never_imports_streamlit():
    for path in (ROOT / "engine").rglob("*.py"):
        tree = ast.parse(path.read_text())
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not any(name.split(".")[0] == "streamlit" for name in names), path


