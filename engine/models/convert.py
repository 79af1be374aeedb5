"""What a checkpoint file holds, and turning a foreign one into a project checkpoint.

``inspect_checkpoint`` reads any checkpoint (ours, a reference cnn-lstm file, a plain state
dict) with weights only and says what it is; ``convert_checkpoint`` writes a recognised
foreign file as a project checkpoint with full metadata, which every later step (app,
study, batch) then takes directly.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

from engine.models import get_model
from engine.models.checkpoint import FORMAT, CheckpointError, CheckpointMeta, load_checkpoint, read_payload, save_checkpoint
from engine.models.foreign import Recognised
from engine.models.foreign_checkpoint import ForeignSettings, NeedsSettings, recognise_payload


@dataclass
class CheckpointInfo:
    """A summary of one checkpoint file.

    Attributes:
        path: the file.
        size_bytes: its size.
        format: ``project`` (our metadata) or ``foreign`` (recognised by its keys).
        wrapper: how the weights are stored (e.g. "a training checkpoint (epoch 4)").
        architecture: one line naming the architecture.
        classes: the stored class names (empty for foreign files).
        num_classes: K, from the weights.
        parameters: trainable parameter count.
        meta: our metadata (project files) or None.
        recognised: the recognised layout (foreign files) or None.
    """

    path: str
    size_bytes: int
    format: str
    wrapper: str
    architecture: str
    classes: list[str]
    num_classes: int
    parameters: int
    meta: CheckpointMeta | None = None
    recognised: Recognised | None = None

    def lines(self) -> list[str]:
        """Human-readable ``field: value`` lines (the ``inspect`` command's output)."""
        rows = [("file", f"{self.path} ({self.size_bytes / 1e6:.1f} MB)"), ("format", f"{self.format}: {self.wrapper}"),
                ("architecture", self.architecture), ("parameters", f"{self.parameters:,}")]
        if self.classes:
            shown = self.classes[:8] + ([f"... ({len(self.classes)} classes)"] if len(self.classes) > 8 else [])
            rows.append(("classes", ", ".join(shown)))
        else:
            rows.append(("classes", f"not stored: give its {self.num_classes} class names in output order "
                                    f"(--classes {' '.join(f'NAME{i + 1}' for i in range(self.num_classes))})"))
        if self.meta is not None:
            s = self.meta.input_spec
            rows.append(("input", f"{s.num_frames} frames at {s.height}x{s.width}, {'RGB' if s.channels == 3 else 'gray'}, "
                                  f"pixels in [0, {s.pixel_scale:g}], mean {list(s.mean)}, std {list(s.std)}"))
            rows.extend((label, self.meta.training[key]) for key, label in (("note", "note"), ("converted_from", "from"))
                        if self.meta.training.get(key))
        if self.recognised is not None:
            rows.append(("defaults", f"input preset {self.recognised.preset} (--arch)"))
            rows.extend(("note", note) for note in self.recognised.notes)
        return [f"{name + ':':<14}{value}" for name, value in rows]


def _parameters(recognised: Recognised) -> int:
    return sum(p.numel() for p in get_model(recognised.model_name, **recognised.config).parameters())


def inspect_checkpoint(path: str | os.PathLike, model: str | None = None) -> CheckpointInfo:
    """Says what a checkpoint file holds, without needing its class names.

    Raises:
        CheckpointError: unreadable, unsafe, or in no known layout (the message lists what was found).
    """
    path = str(path)
    size = os.path.getsize(path) if os.path.isfile(path) else 0
    payload = read_payload(path)
    if payload.get("format") == FORMAT:
        loaded = load_checkpoint(path)
        meta = loaded.meta
        params = sum(p.numel() for p in loaded.model.parameters())
        config = ", ".join(f"{k}={v}" for k, v in meta.model_config.items())
        return CheckpointInfo(path, size, "project", FORMAT, f"{meta.model_name} ({config})", list(meta.classes),
                              len(meta.classes), params, meta=meta)
    recognised, wrapper = recognise_payload(payload, os.path.basename(path), model)
    return CheckpointInfo(path, size, "foreign", wrapper, recognised.summary(), list(recognised.default_classes),
                          recognised.num_classes, _parameters(recognised), recognised=recognised)


def convert_checkpoint(source: str | os.PathLike, out: str | os.PathLike, settings: ForeignSettings) -> CheckpointMeta:
    """Writes a recognised foreign checkpoint as a project checkpoint with full metadata.

    Raises:
        NeedsSettings: class names missing or of the wrong count.
        CheckpointError: unreadable or unknown file, or ``out`` equal to ``source``.
    """
    if Path(out).resolve() == Path(source).resolve():
        raise CheckpointError("--out must be a new file, not the checkpoint being converted.")
    loaded = load_checkpoint(source, foreign=settings)
    meta = converted_meta(loaded.meta, os.path.basename(str(source)))
    save_checkpoint(out, loaded.model, meta)
    return meta


def converted_meta(meta: CheckpointMeta, source_name: str) -> CheckpointMeta:
    """A copy of a foreign checkpoint's metadata that records the file it was converted from.

    A project checkpoint with ``training["converted_from"]`` loads with no form, and the app
    says what it is instead of offering to convert it again.
    """
    training = {**meta.training, "converted_from": source_name, "source_sha256": meta.sha256}
    return dataclasses.replace(meta, training=training)


__all__ = ["CheckpointInfo", "NeedsSettings", "convert_checkpoint", "converted_meta", "inspect_checkpoint"]
