"""The model registry: one table of named builders that the CLI and the app read.

Builders take keyword-only arguments (``num_classes``, ``in_channels`` and the
architecture's own options) and return an ``nn.Module`` that maps
(B, T, C, H, W) clips to (B, K) logits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import nn


@dataclass(frozen=True)
class ModelEntry:
    """A registered architecture."""

    name: str
    label: str
    builder: Callable[..., nn.Module]
    tiny: dict
    tiny_input: tuple[int, int, int, int]


class ModelRegistry:
    """Maps names to builders; registering a name twice raises."""

    def __init__(self) -> None:
        self._entries: dict[str, ModelEntry] = {}

    def register(self, name: str, *, label: str, tiny: dict | None = None,
                 tiny_input: tuple[int, int, int, int] = (4, 1, 32, 32)) -> Callable:
        def decorator(builder: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
            if name in self._entries:
                raise ValueError(f"model {name!r} is already registered")
            self._entries[name] = ModelEntry(name, label, builder, dict(tiny or {}), tiny_input)
            return builder

        return decorator

    def names(self) -> list[str]:
        return list(self._entries)

    def entry(self, name: str) -> ModelEntry:
        if name not in self._entries:
            from engine.errors import UserError

            raise UserError(f"Unknown model {name!r}; choose one of: {', '.join(self._entries)}.")
        return self._entries[name]


MODELS = ModelRegistry()


def register_model(name: str, *, label: str, tiny: dict | None = None,
                   tiny_input: tuple[int, int, int, int] = (4, 1, 32, 32)) -> Callable:
    """Decorator registering a builder under ``name``.

    Args:
        name: the registered name.
        label: what users read.
        tiny: builder arguments of a tiny configuration, for the tests that run every method on every model.
        tiny_input: (T, C, H, W) of a clip that tiny configuration takes.
    """
    return MODELS.register(name, label=label, tiny=tiny, tiny_input=tiny_input)


def list_models() -> list[str]:
    """Names of all registered architectures."""
    return MODELS.names()


def get_model(name: str, **config) -> nn.Module:
    """Builds the registered architecture ``name`` with keyword-only ``config``."""
    return MODELS.entry(name).builder(**config)
