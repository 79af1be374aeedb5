"""The Browse page's parts: which store, filters and sorting, the paged gallery and table, and opening a result.

Everything shown comes from the store's index (thumbnails included); a result's file is read
only when it is opened, and nothing is computed again.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import streamlit as st

from engine.evaluation import metric_label, shown_metrics
from engine.store import Filters, Store, default_results_dir

PAGE_SIZE = 24
COLUMNS = 6
SOURCES = {"app": "The app's results", "folder": "A store folder"}
SORT_LABELS = {"created": "Date", "confidence": "Confidence", "seconds": "Seconds"}
CORRECT = {"all": "All", "correct": "Correct", "wrong": "Wrong"}


def open_key(prefix: str) -> str:
    """Session-state key of the opened result: ``(row key, paired row key or None)``."""
    return f"{prefix}_opened"


@st.cache_resource(show_spinner=False, max_entries=8)
def open_store(folder: str, create: bool) -> Store:
    """One store object per folder (its connections stay open), shared by the sessions."""
    return Store(folder, create=create)


def store_picker(prefix: str) -> Store | None:
    """The app's own store, or a store folder typed in (an error and None when it is not one)."""
    source = st.radio("Results", list(SOURCES), format_func=SOURCES.get, key=f"{prefix}_source")
    if source == "app":
        return open_store(str(default_results_dir()), create=True)
    folder = st.text_input("Store folder", key=f"{prefix}_folder",
                           help="A folder holding index.sqlite: a saliency --data --out folder, a study's results/")
    if not folder.strip():
        st.info("Enter a store folder in the sidebar (e.g. the --out folder of python -m engine saliency --data).")
        return None
    try:
        return open_store(str(Path(folder.strip()).expanduser().resolve()), create=False)
    except (FileNotFoundError, ValueError) as exc:
        st.error(str(exc))
        return None


def sort_label(name: str) -> str:
    return SORT_LABELS.get(name) or metric_label(name[len("metric:"):])


def filter_controls(prefix: str, store: Store) -> tuple[Filters, str, bool]:
    """Sidebar filters (class, predicted, correct or wrong, model, method) and the sort; returns them."""
    chosen = {}
    for column, label in (("label", "Class"), ("predicted", "Predicted"), ("model", "Model"), ("method", "Method")):
        chosen[column] = tuple(st.multiselect(label, store.values(column), key=f"{prefix}_f_{column}"))
    correct = st.radio("Prediction", list(CORRECT), format_func=CORRECT.get, horizontal=True,
                       key=f"{prefix}_f_correct")
    sorts = [*SORT_LABELS, *(f"metric:{m}" for m in store.metric_names())]
    sort = st.selectbox("Sort by", sorts, format_func=sort_label, key=f"{prefix}_sort")
    descending = not st.checkbox("Smallest first", key=f"{prefix}_ascending")
    filters = Filters(chosen["label"], chosen["predicted"], chosen["model"], chosen["method"],
                      None if correct == "all" else correct == "correct")
    return filters, sort, descending


def page_picker(prefix: str, total: int) -> int:
    """The page number (0-based) of ``total`` rows."""
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if pages == 1:
        return 0
    key = f"{prefix}_page"
    if int(st.session_state.get(key) or 1) > pages:  # fewer pages since a filter changed
        st.session_state[key] = pages
    return int(st.number_input(f"Page (of {pages})", 1, pages, 1, key=key)) - 1


def _open(prefix: str, key: str, pair: str | None = None) -> None:
    st.session_state[open_key(prefix)] = (key, pair)


def caption(row: dict, clip: bool = True) -> str:
    """One line naming a result: (clip,) model, method, prediction (a tick when right, a cross when wrong)."""
    mark = {1: "✓", 0: "✗"}.get(row["correct"], "")
    named = f"{row['clip_name']} · " if clip else ""
    return f"{named}{row['model']} · {row['method']} → {row['predicted']} {mark}".strip()


def gallery(prefix: str, rows: list[dict]) -> None:
    """Thumbnails (the overlay at each result's peak frame), each with an Open button."""
    for start in range(0, len(rows), COLUMNS):
        for col, row in zip(st.columns(COLUMNS), rows[start:start + COLUMNS]):
            col.image(row["thumb"], width="stretch")
            col.caption(f"{Path(row['clip_name']).name}  \n{caption(row, clip=False)}")
            col.button("Open", key=f"{prefix}_open_{row['key'][:20]}", on_click=_open, args=(prefix, row["key"]))


def table(prefix: str, rows: list[dict], sort: str = "created") -> None:
    """The page's rows with the shown metrics (and the one sorted by), and a picker that opens one."""
    names = list(shown_metrics("compare"))
    if sort.startswith("metric:") and sort[len("metric:"):] not in names:
        names.append(sort[len("metric:"):])
    st.dataframe([{"clip": r["clip_name"], "class": r["label"], "model": r["model"], "method": r["method"],
                   "predicted": r["predicted"], "confidence": round(r["confidence"], 3), "correct": r["correct"],
                   "seconds": r["seconds"], **{metric_label(m): json.loads(r["metrics"] or "{}").get(m)
                                               for m in names}} for r in rows], hide_index=True)
    by_key = {r["key"]: r for r in rows}
    cols = st.columns([4, 1])
    chosen = cols[0].selectbox("Result", list(by_key), format_func=lambda k: caption(by_key[k]),
                               key=f"{prefix}_table_pick")
    cols[1].button("Open", key=f"{prefix}_table_open", on_click=_open, args=(prefix, chosen))


def results_view(prefix: str, store: Store, filters: Filters, sort: str, descending: bool, as_gallery: bool) -> None:
    """The paged gallery or table of the matching results."""
    total = store.count(filters)
    st.caption(f"{total} of {store.count()} results in {store.folder} · sorted by {sort_label(sort)}")
    if not total:
        st.info("No result matches the filters.")
        return
    page = page_picker(prefix, total)
    columns = ["key", "clip_name", "label", "model", "method", "predicted", "confidence", "correct", "seconds",
               "metrics", *(["thumb"] if as_gallery else [])]
    rows = store.query(filters, sort, descending, PAGE_SIZE, page * PAGE_SIZE, columns=columns)
    gallery(prefix, rows) if as_gallery else table(prefix, rows, sort)


@st.cache_resource(show_spinner="Reading the result…", max_entries=16)
def load_result(path: str, mtime_ns: int):
    """An analysis read from its result file (no computation), shared read-only."""
    from engine.pipeline import load_analysis
    from ui.state import freeze

    return freeze(load_analysis(path))


def read_row(store: Store, key: str):
    """(row, analysis) of a stored result, or None when the row or its file is gone.

    Opening a result of the app's own store marks it used (eviction order); other stores are only read.
    """
    row = store.get(key, touch=store.folder == default_results_dir().expanduser().resolve())
    if row is None or not store.result_path(row).is_file():
        return None
    path = store.result_path(row)
    return row, load_result(str(path), path.stat().st_mtime_ns)


def title(row: dict) -> str:
    return f"{Path(row['clip_name']).name} · {row['model']} · {row['method']}"
