"""Checkpoints trained elsewhere: the reference CNN-LSTM layouts, recognised by their keys.

Known layouts (state-dict keys after DataParallel's ``module.`` prefix is removed):

* ``reference``: pranoyr/cnn-lstm ``models/cnnlstm.py`` (the seed project's
  ``models/cnnlstm.py`` is the same class). ``resnet.*`` is a torchvision ResNet whose
  ``fc`` is ``Sequential(Linear(D, 300))`` with no activation; ``lstm.weight_ih_l{k}`` is
  ``nn.LSTM(300, 256, 3)``, seq-first and fed one step at a time; then ``fc1`` (256->128),
  ReLU and ``fc2`` (128->K) on the last step.
* ``seed``: sakshikakde/interpretability_of_lstm ``models/cnn_lstm_fc.py``: the same
  function with the LSTM nested as ``lstm.lstm.*`` and the head as ``fc_layers.fc1/fc2``.
* ``seed-attention``: its ``models/cnn_lstm_with_attention.py``, the ``seed`` keys plus
  ``linear_first`` and ``linear_second``. Its attention never accumulates past steps
  (``self.pastTimeSteps`` stays None), so step t attends over its own frame alone: the
  softmax over one key is 1 and the LSTM's input is x_t itself. It computes a plain
  CNN-LSTM and loads as one; its attention weights have no effect and are dropped.

Stepping an LSTM one step at a time with the carried state equals one call over the
whole sequence, so all three load into the project's ``cnnlstm`` (with
``proj_activation="none"``) and compute exactly the reference function.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import torch

from engine.models import get_model
from engine.models.video3d import TORCHVISION_VIDEO, torchvision_preset

# torchvision's ResNet depths by (bottleneck?, blocks in layer1..4)
RESNET_DEPTHS = {
    (False, (2, 2, 2, 2)): "resnet18",
    (False, (3, 4, 6, 3)): "resnet34",
    (True, (3, 4, 6, 3)): "resnet50",
    (True, (3, 4, 23, 3)): "resnet101",
    (True, (3, 8, 36, 3)): "resnet152",
}

LAYOUTS = {
    "reference": "reference cnn-lstm (pranoyr/cnn-lstm CNNLSTM: resnet.*, lstm.*, fc1, fc2)",
    "seed": "seed project CNN-LSTM (cnn_lstm_fc.CNNLSTM: resnet.*, lstm.lstm.*, fc_layers.fc1/fc2)",
    "seed-attention": "seed project CNN-LSTM with attention (cnn_lstm_with_attention.CNNLSTM: "
                      "the seed keys plus linear_first, linear_second)",
    "named": "a bare state dict of the named registered model (e.g. torchvision's published video weights)",
}

ATTENTION_NOTE = ("its attention never accumulates past steps (pastTimeSteps stays None), so each step attends "
                  "to its own frame alone and the model computes a plain CNN-LSTM; loaded as that, "
                  "attention weights dropped")


@dataclass(frozen=True)
class Recognised:
    """A foreign state dict recognised as a known layout, mapped onto the project's keys.

    Attributes:
        layout: key of ``LAYOUTS``.
        preset: the input preset (see ``engine.io.tensors.PRESETS``) its repository trained with.
        config: keyword arguments of ``get_model("cnnlstm", ...)``.
        state_dict: the weights under the project's key names.
        notes: what the user should know about the load.
    """

    layout: str
    preset: str
    config: dict
    state_dict: dict = field(repr=False)
    notes: tuple[str, ...] = ()
    model_name: str = "cnnlstm"
    default_classes: tuple[str, ...] = ()

    @property
    def num_classes(self) -> int:
        return int(self.config["num_classes"])

    def summary(self) -> str:
        c = self.config
        if self.model_name != "cnnlstm":
            return f"{LAYOUTS[self.layout]}: {self.model_name}, {c['num_classes']} classes"
        return (f"{LAYOUTS[self.layout]}: {c['backbone']}, {c['in_channels']}-channel frames, projection "
                f"{c['proj_dim']}, LSTM {c['num_layers']}x{c['hidden_size']}, head {c['head_hidden']}, "
                f"{c['num_classes']} classes")


def strip_module(state: dict) -> dict:
    """Removes DataParallel's ``module.`` prefix when every key has it."""
    if state and all(k.startswith("module.") for k in state):
        return {k[len("module."):]: v for k, v in state.items()}
    return state


def resnet_name(state: dict, prefix: str = "resnet.") -> str | None:
    """The torchvision ResNet depth whose blocks the keys under ``prefix`` have, or None."""
    blocks = []
    for layer in range(1, 5):
        indices = {k[len(f"{prefix}layer{layer}."):].split(".")[0] for k in state if k.startswith(f"{prefix}layer{layer}.")}
        if not indices or not all(i.isdigit() for i in indices):
            return None
        blocks.append(len(indices))
    bottleneck = f"{prefix}layer1.0.conv3.weight" in state
    return RESNET_DEPTHS.get((bottleneck, tuple(blocks)))


def _layout_of(state: dict) -> str | None:
    if "lstm.weight_ih_l0" in state and "fc1.weight" in state and "fc2.weight" in state:
        return "reference"
    if "lstm.lstm.weight_ih_l0" in state and "fc_layers.fc1.weight" in state:
        return "seed-attention" if "linear_first.weight" in state else "seed"
    return None


def _renamed(key: str) -> str | None:
    """Project key for a foreign key (None: dropped)."""
    for old, new in (("resnet.fc.0.", "encoder.projection.0."), ("resnet.", "encoder.backbone.body."),
                     ("lstm.lstm.", "lstm."), ("fc_layers.fc1.", "head.0."), ("fc_layers.fc2.", "head.2."),
                     ("fc1.", "head.0."), ("fc2.", "head.2."), ("lstm.", "lstm.")):
        if key.startswith(old):
            return new + key[len(old):]
    if key.startswith(("linear_first.", "linear_second.")):
        return None
    return key


def recognise(state: dict) -> Recognised | None:
    """Recognises a foreign CNN-LSTM state dict (with or without ``module.``); None if unknown."""
    state = strip_module(state)
    layout = _layout_of(state)
    backbone = resnet_name(state)
    if layout is None or backbone is None or "resnet.fc.0.weight" not in state:
        return None
    mapped = {new: v for k, v in state.items() if (new := _renamed(k)) is not None}
    lstm_layers = sum(1 for k in mapped if k.startswith("lstm.weight_ih_l"))
    config = {
        "num_classes": int(mapped["head.2.weight"].shape[0]),
        "in_channels": int(mapped["encoder.backbone.body.conv1.weight"].shape[1]),
        "backbone": backbone,
        "proj_dim": int(mapped["encoder.projection.0.weight"].shape[0]),
        "proj_activation": "none",
        "hidden_size": int(mapped["lstm.weight_hh_l0"].shape[1]),
        "num_layers": lstm_layers,
        "head_hidden": int(mapped["head.0.weight"].shape[0]),
    }
    notes = (ATTENTION_NOTE,) if layout == "seed-attention" else ()
    preset = "cnnlstm-reference" if layout == "reference" else "cnnlstm-seed"
    return Recognised(layout, preset, config, mapped, notes)


def recognise_as(state: dict, model_name: str) -> Recognised:
    """A bare state dict of the registered ``model_name`` (torchvision's key names for its video models).

    The class count comes from the last weight (the head); torchvision's Kinetics-400 head gets
    its category names as default classes.

    Raises:
        ValueError: the weights do not fit the model.
    """
    state = strip_module(state)
    wrapped = model_name in TORCHVISION_VIDEO or model_name == "c3d"
    mapped = {("net." + k if wrapped and not k.startswith("net.") else k): v for k, v in state.items()}
    weights = [v for k, v in mapped.items() if k.endswith(".weight") and v.dim() >= 2]
    if not weights:
        raise ValueError("it holds no weight matrices")
    config = {"num_classes": int(weights[-1].shape[0])}
    first = weights[0]
    if first.dim() >= 4:
        config["in_channels"] = 3 if model_name in TORCHVISION_VIDEO else int(first.shape[1])
    model = get_model(model_name, **config)
    try:
        model.load_state_dict(mapped, strict=True)
    except RuntimeError as exc:
        raise ValueError(" ".join(str(exc).splitlines()[:2])[:300]) from None
    defaults = ()
    if model_name in TORCHVISION_VIDEO and config["num_classes"] == 400:
        defaults = tuple(torchvision_preset(model_name)["categories"])
    preset = model_name if model_name in TORCHVISION_VIDEO else "project"
    return Recognised("named", preset, config, mapped, (), model_name, defaults)


def describe_keys(state: dict, limit: int = 8) -> str:
    """What a state dict holds, for error messages: key prefixes with counts and a few shapes."""
    state = strip_module(state)
    prefixes = Counter(k.split(".")[0] for k in state)
    listed = ", ".join(f"{p}.* ({n})" for p, n in prefixes.most_common(limit))
    shapes = ", ".join(f"{k} {tuple(v.shape)}" for k, v in list(state.items())[:4] if isinstance(v, torch.Tensor))
    return f"{len(state)} tensors; key prefixes {listed}; first shapes {shapes}"


def known_layouts_text() -> str:
    """The known layouts, one per line, for error messages and ``--help``."""
    lines = [f"  - {text}, ResNet-18/34/50/101/152" for key, text in LAYOUTS.items() if key != "named"]
    return "\n".join([*lines, f"  - {LAYOUTS['named']}: give --model NAME (a registered model)"])


# the reference repositories' shapes, for ``train --arch`` (keys are train's flag names)
ARCHITECTURES = {
    "cnnlstm-reference": dict(backbone="resnet101", proj_dim=300, proj_activation="none", hidden_size=256,
                              num_layers=3, head_hidden=128, frames=16, size=150, frame_step=1, channels=3,
                              normalise="activitynet-255"),
    "cnnlstm-seed": dict(backbone="resnet18", proj_dim=300, proj_activation="none", hidden_size=256, num_layers=3,
                         head_hidden=128, frames=30, size=120, frame_step=1, channels=3, normalise="activitynet-01"),
}
