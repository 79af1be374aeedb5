"""The bundled model's saliency carries signal: computed here on fresh clips, not stored numbers."""

from pathlib import Path

import numpy as np
import pytest
import torch

from engine.models.checkpoint import load_checkpoint
from engine.evaluation.faithfulness import parameterised_modules, randomisation_check, reinitialise
from engine.evaluation.agreement import pointing_game
from engine.saliency import explain
from engine.synth import render_clip
from engine.io.tensors import clip_to_tensor
from engine.io.video import Clip
from engine.io.masks import resize_masks
from engine.io.sampling import clip_indices

BUNDLED = Path(__file__).resolve().parents[1] / "assets" / "models" / "cnnlstm.pt"
FRESH_SEED = 9_000_000  # never used for training (seed 1) or the held-out test set (seed 2)


def fresh_clips(count: int, spec):
    """Synthetic clips rendered in memory with the person visible in most sampled frames."""
    clips, seed = [], FRESH_SEED
    while len(clips) < count:
        label = ("walking", "running")[len(clips) % 2]
        frames, masks, meta = render_clip(label, seed, 48)
        seed += 1
        if meta["visible_frames"] < 0.8 * 48:
            continue
        idx = clip_indices(48, spec.num_frames, spec.frame_step)
        rgb = np.repeat(frames[idx][..., None], 3, axis=-1)
        clips.append(Clip(rgb, idx, 25.0, (160, 120), masks=masks[idx], label=label))
    return clips


def mask_ratio(model, clip, spec, classes) -> float:
    """Mean over frames of (saliency mass inside the mask) / (mask's area share)."""
    x = clip_to_tensor(clip, spec)
    display = explain(model, x, "gradient", spec=spec, classes=classes).display("abs")
    masks = resize_masks(clip.masks, spec.height, spec.width)
    ratios = [pointing_game(d, m)[2] for d, m in zip(display, masks) if m.any()]
    return float(np.nanmean(ratios))


@pytest.fixture(scope="module")
def bundled():
    return load_checkpoint(BUNDLED)


def test_gradient_saliency_sits_on_the_person(bundled):
    spec, classes = bundled.meta.input_spec, bundled.meta.classes
    clips = fresh_clips(6, spec)
    trained = [mask_ratio(bundled.model, c, spec, classes) for c in clips]
    random_model = get_random_copy(bundled.model)
    random = [mask_ratio(random_model, c, spec, classes) for c in clips]
    assert np.mean(trained) >= 2.0, f"trained model: mass/area ratio {np.mean(trained):.2f}"
    assert np.mean(trained) > np.mean(random), (np.mean(trained), np.mean(random))


def test_randomisation_check_separates_trained_from_random(bundled):
    spec, classes = bundled.meta.input_spec, bundled.meta.classes
    x = clip_to_tensor(fresh_clips(1, spec)[0], spec)
    control = randomisation_check(bundled.model, x, "gradient", spec=spec, classes=classes, layers="none")
    randomised = randomisation_check(bundled.model, x, "gradient", spec=spec, classes=classes, layers="all")
    assert control["spearman_abs"] == pytest.approx(1.0)
    assert randomised["spearman_abs"] < 0.5, randomised


def get_random_copy(model):
    import copy

    clone = copy.deepcopy(model)
    generator = torch.Generator().manual_seed(0)
    for _, module in parameterised_modules(clone):
        reinitialise(module, generator)
    return clone.eval()
