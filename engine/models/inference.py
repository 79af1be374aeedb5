"""Classification of clips, sliding windows over long videos, and dataset evaluation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from engine.models.checkpoint import LoadedModel
from engine.io.tensors import clip_to_tensor, frames_to_tensor
from engine.io.video import Clip, iter_windows, probe_video, read_clip
from engine.evaluation.motion import NO_MOTION, Motion, window_motion


@dataclass
class Prediction:
    """Class probabilities of one clip or window, and how much of it moves.

    Attributes:
        probabilities: (C,) softmax probabilities.
        classes: the C class names.
        indices: (T,) source frames the model saw.
        fps: source frames per second.
        motion: the window's moving share and abstain rule; None when not measured.
    """

    probabilities: np.ndarray
    classes: list[str]
    indices: np.ndarray
    fps: float
    motion: Motion | None = None

    @property
    def abstained(self) -> bool:
        """True when the motion was measured and nobody moves."""
        return self.motion is not None and self.motion.abstained

    @property
    def label(self) -> str:
        """The class with the highest probability, or "no motion" when the window abstains."""
        return NO_MOTION if self.abstained else self.classes[int(np.argmax(self.probabilities))]

    def as_dict(self) -> dict:
        out = {
            "label": self.label,
            "probabilities": {c: round(float(p), 6) for c, p in zip(self.classes, self.probabilities, strict=True)},
            "start_s": round(float(self.indices[0]) / self.fps, 3),
            "end_s": round(float(self.indices[-1]) / self.fps, 3),
            "frames": [int(self.indices[0]), int(self.indices[-1])],
        }
        if self.motion is not None:
            out |= self.motion.as_dict() | {"motion": self.motion.describe()}
        return out


def classify_clip(loaded: LoadedModel, clip: Clip, motion_threshold: float | None = None) -> Prediction:
    """Probabilities of one sampled clip; with ``motion_threshold``, also its motion (and abstain)."""
    x = clip_to_tensor(clip, loaded.meta.input_spec)
    step = loaded.meta.input_spec.frame_step
    motion = window_motion(clip.frames, motion_threshold, step) if motion_threshold is not None else None
    return Prediction(loaded.predict(x)[0].numpy(), loaded.meta.classes, clip.indices, clip.fps, motion)


def classify_file(loaded: LoadedModel, path: str, motion_threshold: float | None = None) -> Prediction:
    """Reads T frames of a video (``frame_step`` apart, centred) and classifies them (see :func:`classify_clip`)."""
    spec = loaded.meta.input_spec
    return classify_clip(loaded, read_clip(path, spec.num_frames, frame_step=spec.frame_step), motion_threshold)


def classify_windows(loaded: LoadedModel, path: str, window_s: float = 3.2, stride_s: float = 1.0,
                     batch_size: int = 8, motion_threshold: float | None = None) -> list[Prediction]:
    """Labels per window over a long video (streamed; bounded memory).

    Each window holds T frames every ``frame_step`` source frames, the model's own
    time scale; for models without one (``frame_step`` 0) a window spans ``window_s``
    seconds. Windows start every ``stride_s`` seconds. With ``motion_threshold`` each
    window's motion is measured too, and a window where nobody moves abstains.
    """
    info = probe_video(path)
    spec = loaded.meta.input_spec
    step = spec.frame_step or max(1, round(window_s * info.fps / spec.num_frames))
    stride = max(1, round(stride_s * info.fps))
    out, pending = [], []
    for indices, frames in iter_windows(path, spec.num_frames, step, stride, max_side=max(spec.height, spec.width) * 2):
        motion = window_motion(frames, motion_threshold, step) if motion_threshold is not None else None
        pending.append((indices, frames_to_tensor(frames, spec), motion))
        if len(pending) == batch_size:
            out.extend(_predict_batch(loaded, pending, info.fps))
            pending = []
    if pending:
        out.extend(_predict_batch(loaded, pending, info.fps))
    if not out:
        from engine.io.video import VideoError

        raise VideoError(f"{path} is shorter than one window ({window_s:.1f} s).")
    return out


def _predict_batch(loaded: LoadedModel, pending: list, fps: float) -> list[Prediction]:
    probs = loaded.predict(torch.stack([x for _, x, _ in pending])).numpy()
    return [Prediction(p, loaded.meta.classes, idx, fps, motion)
            for (idx, _, motion), p in zip(pending, probs, strict=True)]


def evaluate_records(loaded: LoadedModel, records: Sequence, classes: Sequence[str], batch_size: int = 16,
                     on_progress: Callable[[int, int], None] | None = None) -> dict:
    """Accuracy, per-class precision/recall and the confusion matrix over dataset records.

    Rows of the confusion matrix are true classes, columns predicted classes, in ``classes`` order
    (which must be the checkpoint's classes).
    """
    from engine.data import ClipDataset

    model_classes = loaded.meta.classes
    missing = sorted(set(classes) - set(model_classes))
    if missing:
        from engine.errors import UserError

        raise UserError(f"The model knows {', '.join(model_classes)}; the data has {', '.join(missing)} too.")
    dataset = ClipDataset(records, model_classes, loaded.meta.input_spec, train=False)
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size)
    confusion = np.zeros((len(model_classes), len(model_classes)), dtype=np.int64)
    done = 0
    for x, y in loader:
        pred = loaded.predict(x).argmax(1).numpy()
        np.add.at(confusion, (y.numpy(), pred), 1)
        done += len(y)
        if on_progress:
            on_progress(done, len(dataset))
    return summarise_confusion(confusion, list(model_classes))


def summarise_confusion(confusion: np.ndarray, classes: list[str]) -> dict:
    """Accuracy and per-class precision/recall from a confusion matrix (rows true, columns predicted)."""
    total = confusion.sum()
    tp = np.diag(confusion).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = tp / confusion.sum(axis=0)
        recall = tp / confusion.sum(axis=1)
    return {
        "accuracy": float(tp.sum() / total) if total else float("nan"),
        "count": int(total),
        "classes": classes,
        "precision": dict(zip(classes, precision.tolist(), strict=True)),
        "recall": dict(zip(classes, recall.tolist(), strict=True)),
        "confusion": confusion.tolist(),
    }
