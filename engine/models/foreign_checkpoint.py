"""Checkpoints without the project's metadata: what the user must state, and reading them.

A file recognised by its keys (:mod:`engine.models.foreign`) loads once the user gives
its class names (:class:`ForeignSettings`); until then loading raises :class:`NeedsSettings`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from engine.io.tensors import PRESETS, InputSpec, normalised_spec
from engine.models.checkpoint_meta import CheckpointError, CheckpointMeta
from engine.models.foreign import Recognised, describe_keys, known_layouts_text, recognise, recognise_as


@dataclass(frozen=True)
class ForeignSettings:
    """What a checkpoint without the project's metadata cannot tell; the user states it.

    Attributes:
        classes: class names in the model's output order (required).
        preset: input preset from ``engine.io.tensors.PRESETS``; default: the one of the
            repository whose layout was recognised.
        num_frames: T, where it differs from the preset's.
        size: input height and width, where it differs from the preset's.
        normalise: a name from ``engine.io.tensors.NORMALISATIONS``, where it differs.
        frame_step: source frames between sampled frames, where it differs from the preset's.
        model: a registered model whose bare state dict the file holds (e.g. a torchvision video
            model's published weights), for files in no recognised layout.
    """

    classes: tuple[str, ...] = ()
    preset: str | None = None
    num_frames: int | None = None
    size: int | None = None
    normalise: str | None = None
    frame_step: int | None = None
    model: str | None = None

    def input_spec(self, recognised: Recognised) -> InputSpec:
        """The input spec: the preset's values, overridden by those given."""
        name = self.preset or recognised.preset
        if name not in PRESETS:
            raise CheckpointError(f"Unknown architecture preset {name!r}; choose one of: {', '.join(PRESETS)}.")
        preset = PRESETS[name]
        try:
            return normalised_spec(self.num_frames or preset["num_frames"], self.size or preset["size"],
                                   recognised.config["in_channels"],
                                   preset["frame_step"] if self.frame_step is None else self.frame_step,
                                   self.normalise or preset["normalise"])
        except ValueError as exc:
            raise CheckpointError(str(exc)) from None


class NeedsSettings(CheckpointError):
    """A recognised foreign checkpoint that needs its class names before it can load."""

    def __init__(self, message: str, recognised: Recognised):
        super().__init__(message)
        self.recognised = recognised


def foreign_state(payload: dict) -> tuple[dict, str] | None:
    """(state dict, wrapper description) of a file without our metadata, or None if it holds none."""
    if isinstance(payload.get("state_dict"), dict):
        return payload["state_dict"], f"a training checkpoint (epoch {payload.get('epoch', '?')})"
    if payload and all(isinstance(v, torch.Tensor) for v in payload.values()):
        return payload, "a plain state dict"
    return None


def recognise_payload(payload: dict, name: str, model: str | None = None) -> tuple[Recognised, str]:
    """Recognises a foreign payload's layout (or loads it as ``model``), else a CheckpointError saying what was found."""
    found = foreign_state(payload)
    if found is None:
        raise CheckpointError(f"{name} is a PyTorch file but not a model checkpoint (no state_dict; "
                              f"keys: {', '.join(map(str, list(payload)[:8]))}).")
    state, wrapper = found
    if model:
        try:
            return recognise_as(state, model), wrapper
        except ValueError as exc:
            raise CheckpointError(f"{name} is {wrapper} that does not fit {model}: {exc}") from None
    recognised = recognise(state)
    if recognised is None:
        raise CheckpointError(f"{name} is {wrapper} but not a model checkpoint in any layout this tool knows. "
                              f"Found: {describe_keys(state)}.\n"
                              f"Known layouts:\n{known_layouts_text()}")
    return recognised, wrapper


def foreign_meta(payload: dict, name: str, path: str, settings: ForeignSettings | None) -> tuple[CheckpointMeta, dict]:
    recognised, wrapper = recognise_payload(payload, name, settings.model if settings else None)
    classes = [str(c) for c in (settings.classes if settings else ())] or list(recognised.default_classes)
    if len(classes) != recognised.num_classes:
        given = f"{len(classes)} class names were given" if classes else "no class names were given"
        raise NeedsSettings(
            f"{name} is {wrapper} recognised as the {recognised.summary()}; {given}. State its "
            f"{recognised.num_classes} class names in output order, e.g. --classes "
            f"{' '.join(f'NAME{i + 1}' for i in range(recognised.num_classes))}.", recognised)
    spec = (settings or ForeignSettings()).input_spec(recognised)
    training = {"epoch": payload.get("epoch"), "source_layout": recognised.layout,
                "note": "; ".join(recognised.notes)}
    meta = CheckpointMeta(recognised.model_name, dict(recognised.config), classes, spec,
                          training={k: v for k, v in training.items() if v not in (None, "")}, path=path)
    return meta, recognised.state_dict
