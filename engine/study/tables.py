"""HTML tables of the study's report, shared by its sections (methods, event, box)."""

from __future__ import annotations

import html
import math


def _cell(value) -> str:
    if isinstance(value, float):
        return f'<td class="num">{value:.3f}</td>' if math.isfinite(value) else '<td class="num"></td>'
    return f"<td>{html.escape(str(value))}</td>"


def html_table(rows: list[dict], columns: list[str], headers: list[str] | None = None) -> str:
    """A plain HTML table of ``columns`` from dict rows."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in (headers or columns))
    body = "".join("<tr>" + "".join(_cell(r.get(c, "")) for c in columns) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"
