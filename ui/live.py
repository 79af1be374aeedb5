"""The Live page's loop: one :class:`~engine.live.LiveSession` per browser session, fed by the media thread.

The frame callback runs on streamlit-webrtc's media thread. It only stores each frame
(shrunk to :data:`STORE_SIDE`) in the session's ring and blends the newest overlay over
the newest frame at whatever size arrived; it never touches ``st.session_state`` (it closes over
the session object). Jobs run in one :class:`~engine.live.LivePool` shared by the server,
whose threads end when idle, so STOP, leaving the page and server shutdown leave none.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import streamlit as st

from engine import LoadedModel
from engine.live import ClipCamera, LivePool, LiveSession, LiveSettings

STREAM_KEY = "live_stream"  # streamlit-webrtc keeps its context in st.session_state[STREAM_KEY]
LOOP_KEY = "live_loop"
TRACK_KEY = "live_clip_track"
STORE_SIDE = 320  # frames kept for the model, Freeze and Record: longer side in pixels
RECORD_MAX_S = 10.0
POOL_WORKERS = 1  # on 2 cores: one for the model, one for the media


@st.cache_resource(show_spinner=False)
def live_pool() -> LivePool:
    """The one pool of the server (threads start on demand and end when idle).

    It is closed when the interpreter exits, before Python joins the threads that are not daemons
    (the hook ``concurrent.futures`` uses), so a camera still streaming at Ctrl-C queues nothing more.
    """
    pool = LivePool(workers=POOL_WORKERS, idle_s=2.0)
    register = getattr(threading, "_register_atexit", None)
    if register is not None:
        register(pool.close)
    return pool


@st.cache_resource(show_spinner="Reading the clip…", max_entries=4)
def clip_frames(path: str, digest: str) -> tuple[np.ndarray, float]:
    """A clip's frames (its first minute) and fps, shared read-only by the sessions that play it."""
    camera = ClipCamera.from_file(path)
    camera.frames.flags.writeable = False
    return camera.frames, camera.fps


def store_size(width: int, height: int, side: int = STORE_SIDE) -> tuple[int, int]:
    """(width, height) with the longer side at most ``side``, even (what the ring keeps)."""
    scale = min(1.0, side / max(width, height))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def frame_callback(session: LiveSession):
    """The queued-frames callback of ``webrtc_streamer``: store every frame, return the newest with the overlay.

    Frames come in bursts (all that arrived while the last call ran). Each is stored small (libswscale
    scales and converts it in one step); only the newest is converted at full size, blended and returned,
    so a slow moment makes the next call cheaper instead of letting a queue grow.
    """
    import av

    async def on_frames(frames: list) -> list:
        for frame in frames:
            width, height = store_size(frame.width, frame.height)
            small = frame.reformat(width=width, height=height, format="rgb24").to_ndarray()
            session.push(small, frame.time if frame.time is not None else time.monotonic())
        newest = frames[-1].to_ndarray(format="rgb24")
        return [av.VideoFrame.from_ndarray(session.blend(newest), format="rgb24")]

    return on_frames


def ended_callback(session: LiveSession):
    """Called on the media thread when the camera track ends (STOP, a closed page, an unplugged camera)."""

    def on_ended() -> None:
        session.ended = True
        session.stop(timeout=0)

    return on_ended


def current() -> LiveSession | None:
    """This browser session's loop, if any."""
    return st.session_state.get(LOOP_KEY)


def clip_track(path: str, digest: str, fresh: bool):
    """The clip-as-camera track of this session: a new one (restarting the clip) when ``fresh``."""
    from ui.live_rtc import clip_camera_track

    held = st.session_state.get(TRACK_KEY)
    if fresh or held is None or held[0] != digest:
        frames, fps = clip_frames(path, digest)
        held = (digest, clip_camera_track(ClipCamera(frames, fps)))
        st.session_state[TRACK_KEY] = held
    return held[1]


LAST_KEY = "live_last_loop"
SOURCES = {"camera": "Camera", "clip": "Play a clip as the camera"}
TRANSLATIONS = {
    "media_api_not_available": "This browser gives no camera access to this page: open it on localhost, or serve "
                               "it over HTTPS (see the README). Or play a clip as the camera (sidebar).",
    "device_not_available": "No camera found. Plug one in and press START, or choose “Play a clip as the camera” "
                            "in the sidebar.",
    "device_access_denied": "Camera access was denied. Allow the camera in the browser's site settings and press "
                            "START, or play a clip as the camera (sidebar).",
}
CAMERA_ERRORS = ("If the video area shows **NotFoundError**, no camera was found: plug one in and press START, "
                 "or play a clip as the camera (sidebar). **NotAllowedError**: camera access was denied; allow it "
                 "in the browser's site settings. **NotReadableError**: another program holds the camera.")
CAMERA = {"video": {"width": {"ideal": 640}, "height": {"ideal": 480}, "frameRate": {"ideal": 25}}, "audio": False}


def live_methods(loaded: LoadedModel) -> list[str]:
    """The one-pass methods (registry data) that ``loaded`` supports: CAM methods need named CNN stages."""
    from engine.saliency import METHODS

    stages = bool(getattr(loaded.model, "cnn_stages", None))
    return [name for name, method in METHODS.items() if method.cost == "one_pass"
            and (stages or not any(p.name == "layer" for p in method.params))]


def last() -> LiveSession | None:
    """The loop running now, or the one stopped last (Freeze and Record work after STOP)."""
    return current() or st.session_state.get(LAST_KEY)


def is_active(key: str) -> bool:
    """Whether the stream ``key`` is playing or connecting (read before drawing it: the callbacks need the loop)."""
    context = st.session_state.get(key)
    return context is not None and (context.state.playing or context.state.signalling)


def stream(source: str, loaded: LoadedModel, settings: LiveSettings, clip: tuple[str, str] | None):
    """The video element with START/STOP: the camera (sent and returned) or a clip played by the server."""
    from streamlit_webrtc import WebRtcMode, webrtc_streamer

    from ui.live_rtc import prepare

    key = f"{STREAM_KEY}_{source}"
    active = is_active(key)
    loop = current()
    if not active:
        if loop is not None:
            loop.stop(timeout=0)
            st.session_state[LAST_KEY] = st.session_state.pop(LOOP_KEY)
        loop = None
    elif loop is None or loop.loaded is not loaded:
        loop = st.session_state[LOOP_KEY] = LiveSession(loaded, live_pool(), settings, ring_seconds=RECORD_MAX_S + 1)
    if loop is not None:
        loop.update_settings(settings)
    track = clip_track(*clip, fresh=not active) if source == "clip" and clip else None
    webrtc_streamer(
        key=key, mode=WebRtcMode.RECVONLY if source == "clip" else WebRtcMode.SENDRECV,
        rtc_configuration=prepare(), media_stream_constraints=CAMERA if source == "camera" else
        {"video": True, "audio": False}, source_video_track=track, translations=TRANSLATIONS,
        queued_video_frames_callback=frame_callback(loop) if loop else None,
        on_video_ended=ended_callback(loop) if loop else None, async_processing=True, sendback_audio=False,
        video_html_attrs={"autoPlay": True, "controls": False, "muted": True, "style": {"width": "100%"}})
    if source == "camera" and not active:
        st.caption(CAMERA_ERRORS)
    return loop
