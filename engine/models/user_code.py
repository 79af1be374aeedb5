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

from torch import nn

from engine.errors import UserError
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
