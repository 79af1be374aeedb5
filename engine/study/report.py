"""The study's self-contained HTML report (Plotly inline, strips as base64 PNG: opens offline).

``clips.json`` (written beside it, read by the app's Compare page)::

    {"format": "vse-study-clips/1",
     "checkpoints": [{"name": "cnnlstm", "path": "/abs/cnnlstm.pt"}, ...],
     "methods": ["gradient", ...],
     "clips": [{"path": "/abs/clip.avi", "key": "...", "label": "walking",
                "results": {"cnnlstm": {"gradient": "/abs/results/cnnlstm/gradient/<key>.npz", ...}, ...}}, ...]}
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import numpy as np

from engine.evaluation.catalog import metric_label, shown_metrics
from engine.study.figures import FigureEmbedder, metric_bars, timestep_curves
from engine.study.report_box import box_html
from engine.study.report_event import event_html
from engine.study.strips import result_strip_tag
from engine.study.summary import best_and_worst, format_interval, group_rows, ranking_metric
from engine.study.tables import html_table

STYLE = """body{font-family:system-ui,sans-serif;margin:24px auto;max-width:1300px;color:#222}
table{border-collapse:collapse;font-size:13px;margin:8px 0 16px}td,th{border:1px solid #ccc;padding:3px 6px}
th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:tabular-nums}.strip{image-rendering:pixelated;
display:block;margin:2px 0 10px}.note{color:#555;font-size:13px}h2{border-bottom:2px solid #ddd;padding-bottom:4px}
figure{margin:0 0 14px}figcaption{font-size:12px;color:#444}"""
METRICS_NOTE = (
    "Each cell: mean over clips [95% percentile-bootstrap interval]. Flow metrics compare the |saliency| map "
    "with Farneback flow magnitude on the same frames (AUC on the motion mask, flow above a clip-wide Otsu "
    "threshold); mask metrics compare it with the synthetic person mask. Deletion/insertion AUC: the target "
    "probability while the most salient pixels are removed/restored (lower/higher is better). Randomisation: "
    "rank correlation of |saliency| before and after randomising the weights (a method that passes the sanity "
    "check of Adebayo et al. 2018 scores near 0). Seconds: saliency time per clip (one core per task).")


def interval_table(summary: list[dict], keys: tuple[str, ...], metrics: tuple[str, ...]) -> str:
    """Summary rows with each metric shown as 'mean [low, high]'."""
    shown = [m for m in metrics if any(m in r for r in summary)]
    rows = [{**{k: r[k] for k in keys}, "clips": r["clips"], **{m: format_interval(r, m) for m in shown}}
            for r in summary]
    return html_table(rows, [*keys, "clips", *shown], [*keys, "clips", *(metric_label(m) for m in shown)])


def _timestep_arrays(rows: list[dict]) -> dict[str, list[float]]:
    curves = {}
    for row in rows:
        with np.load(row["result"], allow_pickle=False) as z:
            curves[row["result"]] = z["timestep_importance"].astype(float).tolist()
    return curves


def examples_html(rows: list[dict], per_side: int = 2) -> str:
    """Best and worst clips of each model and method, with frame | overlay strips."""
    metric = ranking_metric(rows)
    if metric is None:
        return "<p>No clip metric to rank by.</p>"
    parts = [f'<p class="note">Ranked by {html.escape(metric_label(metric))}. Top row: frames; '
             "bottom row: |saliency| over them (one colour scale per clip).</p>"]
    for (model, method), group in group_rows(rows, ("model", "method")).items():
        best, worst = best_and_worst(group, metric, per_side)
        parts.append(f"<h4>{html.escape(model)} / {html.escape(method)}</h4>")
        for title, picked in (("best", best), ("worst", worst)):
            for r in picked:
                caption = (f"{title}: {r.get('key', '')} (true {r['label']}, predicted {r['predicted']}), "
                           f"{metric} = {float(r[metric]):.3f}")
                parts.append(f"<figure>{result_strip_tag(r['result'], caption)}"
                             f"<figcaption>{html.escape(caption)}</figcaption></figure>")
    return "".join(parts)


def methods_html(part: dict, embed: FigureEmbedder) -> str:
    """The method-comparison section."""
    rows, summary = part["rows"], part["summary"]
    return "".join([
        "<h2>Saliency methods against flow and masks</h2>",
        f"<p>{len(part['clips'])} clips, models: {', '.join(sorted({r['model_file'] for r in rows}))}, "
        f"methods: {', '.join(dict.fromkeys(r['method'] for r in rows))}.</p>",
        f'<p class="note">{METRICS_NOTE}</p>',
        interval_table(summary, ("model", "method"), shown_metrics("study")),
        embed.html(metric_bars(summary, shown_metrics("study"))),
        embed.html(timestep_curves(rows, _timestep_arrays(rows))),
        "<h3>Per class</h3>", interval_table(part["per_class"], ("model", "method", "label"), shown_metrics("per_class")),
        "<h3>Best and worst clips</h3>", examples_html(rows),
    ])


def write_report(out: Path, cfg, methods_part: dict | None, event_rows: list[dict] | None, timings: dict,
                 box_summary: list[dict] | None = None) -> Path:
    """Writes ``out/index.html``; returns its path."""
    embed = FigureEmbedder()
    sections = [methods_html(methods_part, embed) if methods_part else "",
                event_html(event_rows, embed, cfg) if event_rows else "",
                box_html(box_summary, cfg.box, embed, timings.get("ica-box")) if box_summary else ""]
    when = dt.datetime.now().isoformat(timespec="seconds")
    times = ", ".join(f"{k} {v:.0f} s" for k, v in timings.items())
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>Saliency study</title><style>{STYLE}</style>"
            f"</head><body><h1>Saliency study</h1><p class='note'>Written {when}; executor {cfg.executor}; "
            f"run time: {times}. Raw tables: rows.csv, summary.csv, per_class.csv, event.csv, box.csv.</p>"
            + "".join(sections) + "</body></html>")
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
