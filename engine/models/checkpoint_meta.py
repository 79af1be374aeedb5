"""What a checkpoint says about itself (:class:`CheckpointMeta`), and the error for a file that is not one.

Below both :mod:`engine.models.checkpoint` (the project's files) and
:mod:`engine.models.foreign_checkpoint` (files without this metadata), which build these.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from engine.errors import UserError
from engine.io.tensors import InputSpec


class CheckpointError(UserError):
    """A file is not a usable checkpoint (wrong kind, truncated, unsafe or mismatched)."""


@dataclass
class CheckpointMeta:
    """Everything about a checkpoint except its weights."""

    model_name: str
    model_config: dict
    classes: list[str]
    input_spec: InputSpec
    training: dict = field(default_factory=dict)
    seed: int | None = None
    created: str = ""
    path: str = ""
    sha256: str = ""
    code_sha256: str = ""

    @property
    def identity(self) -> str:
        """The model's identity: a digest of everything that changes its function or its input.

        The checkpoint file's digest alone does not identify a model: one reference file loads
        with other classes, frames, size or normalisation, and one state dict fits other model
        code. Every cache key, result file and resumed task names a model by this digest.
        """
        fields = {"checkpoint_sha256": self.sha256, "model": self.model_name, "config": self.model_config,
                  "classes": list(self.classes), "input": self.input_spec.to_dict(), "code_sha256": self.code_sha256}
        text = json.dumps(fields, sort_keys=True, default=repr)
        return hashlib.sha256(text.encode()).hexdigest()

    def card(self) -> dict:
        """A flat summary for display."""
        return {
            "model": self.model_name,
            "classes": ", ".join(self.classes),
            "frames": self.input_spec.num_frames,
            "input": f"{self.input_spec.channels}x{self.input_spec.height}x{self.input_spec.width}",
            **{k: v for k, v in self.model_config.items() if k not in ("num_classes", "in_channels")},
            **{f"train.{k}": v for k, v in self.training.items() if not isinstance(v, (list, dict))},
            "seed": self.seed,
            "created": self.created,
            "sha256": self.sha256[:12],
            "identity": self.identity[:12],
        }
