"""Checkpoints: one file with the state dict and everything needed to use it.

Saved layout (a plain dict of tensors, strings and numbers)::

    {"format": "vse-checkpoint/1", "model": {"name", "config"}, "classes": [...],
     "input": InputSpec.to_dict(), "training": {...}, "seed": int, "created": iso date,
     "state_dict": {...}}

Loading uses ``torch.load(..., weights_only=True)`` only: a checkpoint can never
run code. Files without that metadata (the reference cnn-lstm's ``{epoch, state_dict,
optimizer_state_dict}``, the seed project's variants, plain state dicts, with or without
DataParallel's ``module.``) are recognised by their keys (``engine.models.foreign``) and load
once the user gives the class names (:mod:`engine.models.foreign_checkpoint`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from engine.io.tensors import InputSpec
from engine.models import get_model
from engine.models.checkpoint_meta import CheckpointError, CheckpointMeta
from engine.models.foreign_checkpoint import ForeignSettings, foreign_meta

FORMAT = "vse-checkpoint/1"
MAX_CHECKPOINT_BYTES = 2 * 1024**3


def file_sha256(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save_checkpoint(path, model: nn.Module, meta: CheckpointMeta, extra: dict | None = None) -> Path:
    """Writes model weights and metadata atomically (temporary file, then rename)."""
    payload = {
        "format": FORMAT,
        "model": {"name": meta.model_name, "config": meta.model_config},
        "classes": list(meta.classes),
        "input": meta.input_spec.to_dict(),
        "training": meta.training,
        "seed": meta.seed,
        "created": meta.created or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        **(extra or {}),
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)
    return path


def read_payload(path) -> dict:
    """``torch.load(weights_only=True)`` with every failure turned into a CheckpointError."""
    path = str(path)
    name = os.path.basename(path)
    if not os.path.isfile(path):
        raise CheckpointError(f"No such checkpoint file: {path}")
    if os.path.getsize(path) > MAX_CHECKPOINT_BYTES:
        raise CheckpointError(f"{name} is larger than 2 GB; refusing to load it.")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        detail = _unpickler_reason(exc)
        if detail:
            raise CheckpointError(
                f"{name} contains Python objects that could run code when loaded; it was refused "
                f"(only weights are ever loaded). Details: {detail[:200]}"
            ) from None
        raise CheckpointError(f"{name} is not a readable PyTorch checkpoint (corrupt or another kind of file).") from None
    except Exception as exc:  # noqa: BLE001 - any other failure means: not a readable checkpoint
        raise CheckpointError(f"{name} is not a readable PyTorch checkpoint (truncated or another kind of file): "
                              f"{str(exc).splitlines()[0][:200]}") from None
    if not isinstance(payload, dict):
        raise CheckpointError(f"{name} holds a {type(payload).__name__}, not a checkpoint dictionary.")
    return payload


def _unpickler_reason(exc: Exception) -> str:
    """The line of torch's weights-only error that names what was refused ("" for plain corruption)."""
    lines = [ln.strip() for ln in str(exc).splitlines()]
    found = next((ln.replace("WeightsUnpickler error: ", "") for ln in lines if "GLOBAL" in ln), "")
    return found.split(" Please")[0]  # torch goes on to suggest allow-listing: not advice for users


def _meta_from_payload(payload: dict, path: str) -> CheckpointMeta:
    model = payload["model"]
    return CheckpointMeta(
        model_name=str(model["name"]),
        model_config=dict(model["config"]),
        classes=[str(c) for c in payload["classes"]],
        input_spec=InputSpec.from_dict(payload["input"]),
        training=dict(payload.get("training") or {}),
        seed=payload.get("seed"),
        created=str(payload.get("created", "")),
        path=path,
    )


@dataclass
class LoadedModel:
    """A model in eval mode on its device, with its checkpoint metadata."""

    model: nn.Module
    meta: CheckpointMeta
    device: torch.device

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, C, H, W) or (T, C, H, W) normalised input -> (B, K) probabilities."""
        if x.dim() == 4:
            x = x.unsqueeze(0)
        with torch.no_grad():
            return torch.softmax(self.model(x.to(self.device)), dim=1).cpu()


def _build_and_fill(meta: CheckpointMeta, state: dict, name: str) -> nn.Module:
    config = dict(meta.model_config)
    config.pop("weights_path", None)  # the checkpoint carries the weights
    try:
        model = get_model(meta.model_name, **config)
    except TypeError as exc:
        raise CheckpointError(f"{name}: its model settings do not fit {meta.model_name!r}: {exc}") from None
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()][:4]
        raise CheckpointError(f"{name}: weights do not match the {meta.model_name} architecture: {' '.join(lines)[:400]}") from None
    return model


def read_checkpoint(path, settings: ForeignSettings | None = None) -> tuple[CheckpointMeta, dict]:
    """(metadata, state dict in the project's keys) of our checkpoint or a recognised foreign one.

    Raises:
        NeedsSettings: a recognised foreign layout whose class names were not given.
        CheckpointError: unreadable, unsafe, another kind of file, or an unknown layout.
    """
    path = str(path)
    name = os.path.basename(path)
    payload = read_payload(path)
    if payload.get("format") == FORMAT:
        try:
            meta = _meta_from_payload(payload, path)
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointError(f"{name}: its metadata is incomplete ({exc}).") from None
        state = payload["state_dict"]
    else:
        meta, state = foreign_meta(payload, name, path, settings)
    meta.sha256 = file_sha256(path)
    return meta, state


def load_checkpoint(path, *, device: str | torch.device = "cpu", foreign: ForeignSettings | None = None) -> LoadedModel:
    """Loads a checkpoint safely (weights only) and returns the model in eval mode.

    Args:
        path: our checkpoint, or a reference CNN-LSTM file (see ``engine.models.foreign``).
        device: where to put the model.
        foreign: for files without our metadata: class names and input overrides.

    Raises:
        NeedsSettings: a recognised foreign layout whose class names were not given.
        CheckpointError: unreadable, unsafe, another kind of file, unknown layout, or mismatched shapes.
    """
    meta, state = read_checkpoint(path, foreign)
    model = _build_and_fill(meta, state, os.path.basename(str(path)))
    device = torch.device(device)
    return LoadedModel(model.to(device).eval(), meta, device)


def default_device() -> torch.device:
    """CUDA when present, else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
