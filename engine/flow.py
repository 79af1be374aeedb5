"""Dense optical flow of the frames a model saw, with camera-motion compensation.

Convention (T frames give T-1 flow fields):

* ``Flow.fields[t]`` for ``t >= 1`` is the flow **from frame t-1 to frame t**:
  the motion that arrived at frame t, as pixel displacements ``(dx, dy)`` at the
  resolution the flow was computed at (x to the right, y downwards).
* Frame 0 has no predecessor: it gets a copy of frame 1's field (the nearest
  estimate) and ``Flow.valid[0]`` is False. With a single frame the field is zero
  and marked invalid.

Camera compensation removes the motion the whole frame shares:

* ``"median"``: subtract the per-frame median flow vector (pans, shakes).
* ``"similarity"``: subtract a per-frame similarity field (translation, rotation,
  uniform scale) fitted robustly with RANSAC, which also removes a zoom such as
  KTH's d2 scenario. Falls back to the median when the fit fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import cv2
import numpy as np

from engine.thresholds import otsu_threshold

FLOW_METHODS = MappingProxyType(
    {
        "farneback": "Farnebäck (polynomial expansion)",
        "dis": "DIS (dense inverse search)",
    }
)
CAMERA_MODELS = MappingProxyType(
    {
        "none": "No compensation",
        "median": "Subtract the median flow (pan)",
        "similarity": "Subtract a fitted similarity field (pan + zoom + rotation)",
    }
)


@dataclass(frozen=True, eq=False)
class Flow:
    """Per-frame dense flow of a clip.

    Attributes:
        fields: (T, H, W, 2) float32, (dx, dy) in pixels, frame t-1 -> frame t.
        method: key of FLOW_METHODS used.
        valid: (T,) bool, False where the field is a copy (frame 0).
        camera_model: key of CAMERA_MODELS used ("none" when not compensated).
    """

    fields: np.ndarray
    method: str
    valid: np.ndarray
    camera_model: str = "none"

    @property
    def compensated(self) -> bool:
        """Whether camera motion was subtracted."""
        return self.camera_model != "none"

    @property
    def magnitude(self) -> np.ndarray:
        """(T, H, W) float32 length of each flow vector, in pixels."""
        return flow_magnitude(self.fields)

    @property
    def size(self) -> tuple[int, int]:
        """(height, width) of the fields."""
        return int(self.fields.shape[1]), int(self.fields.shape[2])

    def mass(self) -> np.ndarray:
        """(T,) float64 summed flow magnitude of each frame; NaN where the frame has no flow of its own."""
        return np.where(np.asarray(self.valid, bool), self.magnitude.sum(axis=(1, 2), dtype=np.float64), np.nan)


def flow_magnitude(fields: np.ndarray) -> np.ndarray:
    """(..., H, W, 2) flow -> (..., H, W) float32 vector lengths."""
    return np.sqrt(np.sum(fields.astype(np.float32) ** 2, axis=-1))


def _resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resizes an (H, W[, C]) image to size=(height, width), area filter when shrinking."""
    height, width = size
    if image.shape[:2] == (height, width):
        return image
    shrinking = height < image.shape[0] and width < image.shape[1]
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return cv2.resize(image, (width, height), interpolation=interpolation)


def _to_gray(frames: np.ndarray, size: tuple[int, int] | None) -> list[np.ndarray]:
    """(T, H, W, 3) uint8 RGB (or (T, H, W) gray) -> T (h, w) uint8 gray frames."""
    frames = np.asarray(frames)
    if frames.ndim not in (3, 4) or frames.shape[0] == 0:
        raise ValueError(f"frames must be (T, H, W, 3) or (T, H, W), got {frames.shape}")
    if frames.dtype != np.uint8:
        frames = np.clip(frames, 0, 255).astype(np.uint8)
    gray = []
    for frame in frames:
        if frame.ndim == 3:
            frame = cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2GRAY)
        gray.append(_resize(frame, size) if size is not None else frame)
    return gray


def _farneback_pair(previous: np.ndarray, current: np.ndarray) -> np.ndarray:
    """(H, W) uint8 x2 -> (H, W, 2) float32 flow; parameters suit 64-160 px frames."""
    smaller_side = min(previous.shape)
    levels = 3 if smaller_side >= 64 else 2
    return cv2.calcOpticalFlowFarneback(
        previous, current, None,
        pyr_scale=0.5, levels=levels, winsize=13, iterations=3,
        poly_n=5, poly_sigma=1.1, flags=cv2.OPTFLOW_FARNEBACK_GAUSSIAN,
    )


def _make_dis() -> cv2.DISOpticalFlow:
    """A DIS estimator tuned for small frames: full-resolution finest scale."""
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    dis.setFinestScale(0)
    dis.setPatchSize(8)
    dis.setPatchStride(3)
    return dis


def compute_flow(
    frames: np.ndarray,
    method: str = "farneback",
    size: tuple[int, int] | None = None,
    compensate_camera: bool | str = False,
) -> Flow:
    """Dense flow for every frame of a clip (see the module docstring for the convention).

    Args:
        frames: (T, H, W, 3) uint8 RGB, the frames the model saw (e.g. ``Clip.frames``).
        method: a key of FLOW_METHODS.
        size: optional (height, width) to resize the frames to first.
        compensate_camera: False / "none", True / "median", or "similarity".

    Returns:
        Flow with fields (T, h, w, 2) float32.

    Raises:
        ValueError: unknown method or camera model, or frames of the wrong shape.
    """
    if method not in FLOW_METHODS:
        raise ValueError(f"Unknown flow method {method!r}; choose from {sorted(FLOW_METHODS)}")
    camera_model = _camera_model_name(compensate_camera)
    gray = _to_gray(frames, size)
    height, width = gray[0].shape
    fields = np.zeros((len(gray), height, width, 2), dtype=np.float32)
    dis = _make_dis() if method == "dis" else None
    for t in range(1, len(gray)):
        if dis is not None:
            fields[t] = dis.calc(gray[t - 1], gray[t], None)
        else:
            fields[t] = _farneback_pair(gray[t - 1], gray[t])
    if camera_model != "none":
        fields = subtract_camera_motion(fields, camera_model)
    valid = np.ones(len(gray), dtype=bool)
    valid[0] = False
    if len(gray) > 1:
        fields[0] = fields[1]
    return Flow(fields, method, valid, camera_model)


def _camera_model_name(compensate_camera: bool | str) -> str:
    if compensate_camera is True:
        return "median"
    if compensate_camera is False or compensate_camera is None:
        return "none"
    if compensate_camera not in CAMERA_MODELS:
        raise ValueError(f"Unknown camera model {compensate_camera!r}; choose from {sorted(CAMERA_MODELS)}")
    return str(compensate_camera)


def subtract_camera_motion(fields: np.ndarray, camera_model: str = "median") -> np.ndarray:
    """Removes the motion every pixel shares, frame by frame.

    Args:
        fields: (T, H, W, 2) float32 flow.
        camera_model: "median" or "similarity" (see the module docstring).

    Returns:
        (T, H, W, 2) float32 residual flow.
    """
    residual = np.empty_like(fields, dtype=np.float32)
    for t, field in enumerate(fields):
        camera = _similarity_field(field) if camera_model == "similarity" else None
        if camera is None:
            camera = np.median(field.reshape(-1, 2), axis=0)
        residual[t] = field - camera
    return residual


def _similarity_field(field: np.ndarray, grid_step: int = 4) -> np.ndarray | None:
    """(H, W, 2) flow -> (H, W, 2) fitted similarity motion, or None if the fit fails."""
    height, width = field.shape[:2]
    ys, xs = np.mgrid[0:height:grid_step, 0:width:grid_step]
    source = np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)
    target = source + field[ys.ravel(), xs.ravel()]
    if len(source) < 3:
        return None
    matrix, _ = cv2.estimateAffinePartial2D(source, target, method=cv2.RANSAC, ransacReprojThreshold=1.0)
    if matrix is None:
        return None
    all_ys, all_xs = np.mgrid[0:height, 0:width].astype(np.float32)
    moved_x = matrix[0, 0] * all_xs + matrix[0, 1] * all_ys + matrix[0, 2]
    moved_y = matrix[1, 0] * all_xs + matrix[1, 1] * all_ys + matrix[1, 2]
    return np.stack([moved_x - all_xs, moved_y - all_ys], axis=-1).astype(np.float32)


def motion_masks(magnitude: np.ndarray, min_magnitude: float = 0.2) -> np.ndarray:
    """Where things move: magnitude above one clip-wide Otsu threshold.

    One threshold for the whole clip keeps a still frame empty instead of
    splitting its noise in two. The threshold is at least ``min_magnitude``.

    Args:
        magnitude: (T, H, W) flow magnitude in pixels.
        min_magnitude: smallest speed (pixels per frame) counted as motion.

    Returns:
        (T, H, W) bool.
    """
    magnitude = np.asarray(magnitude, dtype=np.float32)
    threshold = max(otsu_threshold(magnitude), min_magnitude)
    return magnitude > threshold
