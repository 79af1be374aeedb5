"""Tests of the real-camera-domain generator: determinism, the CLI, backgrounds, colour and scale.

Every option has a determinism test (same seed, identical arrays and metadata) and a test
that it shows in the output the way it claims. Clips are small (64x48 to 96x72, few frames).
"""

from __future__ import annotations

import hashlib

import cv2
import numpy as np
import pytest

from engine.__main__ import main as cli_main
from engine.errors import UserError
from engine.io.masks import load_sidecar, mask_sidecar_path
from engine.io.video import probe_video
from engine.synth.domain import OPTIONS, REAL_DOMAIN, parse_randomise
from engine.synth.photos import backgrounds_dir, load_photos
from engine.synth.realdomain import render_real_clip


def _digest(paths) -> list[str]:
    return [hashlib.sha256(f.read_bytes()).hexdigest() for p in paths for f in (p, mask_sidecar_path(p))]


def test_parse_randomise_names_all_and_removal():
    assert parse_randomise("colour, scale") == {"colour", "scale"}
    assert parse_randomise("all") == REAL_DOMAIN == set(OPTIONS)
    assert parse_randomise("all,-backgrounds") == REAL_DOMAIN - {"backgrounds"}
    assert parse_randomise(None) == parse_randomise("none") == frozenset()
    with pytest.raises(UserError, match="Unknown randomisation 'sepia'"):
        parse_randomise("colour,sepia")


@pytest.mark.parametrize("option", sorted(OPTIONS) + ["all"])
def test_same_seed_gives_identical_clip(option):
    options = parse_randomise(option)
    a = render_real_clip("running", 21, options, 64, 48, num_frames=8)
    b = render_real_clip("running", 21, options, 64, 48, num_frames=8)
    c = render_real_clip("running", 22, options, 64, 48, num_frames=8)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) and a[2] == b[2]
    assert not np.array_equal(a[0], c[0])
    assert a[2]["randomise"] == sorted(options)


def test_cli_real_domain_files_identical_for_a_seed(tmp_path):
    runs = []
    for name in ("a", "b"):
        out = tmp_path / name
        args = ["synth", "--out", str(out), "--per-class", "1", "--seed", "3", "--domain", "real",
                "--frame-size", "64x48", "--seconds", "1", "--no-progress"]
        assert cli_main(args) == 0
        runs.append(sorted(out.glob("*/*.avi")))
    assert [p.name for p in runs[0]] == ["running_00000.avi", "walking_00000.avi"]
    assert _digest(runs[0]) == _digest(runs[1])
    masks, meta = load_sidecar(runs[0][0])
    info = probe_video(runs[0][0])
    assert (info.width, info.height, info.frame_count) == (64, 48, meta["num_frames"]) == (64, 48, len(masks))
    assert meta["randomise"] == sorted(OPTIONS) and meta["label"] == "running"


def test_cli_lists_the_randomisations(tmp_path, capsys):
    assert cli_main(["synth", "--out", str(tmp_path / "none"), "--randomise", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(OPTIONS) and not (tmp_path / "none").exists()


def test_cli_rejects_bad_real_domain_arguments(tmp_path, capsys):
    base = ["synth", "--out", str(tmp_path / "x"), "--per-class", "1", "--no-progress"]
    assert cli_main(base + ["--randomise", "colour,sepia"]) == 2
    assert "sepia" in capsys.readouterr().err
    assert cli_main(base + ["--domain", "real", "--frame-size", "big"]) == 2
    assert "WIDTHxHEIGHT" in capsys.readouterr().err
    assert cli_main(base + ["--randomise", "colour", "--task", "event"]) == 2
    assert "--task kth" in capsys.readouterr().err


def _photo_crop(meta: dict, shape: tuple[int, int]) -> np.ndarray:
    """The crop of the photograph the metadata names, rendered independently of the generator."""
    back = meta["background"]
    photo = dict(load_photos(str(backgrounds_dir())))[back["source"]]
    s = back["scale"]
    matrix = np.array([[s, 0.0, -s * back["left"]], [0.0, s, -s * back["top"]]])
    return cv2.warpAffine(photo, matrix, (shape[1], shape[0]), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    """The lowest per-channel correlation (a grey texture photograph may be tinted in colour clips)."""
    return min(float(np.corrcoef(a[..., c].astype(float).ravel(), b[..., c].astype(float).ravel())[0, 1])
               for c in range(a.shape[-1]))


def test_backgrounds_are_crops_of_the_named_photograph():
    assert len(load_photos(str(backgrounds_dir()))) >= 10
    for seed in range(4):
        photo_clip, _, meta = render_real_clip("walking", seed, {"backgrounds", "colour"}, 96, 72, 4, figure=False)
        plain_clip, _, plain_meta = render_real_clip("walking", seed, {"colour"}, 96, 72, 4, figure=False)
        assert meta["background"]["source"].endswith(".jpg")
        assert plain_meta["background"]["source"].startswith("procedural:")
        crop = _photo_crop(meta, photo_clip.shape[1:3])
        assert _correlation(photo_clip[0], crop) > 0.9  # the frame is the photo crop, blurred and noisy
        assert _correlation(plain_clip[0], crop) < 0.6


def test_backgrounds_vary_over_seeds():
    sources = {render_real_clip("running", s, {"backgrounds"}, 64, 48, 2)[2]["background"]["source"] for s in range(12)}
    assert len(sources) >= 6


def test_colour_option_gives_colour_frames_and_casts():
    grey, _, _ = render_real_clip("walking", 5, {"backgrounds"}, 64, 48, 6)
    colour, _, meta = render_real_clip("walking", 5, {"backgrounds", "colour"}, 64, 48, 6)
    assert grey.shape == (6, 48, 64) and colour.shape == (6, 48, 64, 3)
    channels = colour.astype(int)
    assert np.abs(channels[..., 0] - channels[..., 1]).mean() + np.abs(channels[..., 1] - channels[..., 2]).mean() > 5
    gains = [render_real_clip("walking", s, {"colour"}, 32, 24, 2)[2]["exposure"]["channel_gains"] for s in range(8)]
    assert len({tuple(g) for g in gains}) == 8 and max(max(g) - min(g) for g in gains) > 0.1


def test_colour_clothing_differs_between_channels_on_the_person():
    frames, masks, meta = render_real_clip("running", 9, {"colour", "clothing"}, 96, 72, 6)
    person = frames[masks]
    assert len(person) > 50
    assert np.abs(person[:, 0].astype(int) - person[:, 2]).mean() > 8
    assert meta["people"][0]["look"]["top"] != meta["people"][0]["look"]["trousers"]


def _height_shares(options, seeds) -> np.ndarray:
    """Tallest mask extent / frame height of each clip (one person, side view)."""
    shares = []
    for seed in seeds:
        _, masks, meta = render_real_clip("walking", seed, options, 80, 60, 12)
        rows = np.flatnonzero(masks.any(axis=(0, 2)))
        per_frame = [np.ptp(np.flatnonzero(m.any(axis=1))) + 1 for m in masks if m.any()]
        shares.append(max(per_frame) / 60 if per_frame else np.nan)
        assert len(rows) == 0 or meta["height_share"] > 0
    return np.array(shares)


def test_scale_option_spans_an_eighth_to_the_whole_frame():
    wide = _height_shares({"scale"}, range(40))
    kth = _height_shares(set(), range(40))
    wide, kth = wide[~np.isnan(wide)], kth[~np.isnan(kth)]
    assert wide.min() < 0.2 and wide.max() > 0.85
    assert kth.min() > 0.33 and kth.max() < 0.72


def test_sidecar_metadata_records_every_draw(tmp_path):
    out = tmp_path / "meta"
    assert cli_main(["synth", "--out", str(out), "--per-class", "1", "--seed", "8", "--domain", "real",
                     "--frame-size", "48x36", "--frames", "6", "--no-progress"]) == 0
    for video in sorted(out.glob("*/*.avi")):
        masks, meta = load_sidecar(video)
        assert masks.shape == (6, 36, 48) and meta["num_frames"] == 6
        expected = {"background", "exposure", "colour", "shadow", "sun_shadow", "noise_sigma", "chroma_sigma",
                    "blur_sigma", "height_share", "people", "persons", "camera", "pan_px_per_s", "shake", "occluder",
                    "exposure_seconds", "subframes", "jpeg_quality", "jpeg_downscale", "fps", "cadence_hz",
                    "visible_frames", "visibility", "seed", "randomise", "index"}
        assert expected <= set(meta), expected - set(meta)
        person = meta["people"][0]
        assert {"heading_deg", "in_place", "cadence_hz", "stance_fraction", "look", "height_px"} <= set(person)
        assert meta["visible_frames"] == int(masks.reshape(6, -1).any(axis=1).sum())
        _, again, _ = render_real_clip(meta["label"], meta["seed"], REAL_DOMAIN, 48, 36, 6)
        assert np.array_equal(again, masks)  # the recorded seed redoes the clip
