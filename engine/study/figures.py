"""Plotly figures of the method comparison, and a helper that embeds them offline."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine.evaluation.catalog import metric_label
from engine.study.summary import group_rows, mean_curve



class FigureEmbedder:
    """Turns figures into HTML divs; the first carries plotly.js inline, the others reuse it (works offline)."""

    def __init__(self) -> None:
        self.included = False

    def html(self, fig: go.Figure) -> str:
        include = not self.included
        self.included = True
        return fig.to_html(full_html=False, include_plotlyjs=True if include else False,
                           config={"displaylogo": False, "responsive": True})


def metric_bars(summary: Sequence[dict], metrics: Sequence[str], columns: int = 3) -> go.Figure:
    """One panel per metric: bars per method, one colour per model, 95% bootstrap intervals as error bars."""
    shown = [m for m in metrics if any(m in row for row in summary)]
    rows = -(-len(shown) // columns)
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=[metric_label(m) for m in shown],
                        vertical_spacing=0.16 if rows > 1 else 0.1)
    models = list(dict.fromkeys(r["model"] for r in summary))
    palette = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e")
    for k, metric in enumerate(shown):
        for i, model in enumerate(models):
            group = [r for r in summary if r["model"] == model and metric in r]
            means = np.array([r[metric] for r in group])
            fig.add_trace(go.Bar(
                x=[r["method"] for r in group], y=means, name=model, legendgroup=model, showlegend=k == 0,
                marker_color=palette[i % len(palette)],
                error_y={"type": "data", "array": np.array([r[f"{metric}.high"] for r in group]) - means,
                         "arrayminus": means - np.array([r[f"{metric}.low"] for r in group])},
            ), row=k // columns + 1, col=k % columns + 1)
    fig.update_layout(barmode="group", height=300 * rows, margin={"l": 40, "r": 20, "t": 50, "b": 40},
                      legend={"orientation": "h", "y": 1.06, "x": 0})
    fig.update_annotations(font_size=12)
    return fig


def timestep_curves(rows: Sequence[dict], curves: dict[str, list[float]]) -> go.Figure:
    """Mean saliency share per frame for each model and method (curves by result path)."""
    fig = make_subplots(rows=1, cols=len({r["model"] for r in rows}) or 1, shared_yaxes=True,
                        subplot_titles=list(dict.fromkeys(r["model"] for r in rows)))
    palette = ("#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a", "#19d3f3", "#ff6692", "#b6e880")
    colours = {m: palette[i % len(palette)] for i, m in enumerate(dict.fromkeys(r["method"] for r in rows))}
    for col, ((model,), members) in enumerate(group_rows(rows, ("model",)).items(), start=1):
        for (method,), group in group_rows(members, ("method",)).items():
            mean = mean_curve([curves[r["result"]] for r in group if r["result"] in curves])
            fig.add_trace(go.Scatter(x=list(range(len(mean))), y=mean, mode="lines", name=method,
                                     line={"color": colours[method]}, legendgroup=method, showlegend=col == 1),
                          row=1, col=col)
    fig.update_xaxes(title_text="frame")
    fig.update_yaxes(title_text="share of saliency", row=1, col=1)
    fig.update_layout(height=340, margin={"l": 60, "r": 20, "t": 40, "b": 40},
                      title="Saliency mass per frame (mean over clips)")
    return fig
