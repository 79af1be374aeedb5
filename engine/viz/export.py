"""Files and bytes of pictures and tables: the one PNG encoder, CSV writers, the overlay video."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import cv2
import numpy as np

from engine.errors import UserError
from engine.io.video import write_video


def encode_png(image: np.ndarray, compression: int = 1) -> bytes:
    """(H, W, 3) uint8 RGB (or (H, W) grey) -> PNG bytes."""
    if image.ndim == 3:
        image = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2BGR)
    ok, buffer = cv2.imencode(".png", np.ascontiguousarray(image), [cv2.IMWRITE_PNG_COMPRESSION, compression])
    if not ok:
        raise ValueError("PNG encoding failed")
    return buffer.tobytes()


def write_png(path: str | Path, image: np.ndarray) -> Path:
    """Writes an (H, W, 3) uint8 RGB image as a PNG file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.write_bytes(encode_png(image, compression=3))
    except OSError as exc:
        raise UserError(f"Cannot write {path}: {exc}") from None
    return path


def rows_csv(rows: list[dict]) -> str:
    """Dict rows as CSV text; the columns are the union of the keys, in first-seen order."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, restval="")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_rows_csv(path: str | Path, rows: list[dict]) -> Path:
    """Writes dict rows as a CSV file (see :func:`rows_csv`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(rows_csv(rows).encode())
    return path


def metrics_csv(analysis) -> str:
    """The metrics table of an analysis (:meth:`engine.pipeline.Analysis.frame_table`) as CSV text.

    One schema for the CLI's ``metrics.csv`` and the app's download: one row per frame, then a
    ``clip`` row with the per-clip values.
    """
    return rows_csv(analysis.frame_table())


def overlay_video_bytes(panels: dict[str, np.ndarray], fps: float = 4.0) -> bytes:
    """The overlay panel of every frame as a VP8 ``.webm`` (plays in browsers), via a temporary file."""
    with tempfile.TemporaryDirectory(prefix="vse-video-") as folder:
        return write_video(Path(folder) / "overlay.webm", panels["overlay"], fps=fps).read_bytes()
