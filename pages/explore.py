"""Explore: one clip, one method; prediction, scrubbable saliency beside optical flow, agreement, downloads."""

import tempfile
from pathlib import Path

import numpy as np
import streamlit as st

from engine import timeline
from ui import state
from engine.analysis import analyse_clip, save_analysis
from engine.evaluation.catalog import clip_metric_rows, metric_label
from engine.flow import CAMERA_MODELS, FLOW_METHODS
from engine.saliency import REDUCTIONS, get_method
from engine.saliency.baselines import BASELINES
from engine.viz.export import encode_png, metrics_csv, overlay_video_bytes
from engine.viz.panels import PANEL_SIDE, PanelSettings, render_panels, view_image
from ui import cache, player, routing, widgets
from ui import timeline as timeline_ui

P = "explore"
TOP_CLASSES = 5
routing.require_app(P)
st.title("Explore")

with st.sidebar:
    device = widgets.device_picker(P)
    loaded = widgets.checkpoint_picker(P, device)
    if loaded is not None:
        with st.expander("Checkpoint card"):
            widgets.checkpoint_card(loaded)
    picked = widgets.clip_picker(P, loaded.meta.input_spec.num_frames, loaded.meta.input_spec.frame_step) if loaded is not None else None
    method, params = widgets.method_picker(P)
    target = widgets.target_picker(P, loaded.meta.classes if loaded is not None else [])
    flow_method = st.selectbox("Optical flow", list(FLOW_METHODS), format_func=FLOW_METHODS.get, key=f"{P}_flow")
    with st.expander("More settings"):
        camera = st.selectbox("Camera motion", list(CAMERA_MODELS), format_func=CAMERA_MODELS.get, key=f"{P}_camera")
        baseline = st.selectbox("Baseline", BASELINES, key=f"{P}_baseline",
                                help="Reference input of path and perturbation methods")
        seed = int(st.number_input("Seed", 0, 2**31 - 1, 0, key=f"{P}_seed"))
if loaded is None or picked is None:
    st.info("Choose a checkpoint and a clip in the sidebar to see a result.")
    st.stop()
clip, clip_digest = picked
video = st.session_state.get(widgets.video_key(P))
frame_count = cache.video_info(video, clip_digest).frame_count if video else clip.num_frames
if video and timeline.needs_timeline(frame_count, loaded):
    st.subheader("Whole video")
    line = widgets.compute_or_stop(P, ("timeline", loaded.meta.sha256, str(loaded.device), clip_digest),
                                   lambda p, c: timeline.predict_windows(loaded, video, on_progress=p, cancel=c),
                                   "Prediction along the video")
    if line is None:
        st.stop()
    start = timeline_ui.window_picker(P, line, clip_digest, loaded)
    name = clip.path
    clip = cache.read_window(video, clip_digest, loaded.meta.sha256, start, _loaded=loaded)
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
classes, probs = result.classes, result.probabilities

left, right = st.columns([1, 2])
left.metric("Prediction", classes[result.predicted], f"{probs[result.predicted]:.1%} confidence", delta_color="off")
with right:  # plain bars: no Plotly bundle on this page, so the first view waits for nothing
    for k in np.argsort(probs)[::-1][:TOP_CLASSES]:
        st.progress(float(probs[k]), text=f"{classes[k]}: {probs[k]:.1%}" + (" · explained" if k == result.target
                                                                            else ""))
    if len(classes) > TOP_CLASSES:
        st.caption(f"The {TOP_CLASSES} most likely of {len(classes)} classes.")
st.caption(f"{label} of class **{result.target_name}** · ran on **{result.diagnostics.get('device')}** in "
           f"{result.diagnostics.get('seconds', 0):.2f} s · baseline {result.baseline or '—'} · flow "
           f"{FLOW_METHODS[flow_method]} · clip {Path(clip.path).name}")
st.caption(state.window_caption(clip, frame_count))


def view():
    opts = st.columns([1, 1, 3])
    reduction = opts[0].selectbox("Saliency sign", REDUCTIONS, key=f"{P}_reduction")
    outline = opts[1].checkbox("Mask outline", key=f"{P}_outline", disabled=clip.masks is None)
    opts[2].caption("Colour map, opacity, scale and flow view are set in the player; they redraw in the browser.")
    payload = cache.explore_payload(key, reduction, outline and clip.masks is not None, _analysis=analysis)
    shown = player.frame_player(f"{P}_player", payload)
    t = shown["frame"]
    st.markdown(f"**Frame {t + 1} / {clip.num_frames}** (settled) · source frame {int(clip.indices[t])} · "
                f"{clip.timestamps[t]:.2f} s")
    frame_rows = [{"metric": metric_label(k), "this frame": round(float(v[t]), 4)}
                  for k, v in analysis.frame_metrics().items()]
    with st.expander(f"Agreement on frame {t + 1}"):
        st.dataframe(frame_rows, hide_index=True)
    look = PanelSettings(reduction, shown["cmap"], float(shown["opacity"]), shown["flow_view"], outline,
                         shown["scale"] == "frame", PANEL_SIDE)
    stem = f"{Path(clip.path).stem}_{method}_frame{t + 1:02d}"
    dl = st.columns(2)
    dl[0].download_button("PNG of this view", lambda: encode_png(view_image(render_panels(analysis, look), t)),
                          f"{stem}.png", "image/png", key=f"{P}_dl_png")
    dl[1].download_button("Overlay video (.webm)", lambda: overlay_video_bytes(render_panels(analysis, look),
                          fps=clip.fps), f"{stem[:-8]}_overlay.webm", "video/webm", key=f"{P}_dl_video")


st.fragment(view)()

st.subheader("Agreement with motion, whole clip")
st.dataframe(clip_metric_rows(analysis.clip_metrics()), hide_index=True)
if clip.masks is None:
    st.caption("This clip has no ground-truth masks; agreement is with optical flow only.")


def npz_bytes() -> bytes:
    with tempfile.TemporaryDirectory(prefix="vse-result-") as folder:
        return save_analysis(Path(folder) / "result.npz", analysis).read_bytes()


stem = f"{Path(clip.path).stem}_{method}"
dl = st.columns(2)
dl[0].download_button("Result (.npz)", npz_bytes, f"{stem}.npz", "application/octet-stream", key=f"{P}_dl_npz")
dl[1].download_button("Metrics (.csv)", lambda: metrics_csv(analysis), f"{stem}_metrics.csv", "text/csv",
                      key=f"{P}_dl_csv")
