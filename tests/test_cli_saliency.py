"""``python -m engine saliency`` and ``plot``: result files, errors, headless pictures, batch runs and resume."""

from __future__ import annotations

import csv
import json

import cv2
import numpy as np
import pytest
import torch

from engine.__main__ import main
from engine.models.checkpoint import CheckpointMeta, file_sha256, save_checkpoint
from engine.models import get_model
from engine.pipeline import load_analysis
from engine.saliency import list_methods
from engine.io.tensors import InputSpec
from engine.io.sampling import uniform_indices
from engine.viz.charts import pool_blocks
from engine.viz.grid import grid_layout, render_grid
from engine.viz.panels import draw_panels
from tests.helpers.media import moving_blob_frames, write_video

T, SIZE = 8, 32
SPEC = InputSpec(num_frames=T, height=SIZE, width=SIZE, channels=1)
SOURCE_FRAMES, HEIGHT, WIDTH = 20, 48, 64


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A tiny checkpoint, a moving-blob video and one integrated-gradients result (n_steps=4)."""
    root = tmp_path_factory.mktemp("cli")
    torch.manual_seed(0)  # test-only: fixes the tiny model's weights
    model = get_model("cnnlstm", proj_dim=8, hidden_size=8)
    meta = CheckpointMeta("cnnlstm", {"proj_dim": 8, "hidden_size": 8}, ["walking", "running"], SPEC)
    checkpoint = save_checkpoint(root / "tiny.pt", model, meta)
    video = write_video(root / "blob.avi", moving_blob_frames(SOURCE_FRAMES, HEIGHT, WIDTH))
    result = root / "ig.npz"
    code = main(["saliency", str(video), "--checkpoint", str(checkpoint), "--device", "cpu",
                 "--method", "integrated_gradients", "--param", "n_steps=4", "--out", str(result)])
    assert code == 0
    return {"root": root, "checkpoint": checkpoint, "video": video, "result": result}


def load_npz(path):
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    return arrays, json.loads(str(arrays.pop("metadata")))


def test_single_clip_result_has_documented_arrays_and_metadata(files):
    arrays, meta = load_npz(files["result"])
    shapes = {"attributions": (T, 1, SIZE, SIZE), "timestep_importance": (T,), "probabilities": (2,),
              "frames": (T, HEIGHT, WIDTH, 3), "frame_indices": (T,), "flow": (T, SIZE, SIZE, 2), "flow_valid": (T,),
              "metric.flow.pearson": (T,)}
    assert {name: arrays[name].shape for name in shapes} == shapes
    assert not any(name.startswith("display_") for name in arrays)  # derived from the attributions on load
    np.testing.assert_array_equal(arrays["frame_indices"], uniform_indices(SOURCE_FRAMES, T))
    assert arrays["timestep_importance"].sum() == pytest.approx(1.0, abs=1e-5)
    assert arrays["probabilities"].sum() == pytest.approx(1.0, abs=1e-5)
    assert not arrays["flow_valid"][0] and arrays["flow_valid"][1:].all()
    assert meta["checkpoint_sha256"] == file_sha256(files["checkpoint"])
    assert meta["method"] == "integrated_gradients"
    assert meta["params"] == {"n_steps": 4, "internal_batch_size": 16, "quadrature": "gausslegendre", "tolerance": 0.0}
    assert {"torch", "numpy", "captum", "opencv", "engine"} <= set(meta["versions"])
    assert meta["flow_method"] == "farneback" and meta["baseline"] == "blur"
    assert "flow.spearman" in meta["metrics"]


def test_single_clip_prints_summary_and_honours_options(files, capsys):
    out = files["root"] / "grad_target.npz"
    code = main(["saliency", str(files["video"]), "--checkpoint", str(files["checkpoint"]), "--device", "cpu",
                 "--method", "gradient", "--target", "walking", "--flow", "dis", "--camera", "median",
                 "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "prediction:" in printed and "target:     walking" in printed and "flow.spearman" in printed
    _, meta = load_npz(out)
    assert (meta["target"], meta["flow_method"], meta["camera"]) == (0, "dis", "median")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--method", "nope"], "Unknown saliency method 'nope'"),
        (["--method", "integrated_gradients", "--param", "n_steps=1"], "n_steps must be at least 2"),
        (["--method", "integrated_gradients", "--param", "bogus=3"], "has no parameter bogus"),
        (["--method", "integrated_gradients", "--param", "n_steps=many"], "n_steps expects a int"),
        (["--method", "gradient", "--param", "n_steps"], "NAME=VALUE"),
        (["--baseline", "purple"], "Unknown baseline 'purple'"),
        (["--target", "jumping"], "Unknown target class 'jumping'"),
    ],
)
def test_bad_method_or_params_exit_2_with_message(files, capsys, extra, message):
    out = files["root"] / "never.npz"
    code = main(["saliency", str(files["video"]), "--checkpoint", str(files["checkpoint"]), "--device", "cpu",
                 "--out", str(out), *extra])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_clip_and_data_are_exclusive_and_one_is_required(files, capsys):
    assert main(["saliency", "--checkpoint", str(files["checkpoint"])]) == 2
    assert "Give a video file" in capsys.readouterr().err
    assert main(["saliency", str(files["video"]), "--data", str(files["root"])]) == 2
    assert "not both" in capsys.readouterr().err


def test_list_methods_prints_every_method_with_its_schema(capsys):
    assert main(["saliency", "--list-methods"]) == 0
    printed = capsys.readouterr().out
    assert all(f"{name}: " in printed for name in list_methods())
    assert "--param n_steps=<int>  default 32, range [2, 1024]" in printed
    assert "Sundararajan" in printed  # the integrated-gradients paper


def cell(image, layout, row, t, inset=4):
    y0, y1, x0, x1 = layout.cell(row, t)
    return image[y0 + inset : y1 - inset, x0 + inset : x1 - inset].astype(np.float32)


def test_plot_writes_pictures_video_and_metrics(files):
    out = files["root"] / "plots"
    assert main(["plot", str(files["result"]), "--out", str(out)]) == 0
    sizes = {p.name: p.stat().st_size for p in out.iterdir()}
    assert set(sizes) == {"grid.png", "timestep_importance.png", "feature_time.png", "overlay.webm", "metrics.csv"}
    assert all(size > 20_000 for name, size in sizes.items() if name.endswith(".png"))
    grid = cv2.imread(str(out / "grid.png"))
    assert grid.shape[:2] == grid_layout(T, HEIGHT, WIDTH).size and grid.shape[1] > T * 128
    capture = cv2.VideoCapture(str(out / "overlay.webm"))
    shown = []
    while (frame := capture.read()[1]) is not None:
        shown.append(frame)
    assert len(shown) == T
    assert shown[0].shape[0] >= 256 and shown[0].shape[1] == 3 * shown[0].shape[1] // 3
    with open(out / "metrics.csv") as f:
        rows = list(csv.DictReader(f))
    arrays, _ = load_npz(files["result"])
    assert [int(r["frame_index"]) for r in rows[:-1]] == arrays["frame_indices"].tolist()
    assert rows[-1]["t"] == "clip" and rows[-1]["flow.pearson"] != ""
    assert {"mass_share", "time_s", "flow.pearson", "flow.auc"} <= set(rows[0])


def test_grid_shows_frame_t_and_overlay_differs_where_saliency_is_high(files):
    arrays, _ = load_npz(files["result"])
    analysis = load_analysis(files["result"])
    frames, display = arrays["frames"], analysis.result.display("abs")
    image = render_grid(analysis)
    layout = grid_layout(T, HEIGHT, WIDTH)
    for t in (1, T - 1):  # the frame column shows frame t (the blob moves), not a neighbour
        shown = cell(image, layout, 0, t)
        size = (shown.shape[1] + 8, shown.shape[0] + 8)
        errors = [np.abs(shown - cv2.resize(frames[s], size)[4:-4, 4:-4]).mean() for s in (t - 1, t)]
        assert errors[1] < errors[0] and errors[1] < 12
    t = int(np.argmax(arrays["timestep_importance"]))
    difference = np.abs(cell(image, layout, 1, t) - cell(image, layout, 0, t)).sum(axis=-1)
    heat = cv2.resize(display[t], (difference.shape[1] + 8, difference.shape[0] + 8))[4:-4, 4:-4]
    high, low = heat >= np.percentile(heat, 95), heat <= np.percentile(heat, 20)
    assert difference[high].mean() > 40 and difference[high].mean() > 3 * difference[low].mean()


def test_one_colour_scale_per_clip_and_block_pooling():
    frames = np.full((2, 16, 16, 3), 40, np.uint8)
    display = np.stack([np.ones((8, 8)), np.full((8, 8), 0.1)]).astype(np.float32)
    panels = draw_panels(frames, display, np.zeros((2, 8, 8, 2), np.float32))
    change = [np.abs(panels["overlay"][t].astype(int) - frames[t]).mean() for t in range(2)]
    assert change[0] > 5 * change[1]  # a per-frame scale would colour both frames alike
    corner = np.zeros((3, 16, 16), np.float32)
    corner[2, 14:, 14:] = 1.0
    table = pool_blocks(corner, blocks=8)
    assert table.shape == (64, 3) and np.argmax(table[:, 2]) == 63 and table[:, :2].max() == 0


def make_dataset(root):
    """Two classes x two clips in class folders."""
    for label, step in (("walking", 1), ("running", 3)):
        (root / label).mkdir(parents=True)
        for k in range(2):
            write_video(root / label / f"{label}_{k}.avi", moving_blob_frames(12 + k, HEIGHT, WIDTH, step=step))
    return root


def test_batch_writes_results_and_summary_then_resumes(files, monkeypatch):
    data, out = make_dataset(files["root"] / "data"), files["root"] / "results"
    argv = ["saliency", "--data", str(data), "--subset", "all", "--methods", "gradient,gradcam", "--workers", "1",
            "--checkpoint", str(files["checkpoint"]), "--device", "cpu", "--out", str(out)]
    assert main(argv) == 0
    results = sorted(out.glob("*/*/*.npz"))
    assert len(results) == 8  # 4 clips x 2 methods, at results/<method>/<class>/<clip>.npz
    assert {p.parts[-3] for p in results} == {"gradient", "gradcam"}
    with open(out / "summary.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 8 and {r["method"] for r in rows} == {"gradient", "gradcam"}
    assert {r["label"] for r in rows} == {"walking", "running"} and "flow.spearman" in rows[0]
    stamps, summary = {p: p.stat().st_mtime_ns for p in results}, (out / "summary.csv").read_bytes()

    def must_not_run(*args, **kwargs):
        raise AssertionError("a finished result was computed again")

    monkeypatch.setattr("engine.pipeline.analyse_clip", must_not_run)
    assert main(argv) == 0
    assert {p: p.stat().st_mtime_ns for p in results} == stamps
    assert (out / "summary.csv").read_bytes() == summary
