"""The model registry: one table of named builders that the CLI, the app and the tests read.

Builders take keyword-only arguments (``num_classes``, ``in_channels`` and the
architecture's own options) and return an ``nn.Module`` that maps
(B, T, C, H, W) clips to (B, K) logits. Each registration also declares what the
model offers, so nothing elsewhere special-cases a model by name:

* ``per_frame``: per-frame separable features (``frame_features`` then
  ``classify_features``), which the exact fast paths use;
* ``stages``: the names of its CNN stages, the choices of the CAM methods' ``layer``;
* ``tiny`` and ``tiny_input``: a tiny configuration that every generic test runs;
* ``input_preset``: the input preset training defaults to (torchvision's published preprocessing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

from engine.registry import Registry


@dataclass(frozen=True)
class ModelEntry:
    """A registered architecture (see the module docstring)."""

    name: str
    label: str
    builder: Callable[..., nn.Module]
    tiny: dict
    tiny_input: tuple[int, int, int, int]
    per_frame: bool = False
    stages: tuple[str, ...] | Callable[[], tuple[str, ...]] = ()
    input_preset: str | None = None

    def stage_names(self) -> tuple[str, ...]:
        """The CNN stage names it may offer (resolved now: a backbone's come from the backbone registry)."""
        return tuple(self.stages()) if callable(self.stages) else tuple(self.stages)

    def build_tiny(self, num_classes: int = 2) -> nn.Module:
        """The tiny configuration, for tests."""
        return self.builder(num_classes=num_classes, in_channels=self.tiny_input[1], **self.tiny)


MODELS: Registry[ModelEntry] = Registry("model")


def register_model(name: str, *, label: str, tiny: dict | None = None,
                   tiny_input: tuple[int, int, int, int] = (4, 1, 32, 32), per_frame: bool = False,
                   stages: tuple[str, ...] | Callable[[], tuple[str, ...]] = (),
                   input_preset: str | None = None) -> Callable:
    """Decorator registering a builder under ``name``.

    Args:
        name: the registered name.
        label: what users read.
        tiny: builder arguments of a tiny configuration, for the tests that run every method on every model.
        tiny_input: (T, C, H, W) of a clip that tiny configuration takes.
        per_frame: the model has per-frame separable features.
        stages: its CNN stage names (or a function giving them), earliest first; () for none.
        input_preset: a key of ``engine.io.tensors.PRESETS`` whose input (frames, size, normalisation)
            training uses by default (the published weights' preprocessing); None for the project's defaults.
    """

    def decorator(builder: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        MODELS.add(name, ModelEntry(name, label, builder, dict(tiny or {}), tiny_input, per_frame, stages,
                                    input_preset))
        return builder

    return decorator


def list_models() -> list[str]:
    """Names of all registered architectures."""
    return MODELS.names()


def get_model(name: str, **config) -> nn.Module:
    """Builds the registered architecture ``name`` with keyword-only ``config``."""
    return MODELS.get(name).builder(**config)


def stage_choices() -> tuple[str, ...]:
    """"auto" and every CNN stage name a registered model offers (the CAM methods' ``layer`` choices)."""
    return ("auto", *dict.fromkeys(stage for entry in MODELS.values() for stage in entry.stage_names()))
