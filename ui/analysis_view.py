"""The parts of the Explore page that show one analysis: prediction, the frame player, agreement, downloads."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import streamlit as st

from engine import PanelSettings, render_panels, save_analysis
from engine.evaluation import clip_metric_rows, metric_label, shown_metrics
from engine.saliency import REDUCTIONS
from engine.viz import PANEL_SIDE, encode_png, metrics_csv, overlay_video_bytes, view_image
from ui import cache, player

TOP_CLASSES = 5


def prediction(result, motion=None) -> None:
    """The predicted class, and plain bars of the most likely classes (no Plotly: the first view waits for nothing).

    ``motion`` (:class:`engine.evaluation.motion.Motion`): when nobody moves, the page says so instead of a verdict.
    """
    classes, probs = result.classes, result.probabilities
    left, right = st.columns([1, 2])
    if motion is not None and motion.abstained:
        left.metric("Prediction", "no one moving", f"{100 * motion.moving_share:.2f}% of pixels move",
                    delta_color="off")
        st.warning(f"No one is moving in this window ({motion.describe()}). The model still answers "
                   f"{classes[result.predicted]} at {probs[result.predicted]:.1%}, but a walking-or-running "
                   "answer means nothing here; the saliency below explains that answer.")
    else:
        left.metric("Prediction", classes[result.predicted], f"{probs[result.predicted]:.1%} confidence",
                    delta_color="off")
    with right:
        for k in np.argsort(probs)[::-1][:TOP_CLASSES]:
            explained = " · explained" if k == result.target else ""
            st.progress(float(probs[k]), text=f"{classes[k]}: {probs[k]:.1%}{explained}")
        if len(classes) > TOP_CLASSES:
            st.caption(f"The {TOP_CLASSES} most likely of {len(classes)} classes.")


def frame_view(prefix: str, analysis, key: tuple, method: str) -> None:
    """The browser frame player, the settled frame's agreement, and PNG and video downloads of the view."""
    clip = analysis.clip
    opts = st.columns([1, 1, 3])
    reduction = opts[0].selectbox("Saliency sign", REDUCTIONS, key=f"{prefix}_reduction")
    outline = opts[1].checkbox("Mask outline", key=f"{prefix}_outline", disabled=clip.masks is None)
    opts[2].caption("Colour map, opacity, scale and flow view are set in the player; they redraw in the browser.")
    payload = cache.explore_payload(key, reduction, outline and clip.masks is not None, _analysis=analysis)
    shown = player.frame_player(f"{prefix}_player", payload)
    t = shown["frame"]
    st.markdown(f"**Frame {t + 1} / {clip.num_frames}** (settled) · source frame {int(clip.indices[t])} · "
                f"{clip.timestamps[t]:.2f} s")
    with st.expander(f"Agreement on frame {t + 1}"):
        st.dataframe([{"metric": metric_label(k), "this frame": round(float(v[t]), 4)}
                      for k, v in analysis.frame_metrics().items()], hide_index=True)
    look = PanelSettings(reduction, shown["cmap"], float(shown["opacity"]), shown["flow_view"], outline,
                         shown["scale"] == "frame", PANEL_SIDE)
    stem = f"{Path(clip.path).stem}_{method}_frame{t + 1:02d}"
    dl = st.columns(2)
    dl[0].download_button("PNG of this view", lambda: encode_png(view_image(render_panels(analysis, look), t)),
                          f"{stem}.png", "image/png", key=f"{prefix}_dl_png")
    dl[1].download_button("Overlay video (.webm)",
                          lambda: overlay_video_bytes(render_panels(analysis, look), fps=clip.fps),
                          f"{stem[:-8]}_overlay.webm", "video/webm", key=f"{prefix}_dl_video")


def agreement(prefix: str, analysis, method: str) -> None:
    """Whole-clip agreement, and the result (.npz) and metrics (.csv) downloads."""
    st.subheader("Agreement with motion, whole clip")
    st.dataframe(clip_metric_rows(analysis.clip_metrics()), hide_index=True)
    if analysis.clip.masks is None:
        st.caption("This clip has no ground-truth masks; agreement is with optical flow only.")

    def npz_bytes() -> bytes:
        with tempfile.TemporaryDirectory(prefix="vse-result-") as folder:
            return save_analysis(Path(folder) / "result.npz", analysis).read_bytes()

    stem = f"{Path(analysis.clip.path).stem}_{method}"
    dl = st.columns(2)
    dl[0].download_button("Result (.npz)", npz_bytes, f"{stem}.npz", "application/octet-stream",
                          key=f"{prefix}_dl_npz")
    dl[1].download_button("Metrics (.csv)", lambda: metrics_csv(analysis), f"{stem}_metrics.csv", "text/csv",
                          key=f"{prefix}_dl_csv")


def method_row(label: str, analysis) -> dict:
    """One row of Compare's method table: prediction, target probability, time and the shown metrics."""
    result, values = analysis.result, analysis.clip_metrics()
    row = {"method": label, "prediction": result.classes[result.predicted],
           "p(target)": round(float(result.probabilities[result.target]), 3),
           "seconds": result.diagnostics.get("seconds")}
    return row | {metric_label(k): round(values[k], 3) for k in shown_metrics("compare") if k in values}


def checkpoint_row(name: str, analysis) -> dict:
    """One row of Compare's checkpoint table: prediction and the saliency mass in the first and last thirds."""
    result = analysis.result
    importance = result.timestep_importance()
    third = max(1, len(importance) // 3)
    return {"checkpoint": name, "prediction": result.classes[result.predicted],
            "p(prediction)": round(float(result.probabilities[result.predicted]), 3),
            "first third share": round(float(np.sum(importance[:third])), 3),
            "last third share": round(float(np.sum(importance[-third:])), 3),
            "path": result.diagnostics.get("path", "")}
