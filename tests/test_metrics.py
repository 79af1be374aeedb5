"""Agreement metrics, faithfulness-curve maths and sanity checks on hand-made arrays."""

import math

import numpy as np
import pytest

from engine.evaluation.faithfulness import curve_auc, patch_ranking, patches_to_mask
from engine.evaluation.catalog import REFERENCES, agreement_metrics, metric_key
from engine.evaluation.agreement import (
    agreement_table,
    auc,
    mass_jaccard,
    nss,
    pearson,
    pointing_game,
    rank_correlation,
    rms_distance,
    sim,
    spearman,
    temporal_correlation,
    top_k_mask,
    topk_iou,
    topk_jaccard,
)


def square_in_4x4() -> tuple[np.ndarray, np.ndarray]:
    """A 2x2 mask in the top-left of a 4x4 frame and a map that is 1 exactly there."""
    mask = np.zeros((4, 4), bool)
    mask[:2, :2] = True
    return mask.astype(float), mask


def test_identical_maps_agree_perfectly():
    a = np.arange(16, dtype=float).reshape(4, 4)
    assert pearson(a, a) == pytest.approx(1.0)
    assert spearman(a, a) == pytest.approx(1.0)
    assert mass_jaccard(a, a) == pytest.approx(1.0)
    assert sim(a, a) == pytest.approx(1.0)
    assert rms_distance(a, a) == pytest.approx(0.0)
    assert topk_jaccard(a, a, 0.25) == pytest.approx(1.0)
    assert rms_distance(a, 3 * a) == pytest.approx(0.0)  # scale-free: unit-max normalisation


def test_disjoint_maps_share_nothing():
    a = np.array([[1.0, 0.0], [0.0, 0.0]])
    b = np.array([[0.0, 0.0], [0.0, 1.0]])
    assert mass_jaccard(a, b) == 0.0
    assert sim(a, b) == 0.0
    assert rms_distance(a, b) == pytest.approx(math.sqrt(2) / 2)  # ||(1,0,0,-1)|| / sqrt(4)


def test_hand_computed_correlations_and_overlaps():
    a = np.array([1.0, 2.0, 3.0, 4.0])
    b = np.array([1.0, 3.0, 2.0, 4.0])
    assert pearson(a, b) == pytest.approx(0.8)  # (2.25-.25-.25+2.25) / 5
    assert spearman(a, b) == pytest.approx(0.8)
    assert pearson(a, a[::-1]) == pytest.approx(-1.0)
    outlier = np.array([1.0, 2.0, 3.0, 100.0])
    assert spearman(a, outlier) == pytest.approx(1.0) and pearson(a, outlier) < 0.9
    assert math.isnan(pearson(a, np.ones(4)))
    two, one = np.array([1.0, 1.0, 0.0, 0.0]), np.array([1.0, 0.0, 0.0, 0.0])
    assert mass_jaccard(two, one) == pytest.approx(1 / 3)  # min sum .5, max sum 1.5
    assert sim(two, one) == pytest.approx(0.5)
    assert math.isnan(sim(np.zeros(4), one))


def test_top_k_sets():
    a = np.arange(8, dtype=float)
    b = np.array([0.0, 1, 2, 3, 4, 7, 6, 5])
    assert top_k_mask(a, 0.25).nonzero()[0].tolist() == [6, 7]
    assert topk_jaccard(a, b, 0.25) == pytest.approx(1 / 3)  # {6,7} vs {5,6}
    assert topk_jaccard(a, a[::-1], 0.25) == 0.0
    assert top_k_mask(a, 0.0001).sum() == 1  # at least one pixel
    sal, mask = square_in_4x4()
    sal = sal + np.linspace(0, 0.1, 16).reshape(4, 4)  # break ties
    assert topk_iou(sal, mask, 0.25) == pytest.approx(1.0)
    assert topk_iou(sal, mask, 0.125) == pytest.approx(0.5)  # 2 of the 4 mask pixels
    assert math.isnan(topk_iou(sal, np.zeros((4, 4), bool)))


def test_energy_pointing_game_on_a_square():
    sal, mask = square_in_4x4()
    assert pointing_game(sal, mask) == pytest.approx((1.0, 0.25, 4.0))
    assert pointing_game(np.ones((4, 4)), mask) == pytest.approx((0.25, 0.25, 1.0))
    mass, share, ratio = pointing_game(np.zeros((4, 4)), mask)
    assert math.isnan(mass) and share == 0.25 and math.isnan(ratio)


def test_auc_nss():
    mask = np.array([True, True, False, False])
    assert auc(np.array([3.0, 2.0, 1.0, 0.0]), mask) == 1.0
    assert auc(np.array([0.0, 1.0, 2.0, 3.0]), mask) == 0.0
    assert auc(np.ones(4), mask) == 0.5
    assert auc(np.array([3.0, 1.0, 0.0, 2.0]), mask) == 0.75  # 3 of 4 pairs ordered
    assert math.isnan(auc(np.arange(4.0), np.zeros(4, bool)))
    assert math.isnan(auc(np.arange(4.0), np.ones(4, bool)))
    sal = np.array([0.0, 0.0, 0.0, 4.0])  # mean 1, std sqrt(3)
    assert nss(sal, np.array([False, False, False, True])) == pytest.approx(math.sqrt(3))
    assert nss(sal, np.array([True, False, False, False])) == pytest.approx(-1 / math.sqrt(3))
    assert math.isnan(nss(np.ones(4), mask))


def test_temporal_and_rank_correlation():
    assert temporal_correlation([1.0, 2.0, 3.0], [2.0, 4.0, 6.0]) == pytest.approx(1.0)
    assert temporal_correlation([9.0, 2.0, 3.0, 4.0], [np.nan, 1.0, 0.0, -1.0]) == pytest.approx(-1.0)
    a, b = np.array([-3.0, 1.0, 2.0]), np.array([3.0, 1.0, 2.0])
    assert rank_correlation(a, b) == pytest.approx(-0.5)
    assert rank_correlation(a, b, absolute=True) == pytest.approx(1.0)


def test_agreement_table_per_frame_and_clip_values():
    sal = np.zeros((3, 4, 4))
    sal[:, :2, :2] = 1.0
    mask = np.zeros((3, 4, 4), bool)
    mask[0, :2, :2] = True  # frame 0: saliency exactly on the mask
    mask[1, 2:, 2:] = True  # frame 1: saliency off the mask; frame 2: empty mask
    flow_mag = np.zeros((3, 4, 4))
    flow_mag[:, :2, :2] = [[[3.0]], [[4.0]], [[5.0]]]  # one clip-wide Otsu split: 0 | 3-5
    table = agreement_table(sal, flow_mag=flow_mag, mask=mask, top_k=0.25)
    np.testing.assert_allclose(table["mask.pointing_mass"], [1.0, 0.0, np.nan])
    np.testing.assert_allclose(table["mask.pointing_ratio"], [4.0, 0.0, np.nan])
    np.testing.assert_allclose(table["mask.auc"], [1.0, 1 / 3, np.nan])  # 32 of 48 pairs tie at 0: half each
    assert table["mask.pointing_mass.clip"] == pytest.approx(0.5)  # NaN frame skipped
    np.testing.assert_allclose(table["flow.pearson"], [1.0, 1.0, 1.0])
    np.testing.assert_allclose(table["flow.mass_jaccard"], [1.0, 1.0, 1.0])
    np.testing.assert_allclose(table["flow.auc"], [1.0, 1.0, 1.0])  # Otsu motion mask = the square
    assert math.isnan(table["flow.temporal_correlation.clip"])  # saliency mass is constant
    for name, info in agreement_metrics().items():
        assert table[metric_key("flow", name)].shape == (3,)
        assert isinstance(table[metric_key("flow", name, clip=True)], float)
        assert (metric_key("mask", name) in table) == (info.reference == "mask")
    assert set(REFERENCES) == {"flow", "mask"}


def test_agreement_table_skips_invalid_flow_frames_and_checks_shapes():
    sal = np.random.default_rng(0).random((3, 4, 4))
    flow_mag = sal * 2 + 0.1
    table = agreement_table(sal, flow_mag=flow_mag, flow_valid=np.array([False, True, True]))
    assert math.isnan(table["flow.pearson"][0]) and math.isnan(table["flow.auc"][0])
    np.testing.assert_allclose(table["flow.pearson"][1:], [1.0, 1.0])
    assert table["flow.pearson.clip"] == pytest.approx(1.0)
    assert "mask.auc" not in table
    with pytest.raises(ValueError, match="must both be"):
        agreement_table(sal, mask=np.zeros((3, 5, 4), bool))


def test_patch_ranking_orders_patches_by_mean_saliency():
    sal = np.zeros((2, 4, 4))
    sal[1, 2:, :2] = 5.0  # frame 1, patch row 1, column 0
    sal[0, :2, 2:] = 3.0  # frame 0, patch row 0, column 1
    sal[0, 3, 3] = 4.0  # frame 0, patch (1, 1): mean 1
    order = patch_ranking(sal, 2)
    assert order.shape == (8, 3)
    assert order[:3].tolist() == [[1, 1, 0], [0, 0, 1], [0, 1, 1]]
    assert order[3:].tolist() == [[0, 0, 0], [0, 1, 0], [1, 0, 0], [1, 0, 1], [1, 1, 1]]  # ties by position
    edge = np.zeros((5, 5))
    edge[4, 4] = 1.0  # a 1x1 edge patch with mean 1 beats full patches
    assert patch_ranking(edge[None], 2)[0].tolist() == [0, 2, 2] and len(patch_ranking(edge[None], 2)) == 9
    covered = patches_to_mask(order[:2], (2, 4, 4), 2)
    assert covered.sum() == 8 and covered[1, 2:, :2].all() and covered[0, :2, 2:].all()


def test_curve_auc_on_hand_made_curves():
    assert curve_auc([0.0, 0.5, 1.0], [1.0, 1.0, 1.0]) == pytest.approx(1.0)
    assert curve_auc([0.0, 0.25, 0.5, 0.75, 1.0], [1.0, 0.75, 0.5, 0.25, 0.0]) == pytest.approx(0.5)
    assert curve_auc([0, 10, 20], [1.0, 0.0, 0.0]) == pytest.approx(0.25)  # x rescaled to [0, 1]
    with pytest.raises(ValueError, match="increasing"):
        curve_auc([0.0, 0.5, 0.5], [1.0, 0.5, 0.0])
    with pytest.raises(ValueError):
        curve_auc([0.0], [1.0])
