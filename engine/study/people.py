"""Person boxes for real clips: OpenCV's HOG people detector, or boxes stored in a JSON file.

Real footage has no ground-truth person masks, so the study asks how much saliency falls inside
boxes around the people. The boxes come from one of:

* ``boxes.json`` beside the clips (drawn once by hand, or by any detector)::

      {"walking/clip.mp4": {"12": [[x, y, w, h], ...], "14": [...]}, ...}

  keys are clip paths relative to the clip folder, then source frame indices, then boxes in
  source pixels (x, y of the top-left corner, width, height);
* OpenCV's HOG people detector (``cv2.HOGDescriptor_getDefaultPeopleDetector``, Dalal & Triggs
  2005), run on each frame of the window, read at full resolution and enlarged to at least
  ``DETECT_HEIGHT`` pixels high (its window is 64x128: smaller people are not found).

A frame with no box of its own takes the boxes of the nearest frame of the window that has some
(people move little between frames a window apart); a window with no box at all has empty masks.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

DETECT_HEIGHT = 720
BOXES_FILE = "boxes.json"


def load_stored_boxes(folder: str | Path) -> dict[str, dict[int, list[list[float]]]]:
    """``folder/boxes.json`` as {clip path relative to folder: {frame index: boxes}}; {} when absent."""
    path = Path(folder) / BOXES_FILE
    if not path.is_file():
        return {}
    from engine.errors import UserError

    try:
        raw = json.loads(path.read_text())
        return {clip: {int(k): [list(map(float, b)) for b in boxes] for k, boxes in frames.items()}
                for clip, frames in raw.items()}
    except (ValueError, TypeError, AttributeError) as exc:
        raise UserError(f"{path}: expected {{clip: {{frame index: [[x, y, w, h], ...]}}}}: {exc}") from None


def detect_people(frame: np.ndarray, detector: cv2.HOGDescriptor | None = None) -> list[list[float]]:
    """HOG person boxes in one frame.

    Args:
        frame: (H, W, 3) uint8 RGB.
        detector: a HOG descriptor with the default people SVM (made when None).

    Returns:
        boxes [x, y, w, h] in the frame's pixels.
    """
    if detector is None:
        detector = people_detector()
    scale = max(1.0, DETECT_HEIGHT / frame.shape[0])
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    if scale > 1.0:
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
    rects, _ = detector.detectMultiScale(grey, winStride=(8, 8), padding=(8, 8), scale=1.05)
    return [[float(v) / scale for v in r] for r in np.asarray(rects).reshape(-1, 4)]


def people_detector() -> cv2.HOGDescriptor:
    """OpenCV's HOG descriptor with its default people SVM."""
    detector = cv2.HOGDescriptor()
    detector.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
    return detector


def fill_from_nearest(per_frame: list[list[list[float]]]) -> list[list[list[float]]]:
    """Each frame's boxes; a frame without any takes the nearest frame's (earlier on a tie)."""
    having = [t for t, boxes in enumerate(per_frame) if boxes]
    if not having:
        return per_frame
    return [boxes if boxes else per_frame[min(having, key=lambda s: (abs(s - t), s))]
            for t, boxes in enumerate(per_frame)]


def box_masks(boxes: list[list[list[float]]], size: tuple[int, int],
              scale: tuple[float, float] = (1.0, 1.0)) -> np.ndarray:
    """(T, H, W) bool masks covering each frame's boxes.

    Args:
        boxes: per frame, boxes [x, y, w, h].
        size: (H, W) of the masks.
        scale: (sx, sy) from the boxes' pixels to the masks' pixels.
    """
    height, width = size
    masks = np.zeros((len(boxes), height, width), dtype=bool)
    for t, frame_boxes in enumerate(boxes):
        for x, y, w, h in frame_boxes:
            x0, y0 = int(max(0, np.floor(x * scale[0]))), int(max(0, np.floor(y * scale[1])))
            x1, y1 = int(min(width, np.ceil((x + w) * scale[0]))), int(min(height, np.ceil((y + h) * scale[1])))
            masks[t, y0:y1, x0:x1] = True
    return masks


def window_person_masks(path: str, indices: np.ndarray, size: tuple[int, int],
                        stored: dict[int, list[list[float]]] | None = None) -> tuple[np.ndarray, str]:
    """Person masks for a window's frames, and where the boxes came from ("stored" or "hog").

    Args:
        path: the video.
        indices: (T,) source frames of the window.
        size: (H, W) of the masks (the clip's display frames).
        stored: this clip's stored boxes {frame index: boxes in source pixels}, or None to detect.
    """
    from engine.io.video import probe_video, read_frames

    info = probe_video(path)
    scale = (size[1] / info.width, size[0] / info.height)
    if stored:
        per_frame = [stored.get(int(i), []) for i in indices]
        return box_masks(fill_from_nearest(per_frame), size, scale), "stored"
    detector = people_detector()
    frames = read_frames(path, indices, max_side=None)
    per_frame = [detect_people(f, detector) for f in frames]
    full = (size[1] / frames.shape[2], size[0] / frames.shape[1])
    return box_masks(fill_from_nearest(per_frame), size, full), "hog"
