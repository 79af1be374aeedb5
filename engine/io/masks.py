"""Ground-truth masks of a clip: the ``.masks.npz`` sidecar beside a video, and resizing masks."""

from __future__ import annotations

import json
import os
from pathlib import Path

import cv2
import numpy as np


def mask_sidecar_path(video_path: str | os.PathLike) -> Path:
    """Where a synthetic clip keeps its masks: ``<stem>.masks.npz`` beside the video."""
    p = Path(video_path)
    return p.with_name(p.stem + ".masks.npz")


def load_sidecar(video_path: str | os.PathLike) -> tuple[np.ndarray | None, dict]:
    """Returns ((N, H, W) bool masks for every source frame, metadata), or (None, {})."""
    side = mask_sidecar_path(video_path)
    if not side.is_file():
        return None, {}
    with np.load(side, allow_pickle=False) as z:
        masks = z["masks"].astype(bool)
        meta = json.loads(str(z["meta"])) if "meta" in z.files else {}
    return masks, meta


def resize_masks(masks: np.ndarray, height: int, width: int) -> np.ndarray:
    """(T, H, W) bool -> (T, height, width) bool, nearest neighbour."""
    return np.stack(
        [cv2.resize(m.astype(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST) > 0 for m in masks]
    )
