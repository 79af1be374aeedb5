"""Plotly figures of the app: probabilities, time-step importance, curves, confusion.

Pure functions from arrays to ``go.Figure``; no Streamlit. Frames are shown
1-based ("frame 1" is the first sampled frame) everywhere a person reads them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

CURRENT = "#e4572e"
BARS = "#4c78a8"
FLOW = "#54a24b"
PALETTE = ("#4c78a8", "#e4572e", "#54a24b", "#b279a2", "#f58518", "#72b7b2", "#9d755d")


def _compact(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=36, b=10),
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1))
    return fig


def probability_bars(classes: Sequence[str], probabilities: np.ndarray, target: int | None = None) -> go.Figure:
    """Horizontal bars of class probabilities; the explained class is highlighted."""
    colours = [CURRENT if i == target else BARS for i in range(len(classes))]
    fig = go.Figure(go.Bar(x=np.asarray(probabilities, float), y=list(classes), orientation="h",
                           marker_color=colours, text=[f"{p:.1%}" for p in probabilities], textposition="auto"))
    fig.update_xaxes(range=[0, 1], tickformat=".0%")
    fig.update_yaxes(autorange="reversed")
    return _compact(fig, 60 + 34 * len(classes))


def timestep_importance(importance: np.ndarray, current: int | None = None, flow_share: np.ndarray | None = None,
                        occlusion: np.ndarray | None = None, title: str = "Saliency mass per frame") -> go.Figure:
    """Bars of each frame's share of saliency mass; the current frame (0-based) is highlighted.

    Built from plain dicts (no ``make_subplots``/``add_vline``): the app redraws it on
    every scrub step, and this keeps a redraw to a few milliseconds.

    Args:
        importance: (T,) shares summing to 1.
        current: 0-based frame to mark, or None.
        flow_share: optional (T,) share of flow magnitude per frame (a line).
        occlusion: optional (T,) drop in the target probability when a frame is removed (a line, right axis).
        title: the figure title.
    """
    frames = list(range(1, len(importance) + 1))
    colours = [CURRENT if current is not None and i == current else BARS for i in range(len(importance))]
    data = [dict(type="bar", x=frames, y=np.asarray(importance, float).tolist(), marker=dict(color=colours),
                 name="saliency share", hovertemplate="frame %{x}: %{y:.1%}<extra></extra>")]
    if flow_share is not None:
        data.append(dict(type="scatter", x=frames, y=np.asarray(flow_share, float).tolist(), mode="lines+markers",
                         name="flow share", line=dict(color=FLOW), hovertemplate="frame %{x}: %{y:.1%}<extra></extra>"))
    layout = dict(title=dict(text=title, font=dict(size=14)), clickmode="event+select", dragmode=False,
                  xaxis=dict(title=dict(text="frame (click a bar to jump)"), dtick=1 if len(frames) <= 32 else None),
                  yaxis=dict(title=dict(text="share"), tickformat=".0%"), height=300,
                  margin=dict(l=10, r=10, t=36, b=10),
                  legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1))
    if occlusion is not None:
        data.append(dict(type="scatter", x=frames, y=np.asarray(occlusion, float).tolist(), mode="lines+markers",
                         name="drop when removed", yaxis="y2", line=dict(color="#888", dash="dot")))
        layout["yaxis2"] = dict(title=dict(text="probability drop"), overlaying="y", side="right", showgrid=False)
    if current is not None:
        layout["shapes"] = [dict(type="line", x0=current + 1, x1=current + 1, y0=0, y1=1, yref="paper",
                                 line=dict(color=CURRENT, width=2), opacity=0.6)]
    return go.Figure(data=data, layout=layout)


def importance_curves(curves: Mapping[str, np.ndarray], title: str = "Saliency mass per frame") -> go.Figure:
    """Several time-step importance curves overlaid (e.g. two checkpoints on one clip)."""
    fig = go.Figure()
    for i, (name, values) in enumerate(curves.items()):
        values = np.asarray(values, float)
        fig.add_trace(go.Scatter(x=np.arange(1, len(values) + 1), y=values, mode="lines+markers", name=name,
                                 line=dict(color=PALETTE[i % len(PALETTE)], width=3)))
    if curves:
        uniform = 1.0 / len(next(iter(curves.values())))
        fig.add_hline(y=uniform, line_dash="dot", line_color="#999", annotation_text="uniform")
    fig.update_xaxes(title_text="frame", dtick=1)
    fig.update_yaxes(title_text="share of saliency mass", tickformat=".0%", rangemode="tozero")
    fig.update_layout(title=dict(text=title, font=dict(size=14)))
    return _compact(fig, 340)


def training_curves(history: Sequence[Mapping[str, float]]) -> go.Figure:
    """Loss and accuracy per epoch from a training log (epoch, train_loss, train_acc, val_loss, val_acc)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("loss", "accuracy"))
    epochs = [row.get("epoch", i + 1) for i, row in enumerate(history)]
    for col, metric in ((1, "loss"), (2, "acc")):
        for j, split in enumerate(("train", "val")):
            key = f"{split}_{metric}"
            values = [row.get(key) for row in history]
            if any(v is not None for v in values):
                fig.add_trace(go.Scatter(x=epochs, y=values, mode="lines+markers", name=split,
                                         line=dict(color=PALETTE[j]), showlegend=col == 1), row=1, col=col)
    fig.update_xaxes(title_text="epoch")
    fig.update_yaxes(tickformat=".0%", row=1, col=2)
    return _compact(fig, 320)


def confusion_matrix(matrix: np.ndarray, classes: Sequence[str]) -> go.Figure:
    """Heatmap of counts, rows true classes, columns predicted, with the counts written in."""
    matrix = np.asarray(matrix)
    fig = go.Figure(go.Heatmap(z=matrix, x=list(classes), y=list(classes), colorscale="Blues", showscale=False,
                               text=matrix, texttemplate="%{text}", hovertemplate="true %{y}, predicted %{x}: %{z}"))
    fig.update_xaxes(title_text="predicted", side="bottom")
    fig.update_yaxes(title_text="true", autorange="reversed")
    return _compact(fig, 120 + 60 * len(classes))
