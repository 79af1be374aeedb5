"""Live: a camera (or a clip played as one) classified and explained as it plays; Freeze and Record go to Explore."""

import streamlit as st

from engine import UserError, get_method
from engine.live import COLORMAPS, LiveSettings
from ui import cache, live, live_clips, live_view, routing, state, widgets

P = "live"
routing.require_app(P)
st.title("Live")
form_area = st.container()

with st.sidebar:
    device = widgets.device_picker(P)
    loaded = widgets.checkpoint_picker(P, device, form_area=form_area)
    source = st.radio("Source", list(live.SOURCES), format_func=live.SOURCES.get, key=f"{P}_source")
    clip = None
    if source == "clip":
        samples = state.list_sample_clips()
        name = st.selectbox("Clip played forward and backward", list(samples), key=f"{P}_clip")
        clip = (str(samples[name]), cache.digest_of(samples[name])) if name else None
    methods = live.live_methods(loaded) if loaded is not None else []
    method = st.selectbox("Saliency method (fast enough for live)", methods, key=f"{P}_method",
                          format_func=lambda n: get_method(n).label)
    params = {p.name: widgets.param_widget(p, f"{P}_{method}_{p.name}") for p in get_method(method).params} \
        if method else {}
    target = widgets.target_picker(P, loaded.meta.classes if loaded is not None else [])
    cmap = st.selectbox("Colour map", list(COLORMAPS), key=f"{P}_cmap")
    opacity = st.slider("Opacity", 0.0, 1.0, 0.6, 0.05, key=f"{P}_opacity")
    fps = st.number_input("Frame rate the model counts frames at (0: the camera's)", 0.0, 120.0, 0.0, 1.0,
                          key=f"{P}_fps", help="The model sees T frames frame_step apart at this rate.")
    seconds = st.slider("Record the last … seconds", 1, int(live.RECORD_MAX_S), 5, key=f"{P}_record_s")
if loaded is None or not method:
    widgets.missing_input(P, "Choose a checkpoint in the sidebar.")
spec = loaded.meta.input_spec
st.caption(f"The model sees {spec.num_frames} frames, {max(1, spec.frame_step)} camera frames apart, and its "
           "saliency is drawn over the newest. Nothing leaves this machine: no STUN or TURN server is used unless "
           "VSE_ICE_SERVERS names one.")
settings = LiveSettings(method, params, target, cmap, opacity, fps or None)
try:
    loop = live.stream(source, loaded, settings, clip)
except UserError as exc:
    st.error(str(exc))
    st.stop()

freeze, record, _ = st.columns([1, 1, 3])
if freeze.button("Freeze", key=f"{P}_freeze", help="Open the window the model saw last in Explore"):
    frozen = live.last().frozen_clip() if live.last() is not None else None
    if frozen is None:
        st.warning("Nothing to freeze yet: press START and wait for the first label.")
    else:
        live_clips.open_in("explore", live_clips.add_frozen(frozen))
        st.session_state["explore_checkpoint"] = st.session_state.get(f"{P}_checkpoint")
        st.session_state["explore_device"] = device
        st.switch_page("pages/explore.py")
if record.button("Record", key=f"{P}_record", help="Save the last seconds as a clip Explore opens"):
    recent = live.last().recent_frames(seconds) if live.last() is not None else None
    if recent is None:
        st.warning("Nothing to record yet: press START first.")
    else:
        st.session_state[f"{P}_recorded"] = live_clips.add_recording(*recent)
recorded = st.session_state.get(f"{P}_recorded")
if recorded and st.button(f"Open “{recorded}” in Explore", key=f"{P}_open_recording"):
    live_clips.open_in("explore", recorded)
    st.session_state["explore_checkpoint"] = st.session_state.get(f"{P}_checkpoint")
    st.switch_page("pages/explore.py")

st.fragment(run_every=0.5)(live_view.status)(loop)
