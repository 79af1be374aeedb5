"""The vanishing-saliency section: table, per-timestep mass figure and the verdict in words."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine.evaluation.paper import PAPER_METRICS
from engine.evaluation.stats import bootstrap_ci
from engine.synth import POSITIONS, event_window

SCORES = tuple(PAPER_METRICS)
MODEL_COLOURS = {"cnnlstm": "#d62728", "cnn_ica_lstm": "#1f77b4"}


def thirds_mass(timestep_mass: list[float]) -> tuple[float, float, float]:
    """Share of saliency mass in the early, middle and late thirds of the clip."""
    mass = np.asarray(timestep_mass, dtype=np.float64)
    return tuple(float(mass[slice(*event_window(p, len(mass)))].sum()) for p in POSITIONS)


def event_table(rows: list[dict]) -> list[dict]:
    """One flat row per (model, position): accuracy, window mass, thirds, scores with 95% intervals."""
    table = []
    for row in rows:
        early, middle, late = thirds_mass(row["timestep_mass"])
        out = {"model": row["model"], "position": row["position"], "test_acc": round(row["test_acc"], 4),
               "val_acc": row.get("val_acc"), "test_clips": row["test_clips"],
               "window_mass": round(row["window_mass"], 4), "mass_early": round(early, 4),
               "mass_middle": round(middle, 4), "mass_late": round(late, 4)}
        for score in SCORES:
            mean, low, high = bootstrap_ci(np.asarray(row[score], dtype=np.float64), n_boot=1000)
            out.update({score: round(mean, 4), f"{score}.low": round(low, 4), f"{score}.high": round(high, 4)})
        out["train_seconds"] = row.get("train_seconds")
        table.append(out)
    return table


def timestep_figure(rows: list[dict]) -> go.Figure:
    """One panel per event position: mean saliency share per frame, one line per model; window shaded."""
    positions = [p for p in POSITIONS if any(r["position"] == p for r in rows)]
    fig = make_subplots(rows=1, cols=len(positions), shared_yaxes=True,
                        subplot_titles=[f"event {p}" for p in positions])
    for col, position in enumerate(positions, start=1):
        for row in (r for r in rows if r["position"] == position):
            mass = row["timestep_mass"]
            fig.add_trace(go.Scatter(x=list(range(len(mass))), y=mass, mode="lines+markers", name=row["model"],
                                     legendgroup=row["model"], showlegend=col == 1,
                                     line={"color": MODEL_COLOURS.get(row["model"])}), row=1, col=col)
            start, stop = event_window(position, len(mass))
        fig.add_vrect(x0=start - 0.5, x1=stop - 0.5, fillcolor="#2ca02c", opacity=0.12, line_width=0, row=1, col=col)
    fig.update_xaxes(title_text="frame")
    fig.update_yaxes(title_text="share of gradient saliency", row=1, col=1)
    fig.update_layout(height=360, margin={"l": 60, "r": 20, "t": 40, "b": 40},
                      title="Gradient saliency per frame, held-out clips (green: the event window)")
    return fig


def _pick(table: list[dict], model: str, position: str) -> dict | None:
    return next((r for r in table if r["model"] == model and r["position"] == position), None)


def verdict(table: list[dict], chance_margin: float = 0.1, mass_margin: float = 0.05) -> list[str]:
    """Sentences that state, with the numbers, whether the paper's finding holds here.

    The finding holds when, with the event early, the plain LSTM puts more than ``mass_margin``
    more of its saliency on the last third than the attention model, and the attention model
    more than ``mass_margin`` more on the event window than the plain LSTM.
    """
    lines = []
    for row in table:
        if row["test_acc"] < 0.5 + chance_margin:
            lines.append(f"{row['model']} did not learn the task with the event {row['position']} "
                         f"(held-out accuracy {row['test_acc']:.2f}); its saliency there explains a guess.")
    lstm, ica = _pick(table, "cnnlstm", "early"), _pick(table, "cnn_ica_lstm", "early")
    if lstm and ica:
        late_bias = lstm["mass_late"] - ica["mass_late"] > mass_margin
        early_kept = ica["window_mass"] - lstm["window_mass"] > mass_margin
        holds = "holds" if late_bias and early_kept else "does not hold" if not (late_bias or early_kept) \
            else "holds only in part"
        lines.append(
            f"With the event early, the plain LSTM puts {lstm['window_mass']:.1%} of its gradient saliency on the "
            f"event window and {lstm['mass_late']:.1%} on the last third; the input-cell attention model puts "
            f"{ica['window_mass']:.1%} on the window and {ica['mass_late']:.1%} on the last third. Weighted Jaccard "
            f"(the paper's WJac) with the event mask: {lstm['wjac']:.3f} vs {ica['wjac']:.3f}; AUC "
            f"{lstm['auc']:.3f} vs {ica['auc']:.3f}. The paper's finding (LSTM saliency vanishes at early steps, "
            f"input-cell attention keeps them visible) {holds} here.")
    return lines
