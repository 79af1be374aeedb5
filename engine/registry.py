"""The one registry type: methods, models, backbones, metrics and commands are each one of these.

Contract, the same for every kind: registering a name twice raises ``ValueError`` (a
programming error); an unknown name raises :class:`engine.errors.UserError` listing the
choices (a user's error); names come back in a stable order (registration order, or the
entries' own ``order`` key, ties by registration).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from engine.errors import UserError

T = TypeVar("T")


class Registry(Generic[T]):
    """Name -> entry of one kind.

    Args:
        kind: what an entry is, for messages ("saliency method", "model", ...).
        order: optional key of an entry that sorts :meth:`names` (ties keep registration order).
    """

    def __init__(self, kind: str, order: Callable[[T], object] | None = None) -> None:
        self.kind = kind
        self._order = order
        self._entries: dict[str, T] = {}

    def add(self, name: str, entry: T) -> T:
        """Registers ``entry`` under ``name``; ValueError when the name is taken."""
        if name in self._entries:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        self._entries[name] = entry
        return entry

    def get(self, name: str) -> T:
        """The entry ``name``; UserError listing the choices when there is none."""
        if name not in self._entries:
            raise UserError(f"Unknown {self.kind} {name!r}; choose one of: {', '.join(self.names())}.")
        return self._entries[name]

    def names(self) -> list[str]:
        """Every registered name, in the stable order."""
        names = list(self._entries)
        if self._order is not None:
            names.sort(key=lambda n: self._order(self._entries[n]))
        return names

    def values(self) -> list[T]:
        return [self._entries[n] for n in self.names()]

    def items(self) -> list[tuple[str, T]]:
        return [(n, self._entries[n]) for n in self.names()]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._entries)
