"""Live camera explanation: a ring of the newest frames, a shared worker pool, a clip played as a camera.

Nothing here imports Streamlit or a WebRTC library: the app's Live page (``pages/live.py``,
``ui/live*.py``) feeds frames in from the browser's camera and draws what comes out.

* :class:`FrameRing`: the newest frames with their capture times; the model's window sampled by time.
* :class:`LiveSession`: one camera's loop; jobs in a :class:`LivePool` shared by the server.
* :class:`ClipCamera`: a clip looped forward and backward in real time, for demos and tests.
* :class:`Overlay`: the heatmap blended over frames of any size.
"""

from engine.live.clip_camera import ClipCamera, ping_pong_index, ping_pong_order
from engine.live.overlay import COLORMAPS, Overlay
from engine.live.pool import LivePool
from engine.live.ring import FrameRing, Window, measured_fps
from engine.live.session import HISTORY_S, LiveSession, LiveSettings, LiveUpdate

__all__ = ["COLORMAPS", "HISTORY_S", "ClipCamera", "FrameRing", "LivePool", "LiveSession", "LiveSettings", "LiveUpdate", "Overlay",
           "Window", "measured_fps", "ping_pong_index", "ping_pong_order"]
