"""Videos and frame folders in the data sets' real layouts (BGR frames written with OpenCV), under tmp_path."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

WIDTH, HEIGHT = 64, 48


def blob_frame(index: int, shade: int = 0) -> np.ndarray:
    """(HEIGHT, WIDTH, 3) BGR: a left-to-right ramp and a red square moving right."""
    frame = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    frame[:] = np.linspace(20, 120, WIDTH, dtype=np.uint8)[None, :, None]
    frame[..., 0] = shade
    x = (3 * index) % (WIDTH - 12)
    frame[18:30, x : x + 12] = (0, 0, 255)
    return frame


def write_video(path: Path, n_frames: int = 20, shade: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, (WIDTH, HEIGHT))
    assert writer.isOpened()
    for i in range(n_frames):
        writer.write(blob_frame(i, shade))
    writer.release()
    return path


def write_frame_folder(folder: Path, n_frames: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n_frames):
        cv2.imwrite(str(folder / f"image_{i + 1:05d}.jpg"), blob_frame(i))
    return folder


def write_class_folder(root: Path, per_class: int, classes=("running", "walking"), n_frames: int = 6) -> Path:
    for c, label in enumerate(classes):
        for i in range(per_class):
            write_video(root / label / f"clip{i:02d}.avi", n_frames, shade=40 * c + i)
    return root
