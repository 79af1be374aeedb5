"""The app server's warm-up: what it runs, and that a broken asset folder cannot stop the server."""

from __future__ import annotations

import shutil

from ui import state
from ui.warmup import warm_up


def test_warm_up_runs_the_first_view_once():
    seconds = warm_up(device="cpu")
    assert set(seconds) == {"imports", "analysis", "views"}
    assert seconds["analysis"] > 0 and seconds["views"] > 0


def test_warm_up_without_assets_only_imports(tmp_path, monkeypatch):
    monkeypatch.setenv("VSE_ASSETS", str(tmp_path))
    assert set(warm_up(device="cpu")) == {"imports"}


def test_a_broken_checkpoint_is_logged_not_raised(tmp_path, monkeypatch, caplog):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "cnnlstm.pt").write_bytes(b"not a checkpoint")
    shutil.copytree(state.assets_dir() / "clips", tmp_path / "clips")
    monkeypatch.setenv("VSE_ASSETS", str(tmp_path))
    seconds = warm_up(device="cpu")
    assert set(seconds) == {"imports"}
    assert "warm-up failed" in caplog.text
