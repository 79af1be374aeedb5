"""The one registry type: duplicates raise, unknown names raise the user-facing error with the choices, order is stable."""

from __future__ import annotations

import pytest

from engine.errors import UserError
from engine.registry import Registry


def test_duplicates_raise_unknown_names_list_choices_and_order_is_stable():
    table: Registry[int] = Registry("widget")
    table.add("b", 2)
    table.add("a", 1)
    with pytest.raises(ValueError, match="widget 'a' is already registered"):
        table.add("a", 3)
    with pytest.raises(UserError, match="Unknown widget 'c'; choose one of: b, a."):
        table.get("c")
    assert table.names() == ["b", "a"] and list(table) == ["b", "a"] and table.get("a") == 1
    ordered: Registry[int] = Registry("number", order=lambda v: v)
    for name, value in (("x", 3), ("y", 1), ("z", 1)):
        ordered.add(name, value)
    assert ordered.names() == ["y", "z", "x"] and "x" in ordered and len(ordered) == 3


def test_every_kind_is_one_registry():
    from engine.__main__ import COMMANDS
    from engine.evaluation.catalog import METRICS
    from engine.models.backbones import BACKBONES
    from engine.models.registry import MODELS
    from engine.saliency.registry import METHODS

    for table, kind in ((METHODS, "saliency method"), (MODELS, "model"), (BACKBONES, "backbone"),
                        (METRICS, "metric"), (COMMANDS, "command")):
        assert isinstance(table, Registry) and len(table) > 1
        with pytest.raises(UserError, match=f"Unknown {kind} 'nope'; choose one of: {table.names()[0]}"):
            table.get("nope")


def test_choices_that_depend_on_registrations_resolve_when_parsed(monkeypatch):
    from engine.saliency import get_method
    from engine.saliency.registry import METHODS, SaliencyMethod

    base = next(p for p in get_method("tsr").params if p.name == "base")
    assert "zz_gradient" not in base.options()
    late = SaliencyMethod("zz_gradient", "Late", "-", (), lambda ctx: None, gradient_based=True)
    monkeypatch.setitem(METHODS._entries, "zz_gradient", late)  # registered after tsr.py was imported
    assert "zz_gradient" in base.options() and base.check("zz_gradient") == "zz_gradient"
    with pytest.raises(UserError, match="must be one of"):
        base.check("nope")
    layer = get_method("gradcam").params[0]
    assert {"auto", "block1", "layer4"} <= set(layer.options())
