"""The Streamlit app under AppTest (every page), and the pure helpers its pages share.

The app reads the bundled assets (``assets/models``, ``assets/clips``) unless
``VSE_ASSETS`` points elsewhere; extra folders come from ``VSE_MODELS_DIR`` and
``VSE_DATA_DIR``, which some tests set to files they write under tmp_path.
"""

from __future__ import annotations

import ast
import base64
import csv
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from engine.viz import figures as plots
from ui import state
from engine.pipeline import analyse_clip, save_analysis
from engine.models.checkpoint import CheckpointError, CheckpointMeta, load_checkpoint, save_checkpoint
from engine.errors import UserError
from engine.models import get_model
from engine.saliency import get_method, load_result
from engine.io.tensors import InputSpec
from engine.io.video import VideoError, read_clip
from engine.viz.export import encode_png, metrics_csv, overlay_video_bytes
from engine.viz.panels import PANELS, PanelSettings, render_panels, view_image
from tests.media import moving_blob_frames, write_video

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 120


def _app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)


def _no_problem(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _frame_line(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**Frame "))


def _player(at: AppTest) -> dict:
    """The frame player's data (the one components-v2 element of the page)."""
    players = [e for e in at.get("bidi_component") if e.proto.component_name == "vse_frame_player"]
    assert len(players) == 1
    return json.loads(players[0].proto.json)


def _go_to_frame(at: AppTest, key: str, frame: int) -> None:
    """What the browser's player reports when it settles on a frame (0-based)."""
    at.session_state[f"{key}_view"] = {"frame": frame}
    at.run()


def _result_caption(at: AppTest) -> str:
    return next(c.value for c in at.caption if " ran on " in c.value)


@pytest.fixture(scope="module")
def explore() -> AppTest:
    at = _app().run()
    _no_problem(at)
    return at


@pytest.fixture(scope="module")
def first_analysis():
    checkpoint = next(iter(state.list_checkpoints().values()))
    loaded = load_checkpoint(checkpoint)
    clip = read_clip(next(iter(state.list_sample_clips().values())), loaded.meta.input_spec.num_frames)
    return analyse_clip(loaded, clip, "gradient")


def test_explore_opens_with_a_result(explore):
    classes = explore.selectbox(key="explore_target").options[1:]
    assert explore.metric[0].value in classes
    assert "ran on **cpu**" in _result_caption(explore) or "ran on **cuda" in _result_caption(explore)
    assert _frame_line(explore).startswith("**Frame 1 / ")
    data = _player(explore)
    assert [p["kind"] for p in data["panels"]] == ["frame", "overlay", "flow", "saliency"]
    assert len(data["frames"]) == len(data["maps"][0]["grey"]) == len(data["flow"]["png"]) == 16
    assert data["fps"] == 25.0 and data["series"][0]["style"] == "bar"
    labels = [b.proto.label for b in explore.get("download_button")]
    assert labels == ["PNG of this view", "Overlay video (.webm)", "Result (.npz)", "Metrics (.csv)"]


def test_explore_draws_without_plotly():
    at = _app().run()
    _no_problem(at)
    assert len(at.get("plotly_chart")) == 0  # no 4.7 MB Plotly bundle for the first view to wait for
    assert len(_player(at)["frames"]) == 16  # the player draws the time-step chart itself
    bars = [p.proto.text for p in at.get("progress")]
    assert len(bars) == 2 and any(b.startswith("walking: ") for b in bars) and any("explained" in b for b in bars)


def test_the_settled_frame_drives_the_table_and_downloads(explore):
    payload = _player(explore)
    _go_to_frame(explore, "explore_player", 5)
    _no_problem(explore)
    assert _frame_line(explore).startswith("**Frame 6 / ")
    assert any(e.label == "Agreement on frame 6" for e in explore.expander)
    assert _player(explore)["id"] == payload["id"]  # the payload is unchanged: the browser keeps it
    _go_to_frame(explore, "explore_player", 99)  # a frame beyond the clip is clamped
    assert _frame_line(explore).startswith("**Frame 16 / ")


def test_sign_changes_the_map_only(explore):
    before = _player(explore)
    explore.selectbox(key="explore_reduction").set_value("positive").run()
    _no_problem(explore)
    after = _player(explore)
    assert after["frames"] == before["frames"] and after["flow"] == before["flow"]
    assert after["maps"][0]["grey"] != before["maps"][0]["grey"]
    explore.selectbox(key="explore_reduction").set_value("abs").run()


def test_changing_the_method_recomputes(explore):
    before = _result_caption(explore)
    explore.selectbox(key="explore_method").set_value("integrated_gradients").run()
    explore.number_input(key="explore_integrated_gradients_n_steps").set_value(4).run()
    _no_problem(explore)
    caption = _result_caption(explore)
    assert caption != before and caption.startswith("Integrated Gradients of class")
    explore.selectbox(key="explore_method").set_value("gradcam").run()
    explore.selectbox(key="explore_gradcam_layer").set_value("layer4").run()  # a ResNet stage: not in every model
    assert not explore.exception  # the bundled small CNN has no layer4: a message, not a traceback
    assert any("'layer4'" in e.value for e in explore.error), [e.value for e in explore.error]
    explore.selectbox(key="explore_method").set_value("temporal_occlusion").run()
    _no_problem(explore)
    assert explore.selectbox(key="explore_temporal_occlusion_fill").value == "baseline"
    assert _result_caption(explore).startswith("Temporal occlusion")


def test_target_class_is_explained(explore):
    explore.selectbox(key="explore_method").set_value("gradient").run()
    other = explore.selectbox(key="explore_target").options[2]
    explore.selectbox(key="explore_target").set_value(other).run()
    _no_problem(explore)
    assert f"of class **{other}**" in _result_caption(explore)


def test_compare_page(tmp_path):
    at = _app().run()
    at.switch_page("pages/compare.py").run()
    _no_problem(at)
    methods = at.multiselect(key="compare_methods").value
    data = _player(at)
    assert len(methods) == 3 and [p["kind"] for p in data["panels"]] == ["overlay"] * 3
    assert len({json.dumps(m["grey"]) for m in data["maps"]}) == 3  # one map per method, all in one player
    assert len(at.dataframe[0].value) == 3  # one metrics row per method
    _go_to_frame(at, "compare_player", 4)
    assert _frame_line(at).startswith("**Frame 5 / ")
    at.multiselect(key="compare_methods").set_value(["gradient", "smoothgrad"]).run()
    _no_problem(at)
    assert len(_player(at)["panels"]) == 2
    bundled = list((ROOT / "assets" / "models").glob("*.pt"))
    assert at.multiselect(key="compare_b_checkpoints").value == [f"{p.stem} (bundled)" for p in
                                                                 sorted(bundled, key=lambda p: (p.stem != "cnnlstm", p.name))]
    curves = at.get("plotly_chart")[-1].proto.spec
    assert curves.count('"mode":"lines+markers"') == len(bundled) >= 2  # every bundled model's curve overlaid
    table = at.dataframe[-1].value
    assert len(table) == len(bundled) and set(table["path"]) <= {"per-frame", "generic"}


def _checkpoint(path: Path, frames: int = 16, classes=("walking", "running"), history=None) -> Path:
    torch.manual_seed(0)
    meta = CheckpointMeta("cnnlstm", {}, list(classes), InputSpec(frames, 32, 32, 1, (0.5,), (0.25,)),
                          training={"history": history or []})
    return save_checkpoint(path, get_model("cnnlstm", num_classes=len(classes)), meta)


class _RunsCode:
    def __reduce__(self):
        return (print, ("this ran",))


@pytest.fixture
def models_dir(tmp_path, monkeypatch):
    folder = tmp_path / "models"
    folder.mkdir()
    torch.save({"weights": torch.zeros(3)}, folder / "not_a_checkpoint.pt")
    torch.save({"x": _RunsCode()}, folder / "runs_code.pt")
    _checkpoint(folder / "needs_500_frames.pt", frames=500)
    history = [{"epoch": e, "train_loss": 1 / e, "train_acc": 0.5 + e / 20, "val_loss": 1.2 / e,
                "val_acc": 0.5 + e / 25} for e in range(1, 6)]
    _checkpoint(folder / "small.pt", history=history)
    monkeypatch.setenv("VSE_MODELS_DIR", str(folder))
    return folder


@pytest.mark.parametrize(("name", "message"), [
    ("not_a_checkpoint.pt", "not a model checkpoint"),
    ("runs_code.pt", "could run code"),
    ("needs_500_frames.pt", "at least 500 are needed"),
])
def test_bad_checkpoints_give_a_message(models_dir, name, message):
    at = _app().run()
    at.selectbox(key="explore_checkpoint").set_value(name).run()
    assert not at.exception
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    at.selectbox(key="explore_checkpoint").set_value("small.pt").run()  # the app keeps working
    _no_problem(at)
    assert at.metric[0].value in ("walking", "running")


def test_model_page_card_curves_and_evaluation(models_dir, tmp_path, monkeypatch):
    from engine.synth import generate_kth_like

    data = tmp_path / "data"
    generate_kth_like(data, 2, 0, ("walking", "running"), 20, False)
    monkeypatch.setenv("VSE_DATA_DIR", str(data))
    at = _app().run()
    at.switch_page("pages/model.py").run()
    at.selectbox(key="model_checkpoint").set_value("small.pt").run()
    _no_problem(at)
    card = at.table[0].value
    assert "cnnlstm" in card.to_string() and "1x32x32" in card.to_string()
    assert '"name":"train"' in at.get("plotly_chart")[0].proto.spec  # training curves
    at.selectbox(key="model_subset").set_value("all").run()
    at.button(key="model_evaluate").click().run()
    _no_problem(at)
    assert at.metric[0].value.endswith("%") and at.metric[0].delta == "4 clips"
    assert '"type":"heatmap"' in at.get("plotly_chart")[-1].proto.spec


def test_data_page_shows_the_samples_by_default(monkeypatch):
    monkeypatch.delenv("VSE_DATA_DIR", raising=False)
    at = _app().run()
    at.switch_page("pages/data.py").run()
    _no_problem(at)
    assert at.radio(key="data_source").value == "samples"
    assert len(at.get("image")) == len(state.list_sample_clips()) == 6
    assert [t.label for t in at.tabs] == ["walking", "running"] or sorted(t.label for t in at.tabs) == [
        "running", "walking"]


def test_the_upload_limit_is_in_the_uploader_text(explore):
    explore.radio(key="explore_clip_source").set_value("upload").run()
    label = explore.get("file_uploader")[0].proto.label
    assert f"up to {state.max_upload_mb()} MB" in label
    explore.radio(key="explore_clip_source").set_value("sample").run()
    _no_problem(explore)


def test_an_apptest_run_exits_cleanly():
    """No thread is left inside native code when the interpreter ends (it used to abort with signal 6)."""
    script = ("from streamlit.testing.v1 import AppTest\n"
              f"at = AppTest.from_file({str(ROOT / 'app.py')!r}, default_timeout=300).run()\n"
              "assert not at.exception\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "terminate called" not in done.stderr


def test_data_page_thumbnails(tmp_path, monkeypatch):
    from engine.synth import generate_kth_like

    generate_kth_like(tmp_path / "data", 3, 1, ("walking", "running"), 20, False)
    monkeypatch.setenv("VSE_DATA_DIR", str(tmp_path / "data"))
    at = _app().run()
    at.switch_page("pages/data.py").run()
    _no_problem(at)
    assert len(at.get("image")) == 6  # 3 clips per class, both tabs rendered
    rows = at.dataframe[0].value
    assert sorted(rows["class"]) == ["running", "walking"]
    assert int(rows[["train", "val", "test"]].to_numpy().sum()) == 6
    at.slider(key="data_per_class").set_value(4).run()
    at.text_input(key="data_folder").set_value(str(tmp_path / "nowhere")).run()
    assert not at.exception and any("No such folder" in e.value for e in at.error)


# -- pure helpers the pages use ------------------------------------------------------------------------


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
    with pytest.raises(VideoError, match="The clip has 1 frame; at least 16"):
        state.clip_from_bytes("one.avi", write_video(tmp_path / "one.avi", moving_blob_frames(1)).read_bytes(), 16)
    with pytest.raises(CheckpointError, match="could run code"):
        state.checkpoint_from_bytes("evil.pt", _evil_bytes())
    with pytest.raises(CheckpointError, match="not a readable"):
        state.checkpoint_from_bytes("junk.pt", b"junk" * 100)
    loaded = state.checkpoint_from_bytes("mine.pt", _checkpoint(tmp_path / "m.pt").read_bytes())
    assert loaded.meta.path == "mine.pt" and loaded.meta.classes == ["walking", "running"]
    assert list(scratch.iterdir()) == []  # every temporary folder was removed


def _evil_bytes() -> bytes:
    buffer = io.BytesIO()
    torch.save({"x": _RunsCode()}, buffer)
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


def test_reference_checkpoint_form_then_explore_and_save(tmp_path, monkeypatch):
    """A reference cnn-lstm file in the models folder: the form, then a result, then "Save as project checkpoint"."""
    from tests.reference_models import PranoyrCNNLSTM, save_as_repository

    folder = tmp_path / "models"
    folder.mkdir()
    torch.manual_seed(0)
    save_as_repository(PranoyrCNNLSTM(num_classes=2, arch="resnet18"), folder / "cnnlstm-Epoch-3.pth",
                       data_parallel=True)
    monkeypatch.setenv("VSE_MODELS_DIR", str(folder))
    at = _app().run()
    at.selectbox(key="explore_checkpoint").set_value("cnnlstm-Epoch-3.pth").run()
    assert not at.exception
    assert any("recognised as the reference cnn-lstm" in w.value and "resnet18" in w.value for w in at.warning)
    assert at.number_input(key="explore_foreign_frames").value == 16  # the reference's defaults
    assert at.number_input(key="explore_foreign_size").value == 150
    assert at.selectbox(key="explore_foreign_normalise").value == "activitynet-255"
    at.text_input(key="explore_foreign_classes").set_value("walking").run()
    submit = next(b for b in at.button if b.label == "Use this checkpoint")
    submit.click().run()  # one name for two classes
    assert any("exactly 2 class names" in e.value for e in at.error)
    at.text_input(key="explore_foreign_classes").set_value("walking, running")
    at.number_input(key="explore_foreign_frames").set_value(4)
    at.number_input(key="explore_foreign_size").set_value(48)
    next(b for b in at.button if b.label == "Use this checkpoint").click().run()
    _no_problem(at)
    assert at.metric[0].value in ("walking", "running")
    assert any("reference layout" in s.value for s in at.success)
    assert any(b.label == "Save as project checkpoint" for b in at.get("download_button"))


MODEL_CODE = '''
import torch
from torch import nn


class Tiny3D(nn.Module):
    layout = "BCTHW"
    in_channels = 1

    def __init__(self, num_classes):
        super().__init__()
        self.conv = nn.Conv3d(1, 4, 3, padding=1)
        self.fc = nn.Linear(4, num_classes)

    def forward(self, x):
        return self.fc(torch.relu(self.conv(x)).mean(dim=(2, 3, 4)))


def build(num_classes):
    return Tiny3D(num_classes)
'''


def test_model_code_from_the_server_folder_builds_an_unknown_checkpoint(tmp_path, monkeypatch):
    """A plain state dict in no known layout: with VSE_MODEL_CODE_DIR the app offers the user's code for it."""
    code_dir, models = tmp_path / "code", tmp_path / "models"
    code_dir.mkdir()
    models.mkdir()
    (code_dir / "tiny3d.py").write_text(MODEL_CODE)
    namespace: dict = {}
    exec(MODEL_CODE, namespace)  # the test's own code, to write the weights
    torch.manual_seed(0)
    torch.save(namespace["build"](2).state_dict(), models / "tiny3d.pt")
    monkeypatch.setenv("VSE_MODELS_DIR", str(models))
    at = _app().run()
    at.selectbox(key="explore_checkpoint").set_value("tiny3d.pt").run()
    assert any("not a model checkpoint in any layout" in e.value for e in at.error)  # no code folder: the loader's message
    monkeypatch.setenv("VSE_MODEL_CODE_DIR", str(code_dir))
    at = _app().run()
    at.selectbox(key="explore_checkpoint").set_value("tiny3d.pt").run()
    assert not at.exception
    assert at.selectbox(key="explore_code_file").options == ["tiny3d.py"]
    at.text_input(key="explore_code_classes").set_value("walking, running")
    at.number_input(key="explore_code_frames").set_value(8)
    at.number_input(key="explore_code_size").set_value(32)
    at.selectbox(key="explore_code_normalise").set_value("gray")
    next(b for b in at.button if b.label == "Build the model").click().run()
    _no_problem(at)
    assert at.metric[0].value in ("walking", "running")


def test_bundled_3d_cnn_explains_a_sample_clip():
    """The bundled 3D CNN in Explore: a prediction, Grad-CAM on its 3D stage, temporal occlusion's generic path."""
    at = _app().run()
    at.selectbox(key="explore_checkpoint").set_value("c3d (bundled)").run()
    _no_problem(at)
    assert at.metric[0].value in ("walking", "running")
    for method in ("gradcam", "temporal_occlusion"):
        at.selectbox(key="explore_method").set_value(method).run()
        _no_problem(at)
        assert _result_caption(at).startswith(get_method(method).label)
