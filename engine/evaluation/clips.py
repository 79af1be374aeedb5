"""Whole-clip evaluation: every window of every clip classified, one verdict per clip.

A clip's windows are the model's own (T frames every ``frame_step`` source frames, half a
window apart: :func:`engine.timeline.predict_windows`, the app's timeline pass), and one more
that ends at the clip's last frame when that grid leaves at least half a stride of frames after
its last window (a 40-frame clip and a 31-frame window: windows at frames 0 and 9). The clip's
**verdict** is the class with the highest **mean probability over its windows where someone
moves**; windows where nobody moves abstain (:mod:`engine.evaluation.motion`) and are left out
of the mean. A clip whose windows all abstain gets the verdict "no motion" (a wrong answer
for a clip of walking or running). A clip too short for one window, or unreadable, is listed
with a note and left out of the scores.

A model without a time scale of its own (``frame_step`` 0) sees T frames spread over the whole
clip (:func:`engine.models.inference.classify_file`): one window per clip.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.errors import UserError
from engine.evaluation.motion import NO_MOTION
from engine.io.video import VideoError

TOO_SHORT = "too short"
UNREADABLE = "unreadable"
VERDICT_RULE = ("each clip's verdict is the class with the highest mean probability over its windows where someone "
                "moves (windows where nobody moves abstain and are left out of the mean); a clip whose windows all "
                "abstain is called \"no motion\" and counts as wrong")


@dataclass
class ClipVerdict:
    """One clip's windows and the verdict drawn from them.

    Attributes:
        clip: the video file.
        true_class: its class in the data set.
        verdict: a class name, "no motion", "too short" or "unreadable".
        mean_probabilities: {class: mean probability over the windows used}; empty when none.
        windows: windows classified.
        abstained: windows where nobody moved.
        note: why the clip has no class verdict, when it has none.
        window_probabilities: (W, C) every window's probabilities.
        moving_share: (W,) every window's moving share (empty when not measured).
        starts: (W,) every window's first source frame.
    """

    clip: str
    true_class: str
    verdict: str
    mean_probabilities: dict[str, float] = field(default_factory=dict)
    windows: int = 0
    abstained: int = 0
    note: str = ""
    window_probabilities: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    moving_share: np.ndarray = field(default_factory=lambda: np.zeros(0))
    starts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def scored(self) -> bool:
        """True when the clip counts in the scores (it had at least one window)."""
        return self.verdict not in (TOO_SHORT, UNREADABLE)

    @property
    def correct(self) -> bool:
        return self.verdict == self.true_class

    def row(self, classes: Sequence[str]) -> dict:
        """The clip's table row: clip, true class, verdict, mean probabilities, windows used/abstained, note."""
        out = {"clip": self.clip, "true_class": self.true_class, "verdict": self.verdict,
               "correct": self.correct if self.scored else ""}
        for name in classes:
            value = self.mean_probabilities.get(name)
            out[f"mean_p({name})"] = "" if value is None else round(value, 4)
        used = self.windows - self.abstained
        out |= {"windows": self.windows, "windows_used": used, "windows_abstained": self.abstained, "note": self.note}
        return out


def clip_verdict(probabilities: np.ndarray, abstained: np.ndarray, classes: Sequence[str]) -> tuple[str, dict]:
    """(verdict, mean probabilities) from a clip's windows.

    Args:
        probabilities: (W, C) window probabilities.
        abstained: (W,) bool, windows where nobody moves.
        classes: the C class names.

    Returns:
        the class of highest mean probability over the windows that did not abstain, with
        {class: mean}; ("no motion", {}) when every window abstained.
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    kept = ~np.asarray(abstained, dtype=bool)
    if not kept.any():
        return NO_MOTION, {}
    mean = probabilities[kept].mean(axis=0)
    return classes[int(np.argmax(mean))], {name: float(p) for name, p in zip(classes, mean, strict=True)}


def evaluate_clip(loaded, path: str, true_class: str, motion_threshold: float,
                  segment: tuple[int, int | None] = (0, None)) -> ClipVerdict:
    """Classifies every window of one clip and draws its verdict (see the module docstring)."""
    from engine.io.video import probe_video
    from engine.models.inference import classify_file
    from engine.timeline import predict_windows, window_span

    spec = loaded.meta.input_spec
    needed = window_span(loaded) if spec.frame_step > 0 else spec.num_frames
    too_short = ClipVerdict(path, true_class, TOO_SHORT, note=f"shorter than one window ({needed} frames)")
    try:
        available = min(probe_video(path).frame_count, segment[1] or 2**62) - segment[0]
        if available < needed:
            return too_short
        if spec.frame_step <= 0:
            pred = classify_file(loaded, path, motion_threshold=motion_threshold)
            probs, shares = pred.probabilities[None], np.array([pred.motion.moving_share])
            starts = pred.indices[:1]
        else:
            line = predict_windows(loaded, path, motion_threshold=motion_threshold, segment=segment, cover_tail=True)
            probs, shares, starts = line.probabilities, line.moving_share, line.starts
    except VideoError as exc:  # a frame count in the header above the frames really there, or a broken file
        return too_short if "shorter than" in str(exc) else ClipVerdict(path, true_class, UNREADABLE, note=str(exc))
    abstained = shares < motion_threshold
    verdict, mean = clip_verdict(probs, abstained, list(loaded.meta.classes))
    return ClipVerdict(path, true_class, verdict, mean, len(probs), int(abstained.sum()), "", probs, shares,
                       np.asarray(starts, dtype=np.int64))


def evaluate_clips(loaded, records: Sequence, motion_threshold: float,
                   on_clip: Callable[[ClipVerdict], None] | None = None) -> list[ClipVerdict]:
    """Every record's :class:`ClipVerdict` (records: :class:`engine.data.records.ClipRecord` of video files).

    Raises:
        UserError: a class of the data the model does not know, or a record that is not a video file.
    """
    from pathlib import Path

    known = set(loaded.meta.classes)
    missing = sorted({r.label for r in records} - known)
    if missing:
        raise UserError(f"The model knows {', '.join(loaded.meta.classes)}; the data has {', '.join(missing)} too.")
    out = []
    for record in records:
        if Path(record.source).is_dir():
            raise UserError(f"{record.source} is a folder of frames; whole-clip evaluation reads video files.")
        verdict = evaluate_clip(loaded, record.source, record.label, motion_threshold, (record.start, record.stop))
        out.append(verdict)
        if on_clip:
            on_clip(verdict)
    return out


def balanced_accuracy(confusion: np.ndarray) -> float:
    """Mean per-class recall over the classes that have clips (rows: true classes).

    Args:
        confusion: (K, M) counts, rows true classes, the first K columns the same classes
            in the same order (further columns: answers that are no class, e.g. "no motion").
    """
    confusion = np.asarray(confusion, dtype=np.float64)
    totals = confusion.sum(axis=1)
    present = totals > 0
    if not present.any():
        return float("nan")
    recall = np.diag(confusion[:, : confusion.shape[0]]) / np.where(present, totals, 1)
    return float(recall[present].mean())


def summarise_verdicts(verdicts: Sequence[ClipVerdict], classes: Sequence[str],
                       model_classes: Sequence[str] = ()) -> dict:
    """Per-class recall, balanced accuracy, accuracy and the confusion matrix of the scored clips.

    Args:
        verdicts: the clips' verdicts.
        classes: the data set's classes (the confusion matrix's rows, in this order).
        model_classes: the model's classes; those outside ``classes`` get columns too.

    Returns:
        a dict; its confusion matrix has rows ``classes`` (true) and columns ``classes``, the
        model's other classes, then "no motion" (verdict); verdicts are counted only for scored clips.
    """
    classes = list(classes)
    columns = [*classes, *(c for c in model_classes if c not in classes), NO_MOTION]
    confusion = np.zeros((len(classes), len(columns)), dtype=np.int64)
    for v in verdicts:
        if v.scored:
            confusion[classes.index(v.true_class), columns.index(v.verdict)] += 1
    totals = confusion.sum(axis=1)
    scored = int(totals.sum())
    recall = {c: (float(confusion[i, i] / totals[i]) if totals[i] else None) for i, c in enumerate(classes)}
    return {
        "clips": len(verdicts), "scored": scored, "not_scored": len(verdicts) - scored,
        "accuracy": float(np.trace(confusion[:, : len(classes)]) / scored) if scored else float("nan"),
        "balanced_accuracy": balanced_accuracy(confusion), "recall": recall,
        "clips_per_class": dict(zip(classes, totals.tolist(), strict=True)),
        "classes": classes, "columns": columns, "confusion": confusion.tolist(),
        "windows": int(sum(v.windows for v in verdicts)), "windows_abstained": int(sum(v.abstained for v in verdicts)),
        "verdict_rule": VERDICT_RULE,
    }
