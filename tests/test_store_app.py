"""The app's results on disk: they survive a restart (caches cleared, nothing recomputed) and are evicted at the cap."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

import engine
import engine.pipeline
from engine.store import Store

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 180


def _explore() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _caption(at: AppTest) -> str:
    return next(c.value for c in at.caption if " ran on " in c.value)


def _restart() -> None:
    """What a server restart empties: every Streamlit cache of this process."""
    st.cache_resource.clear()
    st.cache_data.clear()


def test_results_survive_a_restart_and_are_not_computed_again(tmp_path, monkeypatch):
    monkeypatch.setenv("VSE_RESULTS_DIR", str(tmp_path / "results"))
    _restart()
    first = _explore()
    caption = _caption(first)
    store = Store(tmp_path / "results", create=False)
    assert store.count() == 1
    row = store.query()[0]
    assert row["method"] == "gradient" and row["thumb"] and store.result_path(row).is_file()
    _restart()

    def must_not_run(*args, **kwargs):
        raise AssertionError("a stored result was computed again")

    monkeypatch.setattr(engine, "analyse_clip", must_not_run, raising=False)
    monkeypatch.setattr(engine.pipeline, "analyse_clip", must_not_run)
    second = _explore()
    assert _caption(second) == caption  # same method, device and seconds: the stored result
    assert second.metric[0].value == first.metric[0].value
    assert store.count() == 1


def test_the_app_store_evicts_the_least_recently_used_at_its_cap(tmp_path, monkeypatch):
    monkeypatch.setenv("VSE_RESULTS_DIR", str(tmp_path / "results"))
    _restart()
    at = _explore()
    store = Store(tmp_path / "results", create=False)
    one = store.total_bytes()
    monkeypatch.setenv("VSE_RESULTS_MB", str(1.5 * one / 1e6))  # room for one result, not two
    _restart()
    at.selectbox(key="explore_method").set_value("input_x_gradient").run()
    assert not at.exception
    rows = store.query()
    assert [r["method"] for r in rows] == ["input_x_gradient"] and store.total_bytes() <= 1.5 * one
    assert not list((tmp_path / "results" / "results").glob("*/*.npz"))[1:]  # one file left


def test_the_disk_key_leaves_out_the_device_and_holds_the_engine_code(monkeypatch):
    from engine.store import app_results

    key = ("analysis", "identity", "cpu", "d" * 64, (0, 2, 4), "gradient", '{"seed": 0}')
    first = app_results.disk_key(key)
    assert app_results.disk_key(("analysis", "identity", "cuda:0", *key[3:])) == first
    assert app_results.disk_key((*key[:5], "gradcam", key[6])) != first
    monkeypatch.setattr(app_results, "engine_code_digest", lambda: "an edited engine")
    assert app_results.disk_key(key) != first
