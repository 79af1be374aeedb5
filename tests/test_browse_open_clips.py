"""Opening clips directly: the Data page's clips open in Explore; Compare shows the checkpoints' maps in one player."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from engine.synth import generate_kth_like

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 180


def _app(monkeypatch, tmp_path) -> AppTest:
    monkeypatch.setenv("VSE_RESULTS_DIR", str(tmp_path / "app-results"))
    monkeypatch.delenv("VSE_DATA_DIR", raising=False)
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _players(at: AppTest) -> list[dict]:
    return [json.loads(e.proto.json) for e in at.get("bidi_component") if e.proto.component_name == "vse_frame_player"]


def test_a_sample_clip_opens_in_explore(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path)
    at.session_state["_vse_routed"] = True
    at.switch_page("pages/data.py").run()
    _ok(at)
    button = [b for b in at.button if b.key.startswith("data_open_")][2]
    name = button.key[len("data_open_"):]
    button.click().run()
    _ok(at)
    assert at.radio(key="explore_clip_source").value == "sample"
    assert at.selectbox(key="explore_clip_sample").value == name
    assert any(name in c.value for c in at.caption if " ran on " in c.value)


def test_a_data_folder_clip_opens_in_explore(monkeypatch, tmp_path):
    clips = generate_kth_like(tmp_path / "data", 1, 3, ("walking", "running"), 20, False)
    at = _app(monkeypatch, tmp_path)
    at.session_state["_vse_routed"] = True
    at.switch_page("pages/data.py").run()
    at.radio(key="data_source").set_value("folder").run()
    at.text_input(key="data_folder").set_value(str(tmp_path / "data")).run()
    _ok(at)
    buttons = [b for b in at.button if b.key.startswith("data_open_")]
    assert len(buttons) == len(clips) == 2
    buttons[0].click().run()
    _ok(at)
    assert at.radio(key="explore_clip_source").value == "opened"
    opened = at.selectbox(key="explore_clip_opened").value
    assert opened in {Path(c).name for c in clips}
    assert any(opened in c.value for c in at.caption if " ran on " in c.value)


def test_compare_shows_each_checkpoint_in_one_player(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path)
    at.session_state["_vse_routed"] = True
    at.switch_page("pages/compare.py").run()
    _ok(at)
    assert len(_players(at)) == 1  # the methods' player only, until asked
    chosen = at.multiselect(key="compare_b_checkpoints").value
    at.toggle(key="compare_b_maps").set_value(True).run()
    _ok(at)
    players = _players(at)
    assert len(players) == 2
    panels = players[1]["panels"]
    assert [p["kind"] for p in panels] == ["overlay"] * len(panels) and 2 <= len(panels) <= len(chosen)
    assert len({json.dumps(m["grey"]) for m in players[1]["maps"]}) == len(panels)  # one map per checkpoint
