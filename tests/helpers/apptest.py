"""Running app.py under Streamlit's AppTest."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120


def open_app() -> AppTest:
    """app.py under AppTest (not run yet), with a timeout a loaded 2-core machine needs."""
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)


def assert_no_problem(at: AppTest) -> None:
    """The last run showed no exception and no error box."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
