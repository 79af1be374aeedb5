"""WebRTC plumbing of the Live page: ICE servers, a loopback candidate, picture quality, media tracks.

* **Nothing leaves the machine by default.** Given no ICE servers, streamlit-webrtc and
  aiortc fill in a public STUN server; :func:`rtc_configuration` always passes a list,
  empty unless ``VSE_ICE_SERVERS`` holds one (JSON, the browser's ``RTCIceServer``
  format), for serving the page to other machines through STUN or TURN.
* **A loopback candidate.** aioice gathers every interface's address except 127.0.0.1,
  so a host with only loopback would offer the browser nothing to connect to.
  :func:`offer_loopback_candidate` adds it to what aioice gathers.
* **Picture quality.** aiortc reports bandwidth to the browser by REMB only, and a busy
  Chrome then falls to about 50 kbit/s and 320x240. VP8 bitrate hints in the answer
  (:func:`hold_picture_quality`) keep 640x480.

* **Newest frames, never a backlog.** streamlit-webrtc passes every track through one
  aiortc ``MediaRelay`` whose proxies queue every frame. When the encoder falls behind
  (a busy machine), the queue grows and the video shown lags further and further (7 s
  after 10 s at load 16). :func:`relay_newest_frames` makes that relay's proxies hold the
  newest frame only; the frame callback still sees the frames as they arrive.

These change aioice's and aiortc's tables and streamlit-webrtc's relay once per process,
in place: a server has one of each, and every session's connection wants the same.
"""

from __future__ import annotations

import asyncio
import fractions
import json
import os
import threading

from engine import UserError
from engine.live import ClipCamera

ICE_ENV = "VSE_ICE_SERVERS"
VP8_BITRATE_HINTS = {"x-google-min-bitrate": 500, "x-google-start-bitrate": 1000}  # kbit/s
_patch_lock = threading.Lock()


def ice_servers() -> list[dict]:
    """The ICE servers from ``VSE_ICE_SERVERS`` (a JSON list of ``{"urls": ..., ...}``), or [] (the default).

    Raises:
        UserError: the variable is set but is not such a list.
    """
    text = os.environ.get(ICE_ENV, "").strip()
    if not text:
        return []
    try:
        servers = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"{ICE_ENV} is not JSON ({exc.msg}); give a list such as "
                        '[{"urls": ["<scheme>:host:3478"], "username": "...", "credential": "..."}].') from None
    if not isinstance(servers, list) or not all(isinstance(s, dict) and s.get("urls") for s in servers):
        raise UserError(f"{ICE_ENV} must be a JSON list of objects, each with \"urls\".")
    return servers


def rtc_configuration() -> dict:
    """The RTCConfiguration for both the browser and the server: never missing ``iceServers``."""
    return {"iceServers": ice_servers()}


def offer_loopback_candidate() -> None:
    """Makes aioice gather 127.0.0.1 too (idempotent)."""
    from aioice import ice

    with _patch_lock:
        if getattr(ice.get_host_addresses, "vse_loopback", False):
            return
        gather = ice.get_host_addresses

        def with_loopback(use_ipv4: bool, use_ipv6: bool) -> list[str]:
            addresses = gather(use_ipv4=use_ipv4, use_ipv6=use_ipv6)
            return addresses + ["127.0.0.1"] if use_ipv4 and "127.0.0.1" not in addresses else addresses

        with_loopback.vse_loopback = True
        ice.get_host_addresses = with_loopback


def hold_picture_quality() -> None:
    """Adds the VP8 bitrate hints to aiortc's codec table, so answers carry them (idempotent)."""
    from aiortc.codecs import CODECS

    with _patch_lock:
        for codec in CODECS["video"]:
            if codec.mimeType.lower() == "video/vp8":
                codec.parameters.update(VP8_BITRATE_HINTS)


def relay_newest_frames() -> None:
    """Makes streamlit-webrtc's server-wide MediaRelay subscribe unbuffered (idempotent; needs a server)."""
    import functools

    from aiortc.contrib.media import MediaRelay
    from streamlit_webrtc.relay import get_global_relay

    with _patch_lock:
        relay = get_global_relay()
        if not getattr(relay, "vse_newest", False):
            relay.subscribe = functools.partial(MediaRelay.subscribe, relay, buffered=False)
            relay.vse_newest = True


def prepare() -> dict:
    """Everything above, once: the RTC configuration to pass to ``webrtc_streamer``."""
    offer_loopback_candidate()
    hold_picture_quality()
    try:
        relay_newest_frames()
    except (AttributeError, RuntimeError, TypeError):  # no Streamlit server (AppTest): no relay to set
        pass
    return rtc_configuration()


def clip_camera_track(camera: ClipCamera):
    """An aiortc video track that plays ``camera`` (a clip, forward and backward) in real time."""
    import av
    from aiortc import VideoStreamTrack

    class ClipCameraTrack(VideoStreamTrack):
        kind = "video"

        def __init__(self):
            super().__init__()
            self._step = None

        async def recv(self):
            due = camera.now()[1]
            if self._step is None or due > self._step + 1:  # first frame, or behind: skip to real time
                self._step = due
            else:
                self._step += 1
                await asyncio.sleep(camera.seconds_until(self._step))
            picture, _ = camera.frame(self._step)
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts = round(self._step * 90000 / camera.fps)
            frame.time_base = fractions.Fraction(1, 90000)
            return frame

    return ClipCameraTrack()
