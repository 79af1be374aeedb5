"""``python -m engine results STORE``: list, export or remove the results of a result store.

List (filters combine; one line per result)::

    python -m engine results results/ --class running --method gradient --wrong

Export every matching result as one CSV row (every metric its own column)::

    python -m engine results results/ --csv results.csv

Remove a model's or a method's results (files inside the store too), after a question::

    python -m engine results results/ --remove --method occlusion
"""

from __future__ import annotations

import argparse
import json

from engine.errors import UserError

HELP = "List, filter, export (--csv) or remove (--remove) the results of a result store (see docs/store.md)."
SHOWN = ("clip_name", "label", "model", "method", "predicted", "confidence", "correct", "seconds")
CSV_SKIP = ("thumb", "curve", "small_map", "metrics")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("store", help="a result store folder (holding index.sqlite)")
    p.add_argument("--class", dest="labels", action="append", default=[], metavar="CLASS",
                   help="only clips of this true class (repeatable)")
    p.add_argument("--predicted", action="append", default=[], metavar="CLASS", help="only this prediction")
    p.add_argument("--model", dest="models", action="append", default=[], metavar="NAME",
                   help="only this model (the checkpoint file's stem; repeatable)")
    p.add_argument("--method", dest="methods", action="append", default=[], metavar="NAME",
                   help="only this method (repeatable)")
    right = p.add_mutually_exclusive_group()
    right.add_argument("--correct", dest="correct", action="store_const", const=True, help="only right predictions")
    right.add_argument("--wrong", dest="correct", action="store_const", const=False, help="only wrong predictions")
    p.add_argument("--sort", default="created", help="created, confidence, seconds, label, model, method, or "
                                                     "metric:NAME (e.g. metric:flow.pearson)")
    p.add_argument("--ascending", action="store_true", help="smallest first (default: largest first)")
    p.add_argument("--limit", type=int, help="at most this many rows")
    p.add_argument("--csv", metavar="FILE", help="write the matching results to a CSV file (one row per result)")
    p.add_argument("--remove", action="store_true", help="remove the matching results (needs --model or --method)")
    p.add_argument("--yes", action="store_true", help="--remove without asking")


def main(args: argparse.Namespace) -> int:
    from engine.store import Filters, Store

    try:
        store = Store(args.store, create=False)
    except (FileNotFoundError, ValueError) as exc:
        raise UserError(str(exc)) from None
    filters = Filters(tuple(args.labels), tuple(args.predicted), tuple(args.models), tuple(args.methods),
                      args.correct)
    if args.remove:
        return remove(store, filters, args.yes)
    if args.sort.startswith("metric:") and args.sort[len("metric:"):] not in (names := store.metric_names()):
        raise UserError(f"No result holds metric {args.sort[len('metric:'):]!r}; the store's metrics: "
                        f"{', '.join(names)}.")
    try:
        rows = store.query(filters, args.sort, not args.ascending, args.limit, columns=[*SHOWN, "metrics", "key",
                                                                                         *export_columns()])
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if args.csv:
        from engine.viz.export import write_rows_csv

        path = write_rows_csv(args.csv, [csv_row(r) for r in rows])
        print(f"wrote {len(rows)} rows to {path}")
        return 0
    print_rows(rows)
    print(f"{len(rows)} of {store.count()} results")
    return 0


def export_columns() -> list[str]:
    from engine.store.index import COLUMNS

    return [c for c in COLUMNS if c not in CSV_SKIP]


def csv_row(row: dict) -> dict:
    """A row for the CSV: the index columns, then every metric as ``metric.<name>``."""
    metrics = json.loads(row.get("metrics") or "{}")
    return {c: row[c] for c in export_columns()} | {f"metric.{k}": v for k, v in sorted(metrics.items())}


def print_rows(rows: list[dict]) -> None:
    """One aligned line per result: the shown columns and the command line's shown metrics."""
    from engine.evaluation.catalog import shown_metrics

    names = [m for m in shown_metrics("cli")]
    table = [[_cell(r[c]) for c in SHOWN] + [_cell(json.loads(r["metrics"] or "{}").get(m)) for m in names]
             for r in rows]
    header = list(SHOWN) + names
    widths = [max(len(h), *(len(line[i]) for line in table)) if table else len(h) for i, h in enumerate(header)]
    for line in [header, *table]:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def remove(store, filters, yes: bool) -> int:
    """Removes a model's or a method's results after asking (``yes``: without asking)."""
    if not (filters.models or filters.methods):
        raise UserError("--remove removes a model's or a method's results: give --model or --method.")
    count = store.count(filters)
    if count == 0:
        print("no matching results")
        return 0
    if not yes:
        try:
            answer = input(f"Remove {count} results (and their files inside {store.folder})? [y/N] ")
        except EOFError:  # no terminal and nothing piped in: the answer is no
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing removed")
            return 1
    print(f"removed {store.remove(filters)} results")
    return 0
