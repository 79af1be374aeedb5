"""Classification of clips, sliding windows over long videos, and dataset evaluation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from engine.models.checkpoint import LoadedModel
from engine.io.tensors import clip_to_tensor, frames_to_tensor
from engine.io.video import Clip, iter_windows, probe_video, read_clip


@dataclass
class Prediction:
    """Class probabilities of one clip or window."""

    probabilities: np.ndarray
    classes: list[str]
    indices: np.ndarray
    fps: float

    @property
    def label(self) -> str:
        return self.classes[int(np.argmax(self.probabilities))]

    def as_dict(self) -> dict:
        return {
            "label": self.label,
            "probabilities": {c: round(float(p), 6) for c, p in zip(self.classes, self.probabilities, strict=True)},
            "start_s": round(float(self.indices[0]) / self.fps, 3),
            "end_s": round(float(self.indices[-1]) / self.fps, 3),
            "frames": [int(self.indices[0]), int(self.indices[-1])],
        }


def classify_clip(loaded: LoadedModel, clip: Clip) -> Prediction:
    """Probabilities of one sampled clip."""
    x = clip_to_tensor(clip, loaded.meta.input_spec)
    return Prediction(loaded.predict(x)[0].numpy(), loaded.meta.classes, clip.indices, clip.fps)


def classify_file(loaded: LoadedModel, path: str) -> Prediction:
    """Reads T uniformly spaced frames of a video and classifies them."""
    return classify_clip(loaded, read_clip(path, loaded.meta.input_spec.num_frames,
                                              frame_step=loaded.meta.input_spec.frame_step))


def classify_windows(loaded: LoadedModel, path: str, window_s: float = 3.2, stride_s: float = 1.0,
                     batch_size: int = 8) -> list[Prediction]:
    """Labels per window over a long video (streamed; bounded memory).

    Each window holds T frames every ``frame_step`` source frames, the model's own
    time scale; for models without one (``frame_step`` 0) a window spans ``window_s``
    seconds. Windows start every ``stride_s`` seconds.
    """
    info = probe_video(path)
    spec = loaded.meta.input_spec
    step = spec.frame_step or max(1, round(window_s * info.fps / spec.num_frames))
    stride = max(1, round(stride_s * info.fps))
    out, pending = [], []
    for indices, frames in iter_windows(path, spec.num_frames, step, stride, max_side=max(spec.height, spec.width) * 2):
        pending.append((indices, frames_to_tensor(frames, spec)))
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
    probs = loaded.predict(torch.stack([x for _, x in pending])).numpy()
    return [Prediction(p, loaded.meta.classes, idx, fps) for (idx, _), p in zip(pending, probs, strict=True)]


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
