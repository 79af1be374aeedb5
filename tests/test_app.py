"""The Streamlit app under AppTest (every page); its pure helpers: tests/test_app_helpers.py.

The app reads the bundled assets (``assets/models``, ``assets/clips``) unless
``VSE_ASSETS`` points elsewhere; extra folders come from ``VSE_MODELS_DIR`` and
``VSE_DATA_DIR``, which some tests set to files they write under tmp_path.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from engine.saliency import get_method
from tests.helpers.apptest import assert_no_problem, open_app, player_data
from ui import state

ROOT = Path(__file__).resolve().parents[1]


def _frame_line(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**Frame "))


def _go_to_frame(at: AppTest, key: str, frame: int) -> None:
    """What the browser's player reports when it settles on a frame (0-based)."""
    at.session_state[f"{key}_view"] = {"frame": frame}
    at.run()


def _result_caption(at: AppTest) -> str:
    return next(c.value for c in at.caption if " ran on " in c.value)


@pytest.fixture(scope="module")
def explore() -> AppTest:
    at = open_app().run()
    assert_no_problem(at)
    return at


def test_explore_opens_with_a_result(explore):
    classes = explore.selectbox(key="explore_target").options[1:]
    assert explore.metric[0].value in classes
    assert "ran on **cpu**" in _result_caption(explore) or "ran on **cuda" in _result_caption(explore)
    assert _frame_line(explore).startswith("**Frame 1 / ")
    data = player_data(explore)
    assert [p["kind"] for p in data["panels"]] == ["frame", "overlay", "flow", "saliency"]
    assert len(data["frames"]) == len(data["maps"][0]["grey"]) == len(data["flow"]["png"]) == 16
    assert data["fps"] == 25.0 and data["series"][0]["style"] == "bar"
    labels = [b.proto.label for b in explore.get("download_button")]
    assert labels == ["PNG of this view", "Overlay video (.webm)", "Result (.npz)", "Metrics (.csv)"]


def test_explore_draws_without_plotly():
    at = open_app().run()
    assert_no_problem(at)
    assert len(at.get("plotly_chart")) == 0  # no 4.7 MB Plotly bundle for the first view to wait for
    assert len(player_data(at)["frames"]) == 16  # the player draws the time-step chart itself
    bars = [p.proto.text for p in at.get("progress")]
    assert len(bars) == 2 and any(b.startswith("walking: ") for b in bars) and any("explained" in b for b in bars)


def test_the_settled_frame_drives_the_table_and_downloads(explore):
    payload = player_data(explore)
    _go_to_frame(explore, "explore_player", 5)
    assert_no_problem(explore)
    assert _frame_line(explore).startswith("**Frame 6 / ")
    assert any(e.label == "Agreement on frame 6" for e in explore.expander)
    assert player_data(explore)["id"] == payload["id"]  # the payload is unchanged: the browser keeps it
    _go_to_frame(explore, "explore_player", 99)  # a frame beyond the clip is clamped
    assert _frame_line(explore).startswith("**Frame 16 / ")


def test_sign_changes_the_map_only(explore):
    before = player_data(explore)
    explore.selectbox(key="explore_reduction").set_value("positive").run()
    assert_no_problem(explore)
    after = player_data(explore)
    assert after["frames"] == before["frames"] and after["flow"] == before["flow"]
    assert after["maps"][0]["grey"] != before["maps"][0]["grey"]
    explore.selectbox(key="explore_reduction").set_value("abs").run()


def test_changing_the_method_recomputes(explore):
    before = _result_caption(explore)
    explore.selectbox(key="explore_method").set_value("integrated_gradients").run()
    explore.number_input(key="explore_integrated_gradients_n_steps").set_value(4).run()
    assert_no_problem(explore)
    caption = _result_caption(explore)
    assert caption != before and caption.startswith("Integrated Gradients of class")
    explore.selectbox(key="explore_method").set_value("gradcam").run()
    explore.selectbox(key="explore_gradcam_layer").set_value("layer4").run()  # a ResNet stage: not in every model
    assert not explore.exception  # the bundled small CNN has no layer4: a message, not a traceback
    assert any("'layer4'" in e.value for e in explore.error), [e.value for e in explore.error]
    explore.selectbox(key="explore_method").set_value("temporal_occlusion").run()
    assert_no_problem(explore)
    assert explore.selectbox(key="explore_temporal_occlusion_fill").value == "baseline"
    assert _result_caption(explore).startswith("Temporal occlusion")


def test_target_class_is_explained(explore):
    explore.selectbox(key="explore_method").set_value("gradient").run()
    other = explore.selectbox(key="explore_target").options[2]
    explore.selectbox(key="explore_target").set_value(other).run()
    assert_no_problem(explore)
    assert f"of class **{other}**" in _result_caption(explore)


def test_compare_page(tmp_path):
    at = open_app().run()
    at.switch_page("pages/compare.py").run()
    assert_no_problem(at)
    methods = at.multiselect(key="compare_methods").value
    data = player_data(at)
    assert len(methods) == 3 and [p["kind"] for p in data["panels"]] == ["overlay"] * 3
    assert len({json.dumps(m["grey"]) for m in data["maps"]}) == 3  # one map per method, all in one player
    assert len(at.dataframe[0].value) == 3  # one metrics row per method
    _go_to_frame(at, "compare_player", 4)
    assert _frame_line(at).startswith("**Frame 5 / ")
    at.multiselect(key="compare_methods").set_value(["gradient", "smoothgrad"]).run()
    assert_no_problem(at)
    assert len(player_data(at)["panels"]) == 2
    bundled = list((ROOT / "assets" / "models").glob("*.pt"))
    assert at.multiselect(key="compare_b_checkpoints").value == [f"{p.stem} (bundled)" for p in
                                                                 sorted(bundled, key=lambda p: (p.stem != "cnnlstm", p.name))]
    curves = at.get("plotly_chart")[-1].proto.spec
    assert curves.count('"mode":"lines+markers"') == len(bundled) >= 2  # every bundled model's curve overlaid
    table = at.dataframe[-1].value
    assert len(table) == len(bundled) and set(table["path"]) <= {"per-frame", "generic"}


def test_data_page_shows_the_samples_by_default(monkeypatch):
    monkeypatch.delenv("VSE_DATA_DIR", raising=False)
    at = open_app().run()
    at.switch_page("pages/data.py").run()
    assert_no_problem(at)
    assert at.radio(key="data_source").value == "samples"
    assert len(at.get("image")) == len(state.list_sample_clips()) == 6
    assert [t.label for t in at.tabs] == ["walking", "running"] or sorted(t.label for t in at.tabs) == [
        "running", "walking"]


def test_the_upload_limit_is_in_the_uploader_text(explore):
    explore.radio(key="explore_clip_source").set_value("upload").run()
    label = explore.get("file_uploader")[0].proto.label
    assert f"up to {state.max_upload_mb()} MB" in label
    explore.radio(key="explore_clip_source").set_value("sample").run()
    assert_no_problem(explore)


@pytest.mark.slow  # a fresh interpreter that imports the app and runs it
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
    at = open_app().run()
    at.switch_page("pages/data.py").run()
    assert_no_problem(at)
    assert len(at.get("image")) == 6  # 3 clips per class, both tabs rendered
    rows = at.dataframe[0].value
    assert sorted(rows["class"]) == ["running", "walking"]
    assert int(rows[["train", "val", "test"]].to_numpy().sum()) == 6
    at.slider(key="data_per_class").set_value(4).run()
    at.text_input(key="data_folder").set_value(str(tmp_path / "nowhere")).run()
    assert not at.exception and any("No such folder" in e.value for e in at.error)


# -- pure helpers the pages use ------------------------------------------------------------------------


def test_bundled_3d_cnn_explains_a_sample_clip():
    """The bundled 3D CNN in Explore: a prediction, Grad-CAM on its 3D stage, temporal occlusion's generic path."""
    at = open_app().run()
    at.selectbox(key="explore_checkpoint").set_value("c3d (bundled)").run()
    assert_no_problem(at)
    assert at.metric[0].value in ("walking", "running")
    for method in ("gradcam", "temporal_occlusion"):
        at.selectbox(key="explore_method").set_value(method).run()
        assert_no_problem(at)
        assert _result_caption(at).startswith(get_method(method).label)
