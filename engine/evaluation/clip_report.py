"""The whole-clip evaluation's report: markdown for people, CSV and JSON for tools.

``write_clip_report(out_dir, ...)`` writes:

* ``report.md``: what was evaluated and how, balanced accuracy, per-class recall, the confusion
  matrix and one row per clip;
* ``clips.csv``: one row per clip (clip, true class, verdict, mean probabilities, windows
  used and abstained, note);
* ``windows.csv``: one row per window (clip, window, probabilities, moving share, abstained);
* ``summary.json``: the figures of :func:`engine.evaluation.clips.summarise_verdicts`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

from engine.errors import UserError
from engine.evaluation.clips import ClipVerdict


def _figure(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence]) -> list[str]:
    """Lines of a markdown table."""
    lines = ["| " + " | ".join(str(h) for h in header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(_figure(v) for v in row) + " |" for row in rows]


def summary_lines(summary: dict) -> list[str]:
    """The headline figures: balanced accuracy, accuracy, per-class recall, windows abstained."""
    counts = summary["clips_per_class"]
    recall = ", ".join(f"{c} {_figure(r)} ({counts[c]} clips)" for c, r in summary["recall"].items())
    lines = [f"- balanced accuracy: **{_figure(summary['balanced_accuracy'])}** "
             f"(accuracy {_figure(summary['accuracy'])}, {summary['scored']} clips scored)",
             f"- recall per class: {recall}",
             f"- windows: {summary['windows']} classified, {summary['windows_abstained']} abstained (nobody moving)"]
    if summary["not_scored"]:
        lines.append(f"- {summary['not_scored']} clip(s) not scored (too short for one window, or unreadable): "
                     "listed below, left out of the figures")
    return lines


def confusion_lines(summary: dict) -> list[str]:
    """The confusion matrix as a markdown table (rows: true class, columns: verdict)."""
    rows = [[c, *counts] for c, counts in zip(summary["classes"], summary["confusion"], strict=True)]
    return markdown_table(["true \\ verdict", *summary["columns"]], rows)


def report_markdown(verdicts: Sequence[ClipVerdict], summary: dict, about: dict) -> str:
    """The whole report as markdown text.

    Args:
        verdicts: every clip's verdict.
        summary: :func:`engine.evaluation.clips.summarise_verdicts` of them.
        about: what was evaluated: {"checkpoint", "data", "model", "windows", "motion_threshold"}.
    """
    classes = summary["classes"]
    lines = [f"# Whole-clip evaluation: {about.get('checkpoint', '')}", "",
             f"Data: `{about.get('data', '')}`. Model: {about.get('model', '')}; {about.get('windows', '')}.", "",
             f"How a clip is judged: {summary['verdict_rule']}. A window abstains when less than "
             f"{100 * float(about.get('motion_threshold', 0)):.2f}% of its pixels move "
             "(engine/evaluation/motion.py).", "", "## Figures", "", *summary_lines(summary), "",
             "## Confusion matrix", "", *confusion_lines(summary), "", "## Clips", ""]
    header = ["clip", "true class", "verdict", *(f"mean p({c})" for c in classes), "windows used", "abstained", "note"]
    rows = []
    for v in verdicts:
        row = v.row(classes)
        rows.append([Path(v.clip).name, v.true_class, v.verdict, *(row[f"mean_p({c})"] for c in classes),
                     row["windows_used"], row["windows_abstained"], v.note])
    return "\n".join(lines + markdown_table(header, rows)) + "\n"


def window_rows(verdicts: Sequence[ClipVerdict], model_classes: Sequence[str], motion_threshold: float) -> list[dict]:
    """One row per window of every clip: clip, window, probabilities, moving share, abstained."""
    rows = []
    for v in verdicts:
        for k, probs in enumerate(v.window_probabilities):
            row = {"clip": v.clip, "true_class": v.true_class, "window": k}
            row |= {f"p({c})": round(float(p), 4) for c, p in zip(model_classes, probs, strict=True)}
            if len(v.moving_share):
                share = float(v.moving_share[k])
                row |= {"moving_share": round(share, 5), "abstained": share < motion_threshold}
            rows.append(row)
    return rows


def write_clip_report(out_dir: str | Path, verdicts: Sequence[ClipVerdict], summary: dict, about: dict,
                      model_classes: Sequence[str]) -> dict[str, Path]:
    """Writes report.md, clips.csv, windows.csv and summary.json into ``out_dir``; returns their paths."""
    from engine.viz.export import write_rows_csv

    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        paths = {"markdown": out / "report.md", "clips": out / "clips.csv", "windows": out / "windows.csv",
                 "summary": out / "summary.json"}
        paths["markdown"].write_text(report_markdown(verdicts, summary, about))
        write_rows_csv(paths["clips"], [v.row(summary["classes"]) for v in verdicts])
        write_rows_csv(paths["windows"], window_rows(verdicts, model_classes, float(about.get("motion_threshold", 0))))
        paths["summary"].write_text(json.dumps(summary | {"about": about}, indent=2) + "\n")
    except OSError as exc:
        raise UserError(f"Cannot write the report into {out}: {exc}") from None
    return paths
