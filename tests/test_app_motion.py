"""Explore on a window where nobody moves says so instead of a confident walking or running."""

from __future__ import annotations

import numpy as np

from engine.synth import render_clip
from tests.media import write_video
from tests.test_app import _app, _no_problem


def _clip_folder(tmp_path, monkeypatch):
    """A data folder with an empty scene (sensor noise only) and the same scene with a walker."""
    folder = tmp_path / "data"
    (folder / "walking").mkdir(parents=True)
    rgb = lambda frames: np.repeat(frames[..., None], 3, axis=-1)  # noqa: E731
    empty, _, _ = render_clip("walking", 4, 40, scenario="d1", figure=False)
    walker, _, _ = render_clip("walking", 4, 40, scenario="d1")
    write_video(folder / "walking" / "empty_scene.avi", rgb(empty))
    write_video(folder / "walking" / "walker.avi", rgb(walker))
    monkeypatch.setenv("VSE_DATA_DIR", str(folder))


def test_explore_says_no_one_moving_on_an_empty_scene_and_gives_a_verdict_on_a_walker(tmp_path, monkeypatch):
    _clip_folder(tmp_path, monkeypatch)
    at = _app().run()
    at.radio(key="explore_clip_source").set_value("data").run()
    at.selectbox(key="explore_clip_data").set_value("walking/empty_scene.avi").run()
    _no_problem(at)
    assert at.metric[0].value == "no one moving"
    assert any(w.value.startswith("No one is moving in this window (no one moving:") for w in at.warning)
    at.selectbox(key="explore_clip_data").set_value("walking/walker.avi").run()
    _no_problem(at)
    assert at.metric[0].value in ("walking", "running")
    assert not any("No one is moving" in w.value for w in at.warning)
