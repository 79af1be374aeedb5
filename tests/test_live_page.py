"""The Live page's pieces without a browser: ICE settings, the loopback candidate, camera messages, the page itself."""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from engine import UserError
from engine.live import LivePool, LiveSession
from ui import live_rtc, live_view

ROOT = Path(__file__).resolve().parents[1]


def test_no_ice_server_by_default(monkeypatch):
    monkeypatch.delenv(live_rtc.ICE_ENV, raising=False)
    assert live_rtc.rtc_configuration() == {"iceServers": []}  # an empty list, never a missing key


def test_one_variable_names_ice_servers(monkeypatch):
    servers = [{"urls": ["turn" + ":relay.example:3478"], "username": "u", "credential": "c"}]
    monkeypatch.setenv(live_rtc.ICE_ENV, __import__("json").dumps(servers))
    assert live_rtc.rtc_configuration() == {"iceServers": servers}
    for bad in ("not json", '{"urls": "x"}', "[{}]"):
        monkeypatch.setenv(live_rtc.ICE_ENV, bad)
        with pytest.raises(UserError, match=live_rtc.ICE_ENV):
            live_rtc.ice_servers()


def test_no_public_ice_server_is_written_in_the_code():
    pattern = re.compile(r"""["'](stun|turn)s?:""")
    files = [*ROOT.glob("engine/**/*.py"), *ROOT.glob("ui/**/*.py"), *ROOT.glob("pages/*.py"), ROOT / "app.py"]
    assert [str(f) for f in files if pattern.search(f.read_text())] == []


def test_aioice_gathers_the_loopback_address_too():
    from aioice import ice

    live_rtc.offer_loopback_candidate()
    live_rtc.offer_loopback_candidate()  # idempotent: one wrapper, one 127.0.0.1
    addresses = ice.get_host_addresses(use_ipv4=True, use_ipv6=False)
    assert addresses.count("127.0.0.1") == 1
    assert "127.0.0.1" not in ice.get_host_addresses(use_ipv4=False, use_ipv6=True)


def test_answers_carry_the_vp8_bitrate_hints():
    from aiortc.codecs import CODECS

    live_rtc.hold_picture_quality()
    vp8 = [c for c in CODECS["video"] if c.mimeType.lower() == "video/vp8"]
    assert vp8 and all(c.parameters.get("x-google-min-bitrate") == 500 for c in vp8)


class StubLoaded:
    class meta:  # noqa: N801 - the attribute LiveSession reads
        classes = ["running", "walking"]


def test_camera_messages_for_an_ended_or_silent_camera():
    pool = LivePool(workers=1, idle_s=0.1)
    session = LiveSession(StubLoaded(), pool)
    assert live_view.camera_problem(session) is None  # nothing came yet: START not pressed
    session.ring.push(np.zeros((4, 4, 3), np.uint8), 1.0, arrived=time.monotonic() - 5)
    assert "No frame from the camera for 5 s" in live_view.camera_problem(session)
    session.ring.push(np.zeros((4, 4, 3), np.uint8), 1.04)
    assert live_view.camera_problem(session) is None  # frames arrive
    session.ended = True
    assert "camera stopped" in live_view.camera_problem(session)
    assert pool.close()


def test_the_live_page_renders_without_a_camera(monkeypatch):
    import streamlit_webrtc.component as component

    monkeypatch.setattr(component, "get_this_session_info", lambda: None)  # AppTest has no server runtime
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.session_state["_vse_routed"] = True
    app.switch_page("pages/live.py").run()
    assert not app.exception
    assert app.title[0].value == "Live"
    methods = app.sidebar.selectbox(key="live_method").options
    assert "Gradient" in methods and "Grad-CAM" in methods and "Integrated Gradients" not in methods
    assert any("Press START" in i.value for i in app.info)
    assert any("NotFoundError" in c.value for c in app.caption)  # what the camera errors mean
    app.button(key="live_freeze").click().run()
    assert any("Nothing to freeze yet" in w.value for w in app.warning)
