"""Explore: one clip, one method; prediction, scrubbable saliency beside optical flow, agreement, downloads."""

from pathlib import Path

import streamlit as st

from engine import CAMERA_MODELS, FLOW_METHODS, analyse_clip, get_method, timeline
from engine.saliency import BASELINES
from ui import analysis_view, cache, routing, state, widgets
from ui import timeline as timeline_ui

P = "explore"
routing.require_app(P)
st.title("Explore")
form_area = st.container()

with st.sidebar:
    device = widgets.device_picker(P)
    loaded = widgets.checkpoint_picker(P, device, form_area=form_area)
    if loaded is not None:
        with st.expander("Checkpoint card"):
            widgets.checkpoint_card(loaded)
    spec = loaded.meta.input_spec if loaded is not None else None
    picked = widgets.clip_picker(P, spec.num_frames, spec.frame_step) if spec is not None else None
    method, params = widgets.method_picker(P)
    target = widgets.target_picker(P, loaded.meta.classes if loaded is not None else [])
    flow_method = st.selectbox("Optical flow", list(FLOW_METHODS), format_func=FLOW_METHODS.get, key=f"{P}_flow")
    with st.expander("More settings"):
        camera = st.selectbox("Camera motion", list(CAMERA_MODELS), format_func=CAMERA_MODELS.get,
                              key=f"{P}_camera")
        baseline = st.selectbox("Baseline", BASELINES, key=f"{P}_baseline",
                                help="Reference input of path and perturbation methods")
        seed = int(st.number_input("Seed", 0, 2**31 - 1, 0, key=f"{P}_seed"))
if loaded is None or picked is None:
    widgets.missing_input(P, "Choose a checkpoint and a clip in the sidebar to see a result.")
clip, clip_digest = picked
video = st.session_state.get(widgets.video_key(P))
frame_count = cache.video_info(video, clip_digest).frame_count if video else int(clip.indices[-1]) + 1
if video and timeline.needs_timeline(frame_count, loaded):
    st.subheader("Whole video")
    line = widgets.compute_or_stop(P, cache.timeline_key(loaded, clip_digest),
                                   lambda p, c: timeline.predict_windows(loaded, video, on_progress=p, cancel=c),
                                   "Prediction along the video")
    if line is None:
        st.stop()
    start = timeline_ui.window_picker(P, line, clip_digest, loaded)
    name = clip.path
    clip = cache.read_window(video, clip_digest, loaded.meta.identity, start, _loaded=loaded)
    clip.path = name

settings = dict(params=params, target=target, baseline=baseline, flow_method=flow_method, camera=camera, seed=seed)
key = cache.analysis_key(loaded, clip, clip_digest, method, **settings)
label = get_method(method).label


def compute(on_progress, cancel):
    return analyse_clip(loaded, clip, method, on_progress=on_progress, cancel=cancel, **settings)


analysis = widgets.compute_or_stop(P, key, compute, label)
if analysis is None:
    st.stop()
result = analysis.result
analysis_view.prediction(result, analysis.motion())
baseline = f" · baseline {result.baseline}" if result.baseline else ""  # only methods that use one record it
st.caption(f"{label} of class **{result.target_name}** · ran on **{result.diagnostics.get('device')}** in "
           f"{result.diagnostics.get('seconds', 0):.2f} s{baseline} · flow "
           f"{FLOW_METHODS[flow_method]} · clip {Path(clip.path).name}")
st.caption(state.window_caption(clip, frame_count))
st.fragment(analysis_view.frame_view)(P, analysis, key, method)
analysis_view.agreement(P, analysis, method)
