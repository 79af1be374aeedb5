"""The CLI and the app draw and tabulate one analysis the same way (one drawing path, one CSV schema)."""

from __future__ import annotations

import csv
import io

import cv2
import numpy as np
import pytest
import torch

from engine.__main__ import main
from engine.pipeline import analyse_clip, load_analysis, save_analysis
from engine.models.checkpoint import CheckpointMeta, load_checkpoint, save_checkpoint
from engine.models import get_model
from engine.io.tensors import InputSpec
from engine.io.video import read_clip
from engine.viz.colour import flow_speed_scale
from engine.viz.export import metrics_csv
from engine.viz.grid import grid_layout
from engine.viz.panels import PanelSettings, flow_pictures, render_panels
from tests.helpers.media import moving_blob_frames, write_video

T, SIZE, HEIGHT, WIDTH = 6, 32, 48, 64


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    """An analysis computed as the app computes it, saved, and drawn by ``python -m engine plot``."""
    root = tmp_path_factory.mktemp("draw")
    torch.manual_seed(0)  # test-only: fixes the tiny model's weights
    spec = InputSpec(num_frames=T, height=SIZE, width=SIZE, channels=1)
    meta = CheckpointMeta("cnnlstm", {"proj_dim": 8, "hidden_size": 8}, ["walking", "running"], spec)
    checkpoint = save_checkpoint(root / "tiny.pt", get_model("cnnlstm", proj_dim=8, hidden_size=8), meta)
    clip = read_clip(write_video(root / "blob.avi", moving_blob_frames(12, HEIGHT, WIDTH)), T)
    analysis = analyse_clip(load_checkpoint(checkpoint, device="cpu"), clip, "gradient")
    result = save_analysis(root / "r.npz", analysis)
    assert main(["plot", str(result), "--out", str(root / "plots"), "--cmap", "viridis"]) == 0
    return analysis, root / "plots"


def test_cli_and_app_csv_have_one_schema(drawn):
    analysis, out = drawn
    with open(out / "metrics.csv", newline="") as f:
        cli = list(csv.reader(f))
    app = list(csv.reader(io.StringIO(metrics_csv(analysis))))
    assert cli[0] == app[0]
    assert {"t", "frame_index", "time_s", "mass_share", "flow.pearson"} <= set(cli[0])
    assert len(cli) == len(app) == T + 2 and cli[-1][0] == app[-1][0] == "clip"
    column = cli[0].index("mass_share")
    assert [float(r[column]) for r in cli[1:-1]] == pytest.approx([float(r[column]) for r in app[1:-1]], rel=1e-5)
    assert sum(float(r[column]) for r in cli[1:-1]) == pytest.approx(1.0, abs=1e-4)


def test_a_cli_grid_cell_is_the_app_overlay_panel_pixel_for_pixel(drawn):
    analysis, out = drawn
    grid = cv2.cvtColor(cv2.imread(str(out / "grid.png")), cv2.COLOR_BGR2RGB)
    layout = grid_layout(T, HEIGHT, WIDTH)
    app = render_panels(analysis, PanelSettings(cmap="viridis", size=(layout.cell_height, layout.cell_width)))
    for t in range(T):
        y0, y1, x0, x1 = layout.cell(1, t)
        np.testing.assert_array_equal(grid[y0:y1, x0:x1], app["overlay"][t])
    y0, y1, x0, x1 = layout.cell(0, T - 1)
    np.testing.assert_array_equal(grid[y0:y1, x0:x1], app["frame"][T - 1])
    assert not np.array_equal(app["overlay"][T - 1], app["frame"][T - 1])


def test_flow_brightness_comes_from_the_valid_frames_only():
    fields = np.zeros((3, 4, 4, 2), np.float32)
    fields[0, ..., 0] = 100.0  # frame 0's copy: not its own flow
    fields[1:, ..., 0] = 2.0
    valid = np.array([False, True, True])
    assert flow_speed_scale(fields, valid) == pytest.approx(2.0)
    pictures = flow_pictures(fields, valid)
    assert pictures[1].max() == 255 and not pictures[0].any()


def test_old_result_files_with_stored_display_maps_still_load(drawn, tmp_path):
    analysis, out = drawn
    with np.load(out.parent / "r.npz", allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    assert "display_abs" not in arrays
    old = {**arrays, **{f"display_{r}": analysis.result.display(r) for r in ("abs", "positive", "negative")}}
    np.savez_compressed(tmp_path / "old.npz", **old)
    loaded = load_analysis(tmp_path / "old.npz")
    np.testing.assert_array_equal(loaded.result.display("abs"), analysis.result.display("abs"))
    assert main(["plot", str(tmp_path / "old.npz"), "--out", str(tmp_path / "plots")]) == 0
