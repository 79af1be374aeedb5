"""The real-footage section of the study report (HTML), and its CSV tables.

The section is added to the study's ``index.html`` (:func:`add_real_section`) after the other
sections are written. It does not import :mod:`engine.study.report` (whose writer imports the
section modules).
"""

from __future__ import annotations

import html
import math
from pathlib import Path

from engine.study.real import REAL_METRICS, hypothesis_verdict, strip_data_uri
from engine.study.summary import best_and_worst, format_interval, group_rows

LABELS = {"flow.spearman": "Spearman with flow", "flow.sim": "SIM with flow",
          "flow.pointing_mass": "saliency on moving pixels", "flow.area_share": "moving pixels' area",
          "flow.pointing_ratio": "moving: mass / area", "box.pointing_mass": "saliency in person boxes",
          "box.area_share": "boxes' area", "box.pointing_ratio": "boxes: mass / area"}


def _table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _fraction(value) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.3f}"


def accuracy_rows(accuracy: dict) -> list[dict]:
    """One row per model: balanced accuracy, accuracy, per-class recall, clips right, windows abstained."""
    out = []
    for model, s in accuracy.items():
        right = sum(s["confusion"][i][i] for i in range(len(s["classes"])))
        row = {"model": model, "balanced_accuracy": s["balanced_accuracy"], "accuracy": s["accuracy"],
               "clips_right": f"{right}/{s['scored']}", "windows_abstained": f"{s['windows_abstained']}/{s['windows']}"}
        row |= {f"recall({c})": r for c, r in s["recall"].items()}
        out.append(row)
    return out


def accuracy_html(accuracy: dict) -> str:
    rows = accuracy_rows(accuracy)
    columns = list(dict.fromkeys(k for r in rows for k in r))
    return _table(columns, [[_fraction(r.get(c)) if isinstance(r.get(c), float) else r.get(c, "") for c in columns]
                            for r in rows])


def summary_html(summary: list[dict]) -> str:
    header = ["model", "method", "clips", *(LABELS[m] for m in REAL_METRICS)]
    rows = [[r["model"], r["method"], r["clips"], *(format_interval(r, m) for m in REAL_METRICS)] for r in summary]
    return _table(header, rows)


def strips_html(part: dict, per_side: int = 1) -> str:
    """Best and worst clip (by Spearman with flow) of each model and method, with frame | saliency strips."""
    index = {id(r): k for k, r in enumerate(part["rows"])}
    pieces = ['<p class="note">Ranked by Spearman correlation with flow magnitude. Top row: frames of the most '
              "moving window; bottom row: |saliency| over them.</p>"]
    for (model, method), group in group_rows(part["rows"], ("model", "method")).items():
        best, worst = best_and_worst(group, "flow.spearman", per_side)
        pieces.append(f"<h4>{html.escape(model)} / {html.escape(method)}</h4>")
        for title, picked in (("best", best), ("worst", worst)):
            for r in picked:
                caption = (f"{title}: {r['key']} (true {r['label']}, clip verdict {r['verdict']}), Spearman "
                           f"{r['flow.spearman']:.3f}, saliency on moving pixels {_fraction(r['flow.pointing_mass'])}, "
                           f"in person boxes {_fraction(r['box.pointing_mass'])}")
                uri = strip_data_uri(part["strips"][index[id(r)]])
                pieces.append(f'<figure><img class="strip" alt="{html.escape(caption)}" src="{uri}">'
                              f"<figcaption>{html.escape(caption)}</figcaption></figure>")
    return "".join(pieces)


def real_html(part: dict) -> str:
    """The whole section."""
    _, sentence = hypothesis_verdict(part["summary"])
    sources = sorted({r["box_source"] for r in part["rows"]})
    return "".join([
        "<h2>Real footage: does saliency resemble optical flow?</h2>",
        f"<p>Clips: <code>{html.escape(part['folder'])}</code>; methods: {', '.join(part['methods'])}.</p>",
        f"<p><b>Verdict.</b> {html.escape(sentence)}</p>",
        "<h3>Accuracy (whole clips)</h3>",
        '<p class="note">Every window of every clip, half a window apart; each clip\'s verdict is the class of '
        "highest mean probability over its windows where someone moves.</p>", accuracy_html(part["accuracy"]),
        "<h3>Saliency against flow and person boxes</h3>",
        '<p class="note">One window per clip and model: the most moving one. Flow: Farneback on the frames the '
        "model saw, median camera motion removed; moving pixels: flow above a clip-wide Otsu threshold. Person "
        f"boxes from {html.escape(' and '.join(sources) or 'nowhere')} (hog: OpenCV's HOG people detector; stored: "
        "boxes.json). Each cell: mean over clips [95% bootstrap interval].</p>", summary_html(part["summary"]),
        "<h3>Best and worst clips</h3>", strips_html(part)])


def write_real_tables(out: Path, part: dict) -> list[Path]:
    """real_rows.csv, real_summary.csv and real_accuracy.csv in ``out``."""
    from engine.viz.export import write_rows_csv

    return [write_rows_csv(out / "real_rows.csv", part["rows"]),
            write_rows_csv(out / "real_summary.csv", part["summary"]),
            write_rows_csv(out / "real_accuracy.csv", accuracy_rows(part["accuracy"]))]


def add_real_section(index: Path, part: dict) -> Path:
    """Adds the section to the end of the written report ``index`` (before ``</body>``)."""
    page = Path(index).read_text(encoding="utf-8")
    section = real_html(part)
    marker = "</body></html>"
    page = page.replace(marker, section + marker) if marker in page else page + section
    Path(index).write_text(page, encoding="utf-8")
    return Path(index)
