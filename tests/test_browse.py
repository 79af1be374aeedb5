"""The Browse page under AppTest: a batch run's store opened, filtered, sorted, paired and a result opened."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from engine.evaluation import metric_label
from engine.store import Store, pair_rows
from tests.helpers.stores import make_store

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 180


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory):
    return make_store(tmp_path_factory.mktemp("browse"))


def _players(at: AppTest) -> list[dict]:
    return [json.loads(e.proto.json) for e in at.get("bidi_component") if e.proto.component_name == "vse_frame_player"]


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.fixture
def browse(store_dir, tmp_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("VSE_RESULTS_DIR", str(tmp_path / "app-results"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state["_vse_routed"] = True
    at.switch_page("pages/browse.py").run()
    _ok(at)
    at.radio(key="browse_source").set_value("folder").run()
    at.text_input(key="browse_folder").set_value(str(store_dir)).run()
    _ok(at)
    return at


def test_gallery_filter_and_sort(browse, store_dir):
    assert len(browse.get("image")) == 16  # one thumbnail per result, on one page
    browse.multiselect(key="browse_f_method").set_value(["gradient"]).run()
    browse.multiselect(key="browse_f_model").set_value(["tiny_b"]).run()
    _ok(browse)
    captions = [c.value for c in browse.caption]
    assert any(c.startswith("4 of 16 results") for c in captions)
    browse.radio(key="browse_view").set_value("table").run()
    _ok(browse)
    table = browse.dataframe[0].value
    assert len(table) == 4 and set(table["method"]) == {"gradient"} and set(table["model"]) == {"tiny_b"}
    browse.selectbox(key="browse_sort").set_value("confidence").run()
    confidences = list(browse.dataframe[0].value["confidence"])
    assert confidences == sorted(confidences, reverse=True)
    browse.checkbox(key="browse_ascending").check().run()
    assert list(browse.dataframe[0].value["confidence"]) == sorted(confidences)
    browse.checkbox(key="browse_ascending").uncheck().run()
    browse.selectbox(key="browse_sort").set_value("metric:flow.spearman").run()  # a metric the table does not show
    _ok(browse)
    column = browse.dataframe[0].value.iloc[:, -1]
    assert column.name == metric_label("flow.spearman") and len(column) == 4
    values = [v for v in column if v == v]
    assert len(values) >= 2 and values == sorted(values, reverse=True)


def test_pairs_sorted_by_disagreement_and_opened_side_by_side(browse, store_dir):
    browse.radio(key="browse_view").set_value("pairs").run()
    _ok(browse)
    assert browse.radio(key="browse_pair_by").value == "models"
    assert browse.selectbox(key="browse_pair_a_models").value == "tiny_a"
    assert any(c.value.startswith("8 pairs") for c in browse.caption)  # 4 clips x 2 methods
    expected = sorted(p["map_rho"] for p in pair_rows(Store(store_dir), "models", "tiny_a", "tiny_b"))
    shown = [float(m.value) for m in browse.markdown if m.value.startswith(("+", "-")) and len(m.value) == 5]
    assert shown[1::2] == pytest.approx(expected, abs=0.006)  # the maps column, most disagreeing first
    opens = [b for b in browse.button if b.key.startswith("browse_open_pair_")]
    assert len(opens) == 8
    opens[0].click().run()
    _ok(browse)
    players = _players(browse)
    assert len(players) == 1 and [p["kind"] for p in players[0]["panels"]] == ["overlay", "overlay"]
    assert [p["title"].split(" · ")[1] for p in players[0]["panels"]] == ["tiny_a", "tiny_b"]


def test_a_gallery_click_opens_the_result_in_the_player(browse, monkeypatch):
    import engine
    import engine.pipeline

    def must_not_run(*args, **kwargs):
        raise AssertionError("opening a stored result computed it again")

    monkeypatch.setattr(engine, "analyse_clip", must_not_run, raising=False)
    monkeypatch.setattr(engine.pipeline, "analyse_clip", must_not_run)
    first = next(b for b in browse.button if b.key.startswith("browse_open_"))
    first.click().run()
    _ok(browse)
    players = _players(browse)
    assert len(players) == 1 and [p["kind"] for p in players[0]["panels"]] == ["frame", "overlay", "flow", "saliency"]
    assert len(players[0]["frames"]) == 8
    browse.button(key="browse_close").click().run()
    assert not _players(browse)
