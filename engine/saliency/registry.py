"""The one table of saliency methods, with their parameter schemas.

The CLI's ``--method`` choices and ``--param`` parsing, the app's widgets and the
parametrised tests all read :data:`METHODS`; there is no second list.

A method is a function ``fn(ctx: SaliencyContext, **params) -> MethodOutput``
registered with :func:`register_method`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from engine.errors import UserError
from engine.registry import Registry


@dataclass(frozen=True)
class Param:
    """One parameter of a method: its type, default, range and help.

    Attributes:
        name: keyword passed to the method function.
        kind: "int", "float", "bool" or "choice".
        default: the default value.
        low: smallest allowed value (int/float), or None.
        high: largest allowed value (int/float), or None.
        choices: allowed values for "choice", or a function giving them; a function is called when a
            value is checked or the choices are shown (:meth:`options`), so choices that depend on other
            registrations (TSR's base, the CAM stages) see every registration, whatever the import order.
        help: one line for the CLI and the app.
    """

    name: str
    kind: str
    default: object
    low: float | None = None
    high: float | None = None
    choices: tuple | Callable[[], tuple] = ()
    help: str = ""

    def options(self) -> tuple:
        """The allowed values of a "choice", resolved now."""
        return tuple(self.choices()) if callable(self.choices) else tuple(self.choices)

    def parse(self, text: str) -> object:
        """Converts a command-line string to a checked value."""
        try:
            if self.kind == "int":
                value = int(text)
            elif self.kind == "float":
                value = float(text)
            elif self.kind == "bool":
                if str(text).lower() not in ("1", "0", "true", "false", "yes", "no"):
                    raise ValueError(text)
                value = str(text).lower() in ("1", "true", "yes")
            else:
                value = str(text)
        except ValueError:
            raise UserError(f"Parameter {self.name} expects a {self.kind}, got {text!r}.") from None
        return self.check(value)

    def check(self, value: object) -> object:
        """Raises UserError when ``value`` is out of range or not a choice."""
        if self.kind == "choice" and value not in self.options():
            raise UserError(f"Parameter {self.name} must be one of {', '.join(map(str, self.options()))}; "
                            f"got {value!r}.")
        if self.kind in ("int", "float"):
            if self.low is not None and value < self.low:
                raise UserError(f"Parameter {self.name} must be at least {self.low}; got {value}.")
            if self.high is not None and value > self.high:
                raise UserError(f"Parameter {self.name} must be at most {self.high}; got {value}.")
        return value


@dataclass(frozen=True)
class SaliencyMethod:
    """A registered method.

    Attributes:
        name: identifier used by the CLI, the app and result files.
        label: human-readable name.
        paper: the reference (authors, venue, year).
        params: parameter schema.
        fn: the implementation.
        gradient_based: usable as the inner method of Temporal Saliency Rescaling.
        order: sorts the method lists shown to users (lower first).
        cost: ``"one_pass"`` when the method costs one forward and one backward pass of the model (fast
            enough to explain a live camera several times a second), ``"many_passes"`` otherwise.
    """

    name: str
    label: str
    paper: str
    params: tuple[Param, ...]
    fn: Callable
    gradient_based: bool = False
    order: int = 100
    cost: str = "many_passes"

    def defaults(self) -> dict:
        return {p.name: p.default for p in self.params}

    def resolve(self, given: dict | None) -> dict:
        """Defaults updated with ``given``, every value checked; unknown names raise UserError."""
        schema = {p.name: p for p in self.params}
        unknown = set(given or {}) - set(schema)
        if unknown:
            raise UserError(f"{self.name} has no parameter {', '.join(sorted(unknown))}; "
                            f"it takes: {', '.join(schema) or 'none'}.")
        values = self.defaults()
        for name, value in (given or {}).items():
            values[name] = schema[name].parse(value) if isinstance(value, str) and schema[name].kind != "choice" \
                else schema[name].check(value)
        return values


COSTS = ("one_pass", "many_passes")
METHODS: Registry[SaliencyMethod] = Registry("saliency method", order=lambda m: (m.order, m.name))


def register_method(name: str, *, label: str, paper: str, params: tuple[Param, ...] = (),
                    gradient_based: bool = False, order: int = 100, cost: str = "many_passes") -> Callable:
    """Decorator that registers ``fn(ctx, **params) -> MethodOutput`` under ``name``.

    ``order`` sorts the method lists shown to users (lower first); ``cost`` is one of :data:`COSTS`
    (see :class:`SaliencyMethod`).
    """
    if cost not in COSTS:
        raise ValueError(f"cost must be one of {COSTS}, got {cost!r}")

    def decorator(fn: Callable) -> Callable:
        METHODS.add(name, SaliencyMethod(name, label, paper, tuple(params), fn, gradient_based, order, cost))
        return fn

    return decorator


def list_methods() -> list[str]:
    """Names of all registered methods, in the order shown to users."""
    return METHODS.names()


def one_pass_methods() -> list[str]:
    """Names of the methods that cost one forward and one backward pass (the live page offers these)."""
    return [name for name, method in METHODS.items() if method.cost == "one_pass"]


def get_method(name: str) -> SaliencyMethod:
    """The registered method ``name`` (UserError if unknown)."""
    return METHODS.get(name)
