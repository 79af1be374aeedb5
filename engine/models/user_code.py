"""Models defined in the user's own Python file (``--model-code path/to/file.py:build_fn``).

This runs the user's code: it is for files on the user's own machine that they trust,
never for uploads (the app offers only files under ``VSE_MODEL_CODE_DIR``, set when the
server starts). The builder is called with ``num_classes`` when it takes that argument; the
model's forward takes (B, T, C, H, W) clips, or the model sets ``layout = "BCTHW"`` and the
project's adapter feeds it channels first. Weights come from a plain state dict, loaded
with ``weights_only=True``.
"""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path

import torch
from torch import nn

from engine.errors import UserError
from engine.io.tensors import PRESETS, normalised_spec
from engine.models.checkpoint import CheckpointMeta, LoadedModel, file_sha256, read_payload
from engine.models.foreign import strip_module
from engine.models.foreign_checkpoint import foreign_state
from engine.models.video3d import ChannelsFirst


def build_from_code(spec: str, num_classes: int) -> nn.Module:
    """Calls ``build_fn`` of ``file.py`` (``spec`` is ``file.py:build_fn``) and adapts its layout.

    Raises:
        UserError: a missing file or function, or a builder that fails.
    """
    path, _, name = spec.rpartition(":")
    if not path or not name:
        raise UserError(f"--model-code takes FILE.py:FUNCTION, got {spec!r}.")
    file = Path(path)
    if not file.is_file() or file.suffix != ".py":
        raise UserError(f"Model code file not found (a .py file): {path}")
    module_spec = importlib.util.spec_from_file_location(f"vse_user_model_{file.stem}", file)
    module = importlib.util.module_from_spec(module_spec)
    try:
        module_spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - the user's file: report, don't crash
        raise UserError(f"{file.name} failed to import: {type(exc).__name__}: {exc}") from None
    builder = getattr(module, name, None)
    if not callable(builder):
        raise UserError(f"{file.name} has no function {name!r}.")
    kwargs = {"num_classes": num_classes} if "num_classes" in inspect.signature(builder).parameters else {}
    try:
        model = builder(**kwargs)
    except Exception as exc:  # noqa: BLE001
        raise UserError(f"{spec} failed: {type(exc).__name__}: {exc}") from None
    if not isinstance(model, nn.Module):
        raise UserError(f"{spec} returned a {type(model).__name__}, not a torch.nn.Module.")
    if getattr(model, "layout", "BTCHW") == "BCTHW":
        channels = getattr(model, "in_channels", 3)
        return ChannelsFirst(model, in_channels=channels, net_channels=channels)
    return model


def code_files(folder: Path) -> list[Path]:
    """The .py files directly under ``folder`` (the app's ``VSE_MODEL_CODE_DIR``), sorted."""
    return sorted(p for p in folder.glob("*.py") if p.is_file()) if folder.is_dir() else []


def load_with_code(checkpoint: str | Path, code: str, classes: list[str], *, frames: int | None = None,
                   size: int | None = None, normalise: str | None = None, preset: str = "project",
                   device: torch.device | str = "cpu"):
    """The model built by ``code`` (``file.py:build_fn``) with ``checkpoint``'s plain state dict in it.

    Args:
        checkpoint: a plain state dict (or ``{'state_dict': ...}``), loaded with weights only.
        code: ``FILE.py:FUNCTION``, the user's trusted builder.
        classes: class names in output order.
        frames, size, normalise: the input; ``preset``'s defaults fill what is None.
        preset: an input preset of :data:`engine.io.tensors.PRESETS`.
        device: where the model runs.

    Returns:
        a LoadedModel whose metadata names the code.

    Raises:
        UserError: no state dict, no classes, or weights that do not fit the built model.
    """
    if not classes:
        raise UserError("A model built from code needs the class names in output order (--classes NAME NAME ...).")
    found = foreign_state(read_payload(checkpoint))
    if found is None:
        raise UserError(f"{checkpoint} holds no state dict to load into the model.")
    model = build_from_code(code, len(classes))
    state = strip_module(found[0])
    target = model.net if hasattr(model, "net") and not any(k.startswith("net.") for k in state) else model
    try:
        target.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise UserError(f"{Path(checkpoint).name} does not fit {code}: {str(exc).splitlines()[0][:300]}") from None
    first = next((v for v in state.values() if getattr(v, "dim", lambda: 0)() >= 4), None)
    channels = int(first.shape[1]) if first is not None and first.shape[1] in (1, 3) else 3
    defaults = PRESETS[preset]
    spec = normalised_spec(frames or defaults["num_frames"], size or defaults["size"], channels,
                           defaults["frame_step"], normalise or defaults["normalise"])
    meta = CheckpointMeta(f"code:{code}", {}, list(classes), spec, path=str(checkpoint),
                          sha256=file_sha256(checkpoint), code_sha256=file_sha256(code.rpartition(":")[0]))
    where = torch.device(device)
    return LoadedModel(model.to(where).eval(), meta, where)
