"""Video classifiers without a per-frame encoder: a compact 3D CNN and torchvision's video models.

They take the project's (B, T, C, H, W) clips like every registered model; one adapter
(:class:`ChannelsFirst`) turns that into the (B, C, T, H, W) layout these networks expect.
They declare their structure instead of having it guessed:

* ``per_frame = False``: no per-frame features, so saliency runs its generic paths;
* ``cnn_stages``: named layers for CAM methods (3D activations (B, C', T', h, w));
* ``temporal_strides``: how many input frames one step of each stage's time axis spans.

Nothing downloads: torchvision's builders run with ``weights=None``; a published weight
file loads from a local path (``weights_path``). Input defaults (frames, size, normalisation)
come from torchvision's weight presets, read from its metadata (:func:`torchvision_preset`).
"""

from __future__ import annotations

import os
import re

import torch
from torch import nn

from engine.errors import UserError
from engine.models.motion import MotionStem, stem_channels
from engine.models.registry import register_model

RESNET3D_STAGES = {f"layer{i}": f"layer{i}" for i in range(1, 5)}
C3D_STAGES = {f"block{i + 1}": f"features.{i}" for i in range(4)}
# registered name -> (torchvision weights enum, CAM stage name -> module path, temporal stride of each stage)
TORCHVISION_VIDEO = {
    "r3d_18": ("R3D_18_Weights", RESNET3D_STAGES, (1, 2, 4, 8)),
    "mc3_18": ("MC3_18_Weights", RESNET3D_STAGES, (1, 1, 1, 1)),  # 3D convolutions in layer1 only
    "r2plus1d_18": ("R2Plus1D_18_Weights", RESNET3D_STAGES, (1, 2, 4, 8)),
    "s3d": ("S3D_Weights", {"block1": "features.6", "block2": "features.12", "block3": "features.15"}, (2, 4, 8)),
    "mvit_v2_s": ("MViT_V2_S_Weights", {}, ()),  # transformers: no CNN stages for CAM methods
    "swin3d_t": ("Swin3D_T_Weights", {}, ()),
}


class ChannelsFirst(nn.Module):
    """Adapter: (B, T, C, H, W) clips -> a network taking (B, C, T, H, W) -> (B, K) logits.

    Args:
        net: the network.
        in_channels: C of the clips; 1-channel clips are repeated to the 3 channels ``net`` takes
            when ``net_channels`` is 3 (gradients then sum over the copies).
        net_channels: the channels ``net`` takes.
        stages: stage name -> module path inside ``net`` (for CAM methods), earliest first.
        temporal_strides: the time stride of each stage's output, in the same order.
        stem: an optional parameter-free module run on the (B, T, C, H, W) clip first (a
            :class:`~engine.models.motion.MotionStem`); ``in_channels`` is then what it gives.
    """

    layout = "BCTHW"
    per_frame = False

    def __init__(self, net: nn.Module, *, in_channels: int, net_channels: int, stages: dict | None = None,
                 temporal_strides=(), stem: nn.Module | None = None):
        super().__init__()
        self.stem = stem
        if in_channels not in (1, net_channels):
            raise ValueError(f"clips of {in_channels} channels cannot feed a network taking {net_channels}")
        self.net = net
        self.repeat = net_channels // in_channels
        self.num_classes = None
        self._stage_paths = dict(stages or {})
        self.temporal_strides = dict(zip(self._stage_paths, temporal_strides))

    @property
    def cnn_stages(self) -> dict[str, nn.Module]:
        """Named 3D layers for CAM methods, earliest first."""
        return {name: self.net.get_submodule(path) for name, path in self._stage_paths.items()}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, C, H, W) -> (B, K)."""
        if self.stem is not None:
            x = self.stem(x)
        x = x.transpose(1, 2)
        if self.repeat > 1:
            x = x.repeat(1, self.repeat, 1, 1, 1)
        return self.net(x)


def _conv_block(c_in: int, c_out: int, stride: tuple[int, int, int]) -> nn.Module:
    return nn.Sequential(nn.Conv3d(c_in, c_out, 3, stride=stride, padding=1, bias=False), nn.BatchNorm3d(c_out), nn.ReLU())


class CompactC3D(nn.Module):
    """Four Conv3d-BN-ReLU stages (space halved in each; time in the last three), pooled, then linear.

    Args:
        num_classes: K.
        in_channels: C.
        widths: channels of the four stages.
        dropout: before the linear head.
    """

    def __init__(self, *, num_classes: int, in_channels: int, widths=(16, 32, 64, 96), dropout: float = 0.2):
        super().__init__()
        strides = ((1, 2, 2), (2, 2, 2), (2, 2, 2), (2, 2, 2))
        chans = (in_channels, *widths)
        self.features = nn.Sequential(*(_conv_block(chans[i], chans[i + 1], strides[i]) for i in range(4)))
        self.pool = nn.AdaptiveAvgPool3d(1)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(widths[-1], num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, T, H, W) -> (B, K)."""
        return self.fc(self.dropout(self.pool(self.features(x)).flatten(1)))


@register_model("c3d", label="Compact 3D CNN (C3D-style, no recurrence)", tiny=dict(width=4),
                stages=tuple(C3D_STAGES))
def c3d(*, num_classes: int = 2, in_channels: int = 1, width: int = 16, dropout: float = 0.2,
        motion: str = "frames") -> ChannelsFirst:
    """A small 3D CNN; stage widths are ``width`` x (1, 2, 4, 6); ``motion`` is its input stem
    (:mod:`engine.models.motion`: frames, diff or frames+diff)."""
    channels = stem_channels(motion, in_channels)
    net = CompactC3D(num_classes=num_classes, in_channels=channels, widths=(width, 2 * width, 4 * width, 6 * width),
                     dropout=dropout)
    model = ChannelsFirst(net, in_channels=channels, net_channels=channels, stages=C3D_STAGES,
                          temporal_strides=(1, 2, 4, 8), stem=None if motion == "frames" else MotionStem(motion))
    model.num_classes = num_classes
    return model


def _torchvision_builder(name: str):
    enum_name, stages, strides = TORCHVISION_VIDEO[name]

    def build(*, num_classes: int = 400, in_channels: int = 3, weights_path: str | None = None,
              freeze_backbone: bool = False, tiny: bool = False) -> ChannelsFirst:
        import torchvision.models.video as tv

        net = _tiny_network(name, num_classes) if tiny else getattr(tv, name)(weights=None, num_classes=num_classes)
        if weights_path:
            _load_local_weights(net, weights_path, num_classes)
        if freeze_backbone:
            head = _head_prefix(net)
            for key, param in net.named_parameters():
                param.requires_grad_(key.startswith(head))
        model = ChannelsFirst(net, in_channels=in_channels, net_channels=3, stages=stages, temporal_strides=strides)
        model.num_classes = num_classes
        return model

    build.__name__ = name
    build.__doc__ = f"torchvision's {name} ({enum_name}), built with weights=None; local weights by path."
    return build


def _head_prefix(net: nn.Module) -> str:
    for prefix in ("fc.", "head.", "classifier."):
        if any(k.startswith(prefix) for k, _ in net.named_parameters()):
            return prefix
    return "\0"


def _load_local_weights(net: nn.Module, path: str, num_classes: int) -> None:
    """Loads a local torchvision state dict (weights only); a head of another class count is left fresh."""
    if not os.path.isfile(path):
        raise UserError(f"Weights file not found: {path}")
    state = torch.load(path, map_location="cpu", weights_only=True)
    state = state.get("state_dict", state) if isinstance(state, dict) else state
    own = net.state_dict()
    kept = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
    missing = [k for k in own if k not in kept and not k.startswith(_head_prefix(net))]
    if missing:
        raise UserError(f"{os.path.basename(path)} does not fit this network: {len(missing)} tensors missing or "
                        f"of another shape, e.g. {missing[0]}.")
    net.load_state_dict(kept, strict=False)


def _tiny_network(name: str, num_classes: int) -> nn.Module:
    """The same network class at a test size (a few small frames): for tests, never for users."""
    import torchvision.models.video as tv_video
    from torchvision.models.video import mvit, swin_transformer

    if name == "swin3d_t":
        return swin_transformer.SwinTransformer3d(patch_size=[2, 4, 4], embed_dim=8, depths=[1, 1], num_heads=[1, 1],
                                                  window_size=[2, 2, 2], num_classes=num_classes)
    if name == "mvit_v2_s":
        block = mvit.MSBlockConfig(num_heads=1, input_channels=8, output_channels=8, kernel_q=[3, 3, 3],
                                   kernel_kv=[3, 3, 3], stride_q=[1, 1, 1], stride_kv=[1, 2, 2])
        return mvit.MViT(spatial_size=(32, 32), temporal_size=4, block_setting=[block, block], residual_pool=True,
                         residual_with_cls_embed=False, rel_pos_embed=True, proj_after_attn=True,
                         num_classes=num_classes, patch_embed_kernel=(3, 7, 7), patch_embed_stride=(2, 4, 4))
    if name == "s3d":  # the same network; its fixed (2, 7, 7) average pool made adaptive for small clips
        net = tv_video.s3d(weights=None, num_classes=num_classes)
        net.avgpool = nn.AdaptiveAvgPool3d(1)
        return net
    if name in VIDEO_RESNET_CONVS:
        return _narrow_video_resnet(name, num_classes)
    raise ValueError(f"{name} has no tiny configuration")


# the 18-layer video ResNets: which torchvision convolution each stage uses (as torchvision's builders set them)
VIDEO_RESNET_CONVS = {"r3d_18": ("Conv3DSimple",) * 4, "mc3_18": ("Conv3DSimple", *("Conv3DNoTemporal",) * 3),
                      "r2plus1d_18": ("Conv2Plus1D",) * 4}


def _narrow_video_resnet(name: str, num_classes: int, widths: tuple[int, ...] = (8, 8, 16, 16)) -> nn.Module:
    """torchvision's ``VideoResNet`` of ``name`` with one ``BasicBlock`` a stage and ``widths`` channels.

    The same class, forward, blocks, convolution builders, strides and module names (``stem``,
    ``layer1``-``layer4``, ``fc``) as the full networks (12-33M parameters), at 17-35 thousand: for tests.
    The stem keeps torchvision's kernels and strides (R(2+1)D's factorised one for ``r2plus1d_18``).
    """
    from torchvision.models.video import resnet as tv_resnet

    net = tv_resnet.VideoResNet.__new__(tv_resnet.VideoResNet)
    nn.Module.__init__(net)
    if name == "r2plus1d_18":
        net.stem = nn.Sequential(
            nn.Conv3d(3, widths[0], (1, 7, 7), stride=(1, 2, 2), padding=(0, 3, 3), bias=False),
            nn.BatchNorm3d(widths[0]), nn.ReLU(inplace=True),
            nn.Conv3d(widths[0], widths[0], (3, 1, 1), padding=(1, 0, 0), bias=False),
            nn.BatchNorm3d(widths[0]), nn.ReLU(inplace=True))
    else:
        net.stem = nn.Sequential(nn.Conv3d(3, widths[0], (3, 7, 7), stride=(1, 2, 2), padding=(1, 3, 3), bias=False),
                                 nn.BatchNorm3d(widths[0]), nn.ReLU(inplace=True))
    net.inplanes = widths[0]
    for i, (conv, width) in enumerate(zip(VIDEO_RESNET_CONVS[name], widths)):
        layer = net._make_layer(tv_resnet.BasicBlock, getattr(tv_resnet, conv), width, 1, stride=1 if i == 0 else 2)
        setattr(net, f"layer{i + 1}", layer)
    net.avgpool = nn.AdaptiveAvgPool3d((1, 1, 1))
    net.fc = nn.Linear(widths[-1], num_classes)
    return net


TINY = {"r3d_18": ({"tiny": True}, (4, 3, 32, 32)), "mc3_18": ({"tiny": True}, (4, 3, 32, 32)),
        "r2plus1d_18": ({"tiny": True}, (4, 3, 32, 32)),
        "s3d": ({"tiny": True}, (8, 3, 32, 32)), "mvit_v2_s": ({"tiny": True}, (4, 3, 32, 32)),
        "swin3d_t": ({"tiny": True}, (4, 3, 32, 32))}
for _name in TORCHVISION_VIDEO:
    register_model(_name, label=f"torchvision {_name} (video model)", tiny=TINY[_name][0],
                   tiny_input=TINY[_name][1], stages=tuple(TORCHVISION_VIDEO[_name][1]),
                   input_preset=_name)(_torchvision_builder(_name))


def torchvision_preset(name: str) -> dict:
    """Input defaults from torchvision's weight preset of ``name``: frames, size, mean, std, categories.

    ``num_frames`` is the ``clip_len`` its documentation states and ``frame_rate`` the rate it
    sampled at; ``size`` is the crop size (clips are resized to it directly here, where
    torchvision resizes the short side and crops the centre).
    """
    import torchvision.models.video as tv

    weights = getattr(tv, TORCHVISION_VIDEO[name][0]).DEFAULT
    transforms = weights.transforms()
    docs = weights.meta.get("_docs", "")
    clip_len = re.search(r"clip_len=(\d+)", docs)
    rate = re.search(r"frame_rate=([\d.]+)", docs)
    return {"num_frames": int(clip_len.group(1)) if clip_len else 16, "size": int(transforms.crop_size[0]),
            "mean": tuple(transforms.mean), "std": tuple(transforms.std),
            "frame_rate": float(rate.group(1)) if rate else 15.0, "categories": list(weights.meta["categories"])}
