"""Real-camera-domain generator: crowds, occluders, blur, compression, lighting, noise and clothing show in the
output, and the classes share every appearance and scene distribution."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from engine.synth.degrade import Exposure
from engine.synth.realclip import render_plan, subframe_count
from engine.synth.realdomain import render_real_clip
from engine.synth.staging import plan_clip


def _seeds(label, options, keep, count=1, limit=200, frames=12):
    found = [s for s in range(limit) if keep(plan_clip(label, s, options, 96, 72, frames))]
    assert len(found) >= count, f"only {len(found)} seeds of {limit} fit"
    return found[:count]


def _components(mask: np.ndarray) -> int:
    return cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)[0] - 1


def test_crowd_puts_several_people_in_the_mask():
    for seed in _seeds("walking", {"crowd"}, lambda p: len(p.people) >= 3, 2):
        _, masks, meta = render_real_clip("walking", seed, {"crowd", "scale"}, 96, 72, 12)
        alone, alone_masks, _ = render_real_clip("walking", seed, {"scale"}, 96, 72, 12)
        assert meta["persons"] >= 3 and len(meta["people"]) == meta["persons"]
        assert max(_components(m) for m in masks) >= 2
        assert max(_components(m) for m in alone_masks) == 1  # one person: one connected mask
        assert masks.sum() > alone_masks.sum()
        assert (masks | alone_masks).sum() == masks.sum()  # the main person is still in the mask (never behind)


def test_occluder_hides_the_person_and_leaves_the_mask_exact():
    seeds = _seeds("running", {"occlusion"}, lambda p: p.occluder is not None and p.occluder.kind != "rail", 3)
    hidden_total = 0
    for seed in seeds:
        frames, masks, meta = render_real_clip("running", seed, {"occlusion"}, 96, 72, 12)
        _, open_masks, _ = render_real_clip("running", seed, set(), 96, 72, 12)
        plan = plan_clip("running", seed, {"occlusion"}, 96, 72, 12)
        for i in range(12):
            box = np.zeros((72, 96), bool)
            x0, y0, x1, y1 = plan.occluder.box(i / plan.fps)
            box[max(y0, 0) : max(y1, 0), max(x0, 0) : max(x1, 0)] = True
            assert np.array_equal(masks[i], open_masks[i] & ~box)  # the mask is the visible part, exactly
            hidden_total += (open_masks[i] & box).sum()
        assert meta["occluder"]["kind"] == plan.occluder.kind
    assert hidden_total > 30  # the occluders do hide people


def test_motion_blur_smears_the_moving_person_along_the_motion():
    def horizontal_share(frames, masks):
        gx = np.abs(np.diff(frames.astype(float), axis=2))[:, :-1, :]
        gy = np.abs(np.diff(frames.astype(float), axis=1))[:, :, :-1]
        near = np.stack([cv2.dilate(m.astype(np.uint8), np.ones((7, 7))) for m in masks])[:, :-1, :-1] > 0
        return gx[near].sum() / gy[near].sum()

    for seed in range(4):
        plan = replace(plan_clip("running", seed, {"blur", "pace"}, 96, 72, 6), exposure_seconds=1 / 25)
        sharp_plan = replace(plan, exposure_seconds=0.0)
        blurred, masks, _ = render_plan(plan)
        sharp, sharp_masks, _ = render_plan(sharp_plan)
        empty, _, _ = render_plan(plan, figure=False)
        assert subframe_count(plan) >= 3 and np.array_equal(masks, sharp_masks)
        assert horizontal_share(blurred, masks) < horizontal_share(sharp, masks) - 0.015
        footprint = (np.abs(blurred.astype(int) - empty) > 4).sum()
        assert footprint > 1.03 * (np.abs(sharp.astype(int) - empty) > 4).sum()
    exposures = [plan_clip("running", s, {"blur"}, 32, 24, 4).exposure_seconds for s in range(80)]
    assert min(exposures) < 1 / 500 and max(exposures) > 1 / 35 and all(1 / 1001 < e < 1 / 24.9 for e in exposures)


def _blockiness(frames: np.ndarray) -> float:
    """Mean jump across 8x8 JPEG block columns / mean jump elsewhere (1 for an unblocked image)."""
    jumps = np.abs(np.diff(frames.astype(float), axis=-1))
    boundary = np.arange(jumps.shape[-1]) % 8 == 7
    return float(jumps[..., boundary].mean() / jumps[..., ~boundary].mean())


def test_compression_leaves_jpeg_blocks_at_low_quality():
    seeds = _seeds("walking", {"compression"}, lambda p: p.jpeg_quality <= 35 and p.jpeg_downscale == 1.0, 2)
    for seed in seeds:
        coded, _, meta = render_real_clip("walking", seed, {"compression"}, 96, 72, 6)
        plain, _, _ = render_real_clip("walking", seed, set(), 96, 72, 6)
        assert meta["jpeg_quality"] <= 35
        assert _blockiness(coded) > 1.3 > 1.15 > _blockiness(plain)
        again = [cv2.imdecode(cv2.imencode(".jpg", f, [cv2.IMWRITE_JPEG_QUALITY, meta["jpeg_quality"]])[1], 0)
                 for f in coded]
        first = [cv2.imdecode(cv2.imencode(".jpg", f, [cv2.IMWRITE_JPEG_QUALITY, meta["jpeg_quality"]])[1], 0)
                 for f in plain]
        recoded = np.abs(np.array(again, int) - coded).mean()
        assert recoded < 0.5 * np.abs(np.array(first, int) - plain).mean()  # already JPEG at that quality
    small = _seeds("walking", {"compression"}, lambda p: p.jpeg_downscale < 0.7, 1)[0]
    coded, _, _ = render_real_clip("walking", small, {"compression"}, 96, 72, 6)
    plain, _, _ = render_real_clip("walking", small, set(), 96, 72, 6)
    detail = [np.abs(cv2.Laplacian(x.astype(np.float32), cv2.CV_32F)).mean() for x in (coded[0], plain[0])]
    assert detail[0] < 0.7 * detail[1]  # encoded at a lower resolution


def test_noise_level_is_the_drawn_one():
    sigmas = []
    for seed in range(8):
        frames, _, meta = render_real_clip("walking", seed, {"noise"}, 96, 72, 3, figure=False)
        measured = (frames[1].astype(float) - frames[2]).std() / np.sqrt(2)  # same scene, fresh noise
        assert abs(measured - meta["noise_sigma"]) < 0.15 * meta["noise_sigma"] + 0.2
        sigmas.append(meta["noise_sigma"])
    assert min(sigmas) < 2.0 and max(sigmas) > 5.0
    colour, _, meta = render_real_clip("walking", 3, {"noise", "colour"}, 96, 72, 3, figure=False)
    chroma = (colour[1].astype(float) - colour[2])
    assert meta["chroma_sigma"] > 0.5 and (chroma[..., 0] - chroma[..., 2]).std() > 0.5 * meta["chroma_sigma"]


def test_lighting_changes_exposure_and_drifts():
    lit = [render_real_clip("walking", s, {"lighting"}, 48, 36, 2, figure=False)[0] for s in range(16)]
    flat = [render_real_clip("walking", s, set(), 48, 36, 2, figure=False)[0] for s in range(16)]
    ratio = np.array([a.mean() / b.mean() for a, b in zip(lit, flat)])
    assert ratio.max() - ratio.min() > 0.25 and ratio.max() > 1.15
    seed = _seeds("walking", {"lighting"}, lambda p: p.exposure.drift > 0.05 and p.exposure.drift_hz > 0.3, 1)[0]
    drifting, _, _ = render_real_clip("walking", seed, {"lighting"}, 48, 36, 50, figure=False)
    steady, _, _ = render_real_clip("walking", seed, set(), 48, 36, 50, figure=False)
    assert np.ptp(drifting.mean(axis=(1, 2))) > 3 * np.ptp(steady.mean(axis=(1, 2)))


def test_lighting_casts_a_shadow_under_the_feet():
    seed = _seeds("walking", {"lighting"}, lambda p: p.shadow > 0.35, 1)[0]
    plan = replace(plan_clip("walking", seed, {"lighting"}, 96, 72, 4), exposure=Exposure())  # shadow only
    shaded, masks, _ = render_plan(plan)
    unshaded, _, _ = render_plan(replace(plan, shadow=0.0))
    darker = (unshaded.astype(int) - shaded)[~masks]
    assert darker.min() >= -1 and (darker > 8).sum() > 20  # only darkening, outside the person


def test_clothing_varies_colour_proportions_and_patterns():
    looks = [plan_clip("running", s, {"clothing"}, 32, 24, 2).people[0].look for s in range(40)]
    plain = [plan_clip("running", s, set(), 32, 24, 2).people[0].look for s in range(40)]
    assert all(len(set(lk.top)) == 1 for lk in plain)  # KTH-like: grey clothes
    assert sum(max(lk.top) - min(lk.top) > 60 for lk in looks) >= 5
    assert np.ptp([lk.leg_share for lk in looks]) > 0.04 and np.ptp([lk.width for lk in looks]) > 0.3
    assert any(lk.stripes for lk in looks) and any(lk.shorts for lk in looks) and any(lk.skirt for lk in looks)
    assert all(0.1 <= lk.shading <= 0.35 for lk in looks) and not any(lk.shading or lk.skirt for lk in plain)
    seed = next(s for s, lk in enumerate(looks) if lk.stripes and max(lk.top) - min(lk.top) > 60)
    frames, masks, _ = render_real_clip("running", seed, {"clothing", "colour", "scale"}, 96, 72, 4)
    person = frames[masks].astype(int)
    assert np.abs(person[:, 0] - person[:, 2]).mean() > 10


def test_classes_share_appearance_scene_and_visibility():
    stats = {}
    for label in ("walking", "running"):
        metas = [render_real_clip(label, s, {"scale", "view", "fps", "tracking", "treadmill"}, 64, 48)[2]
                 for s in range(30)]
        stats[label] = {
            "visible": np.mean([m["visible_frames"] / m["num_frames"] for m in metas]),
            "height": np.mean([m["height_share"] for m in metas]),
        }
    walking, running = stats["walking"], stats["running"]
    assert abs(walking["visible"] - running["visible"]) < 0.12
    assert abs(walking["height"] - running["height"]) < 0.1
    plans = {label: [plan_clip(label, s, {"clothing", "scale"}, 32, 24, 2) for s in range(25)]
             for label in ("walking", "running")}
    assert [p.people[0].look for p in plans["walking"]] == [p.people[0].look for p in plans["running"]]


def test_shading_darkens_limb_edges_and_the_skirt_widens_the_hips():
    seed = _seeds("walking", {"clothing", "scale"}, lambda p: p.people[0].look.skirt, 1)[0]
    plan = plan_clip("walking", seed, {"clothing", "scale", "colour"}, 96, 72, 6)
    look = plan.people[0].look
    flat_look = replace(look, shading=0.0, skirt=False)
    flat_plan = replace(plan, people=(replace(plan.people[0], look=flat_look),) + plan.people[1:])
    shaded, masks, _ = render_plan(plan)
    flat, flat_masks, _ = render_plan(flat_plan)
    assert masks.sum() > flat_masks.sum()  # the skirt covers more than the thighs
    both = masks & flat_masks
    assert shaded[both].astype(float).mean() < flat[both].astype(float).mean() - 2  # darker edges
