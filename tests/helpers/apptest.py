"""Running app.py under Streamlit's AppTest."""

from __future__ import annotations

import json
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


def player_data(at: AppTest) -> dict:
    """The frame player's data (the one components-v2 element of the page)."""
    players = [e for e in at.get("bidi_component") if e.proto.component_name == "vse_frame_player"]
    assert len(players) == 1
    return json.loads(players[0].proto.json)
