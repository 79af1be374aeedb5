"""Where the bundled assets are: the one place the CLI, the study, the benchmark and the app ask.

The root is ``VSE_ASSETS`` when set (read on every call, never at import, so tests
and servers can point elsewhere), else the repository's ``assets/`` folder:
``models/*.pt`` (bundled checkpoints), ``models/event/`` (the event experiment's
checkpoints) and ``clips/`` (sample clips).
"""

from __future__ import annotations

import os
from pathlib import Path

REPOSITORY_ASSETS = Path(__file__).resolve().parents[1] / "assets"


def assets_dir() -> Path:
    """The bundled assets root (``VSE_ASSETS`` or the repository's ``assets/``)."""
    env = os.environ.get("VSE_ASSETS", "").strip()
    return Path(env) if env else REPOSITORY_ASSETS


def bundled_model(name: str) -> Path:
    """The bundled checkpoint ``<assets>/models/<name>.pt`` (it may not exist)."""
    return assets_dir() / "models" / f"{name}.pt"


def default_checkpoint() -> Path:
    """The checkpoint commands use when none is given: the bundled CNN-LSTM."""
    return bundled_model("cnnlstm")


def sample_clips_dir() -> Path:
    """The folder of bundled sample clips."""
    return assets_dir() / "clips"
