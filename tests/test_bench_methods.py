"""The realistic-model benchmark: one child process per method, its progress passed on, a timeout kept."""

import pytest

from engine.benchmarks.realistic import format_rows, run_methods


@pytest.mark.slow  # a child process that imports the engine and builds a ResNet-18 CNN-LSTM
def test_a_method_row_comes_from_its_own_process_with_progress_on_stderr(capfd):
    rows = run_methods(backbone="resnet18", size=32, frames=2, methods=["gradient"], timeout=300)
    (row,) = rows
    assert "error" not in row, row
    assert row["name"] == "gradient" and row["seconds"] > 0
    assert row["peak_rss_gb"] >= row["rss_before_gb"] * 0.5 > 0
    err = capfd.readouterr().err
    assert "gradient: Gradient 100%" in err
    assert format_rows(rows).startswith("gradient")


def test_a_method_past_its_timeout_is_stopped_and_says_so():
    (row,) = run_methods(backbone="resnet18", size=32, frames=2, methods=["gradient"], timeout=0.5)
    assert row["error"].startswith("stopped after 0 s; peak RSS so far")
    assert "peak_rss_gb" in row


@pytest.mark.slow  # a child process that imports the engine and builds a ResNet-18 CNN-LSTM
def test_a_failing_method_reports_the_childs_last_line():
    (row,) = run_methods(backbone="resnet18", size=32, frames=2, methods=["no_such_method"], timeout=300)
    assert "no_such_method" in row["error"]
