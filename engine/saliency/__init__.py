"""Saliency methods for video classifiers: one registry, one result type.

Public API::

    from engine.saliency import explain, list_methods, get_method
    result = explain(model, x, "integrated_gradients", spec=spec, classes=classes, params={"n_steps": 32})

Every module in ``engine/saliency/methods/`` registers its method on import.
"""

import importlib
import pkgutil

from engine.errors import Cancelled
from engine.saliency import methods as _methods
from engine.saliency.baselines import BASELINES
from engine.saliency.core import explain, resolve_target
from engine.saliency.memory import memory_budget, parse_budget
from engine.saliency.registry import METHODS, Param, get_method, list_methods, register_method
from engine.saliency.result import REDUCTIONS, SaliencyResult, load_result, reduce_channels, save_result

for _info in pkgutil.iter_modules(_methods.__path__):
    importlib.import_module(f"{_methods.__name__}.{_info.name}")

__all__ = [
    "BASELINES", "Cancelled", "METHODS", "REDUCTIONS", "Param", "SaliencyResult", "explain", "get_method", "list_methods", "load_result",
    "memory_budget", "parse_budget", "reduce_channels", "register_method", "resolve_target", "save_result",
]
