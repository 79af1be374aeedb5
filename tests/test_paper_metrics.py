"""The scores of Ismail et al. (NeurIPS 2019) against values worked out by hand from their formulas."""

import math

import numpy as np
import pytest

from engine.evaluation.agreement import mass_jaccard
from engine.evaluation.paper import (
    PAPER_METRICS,
    auc,
    enrichment_score,
    euclidean,
    jaccard,
    minmax,
    paper_scores,
    top_n_cells,
    weighted_jaccard,
)

REF = np.array([1, 1, 0, 0], dtype=bool)  # N = 2


def test_minmax_scales_over_the_whole_map():
    np.testing.assert_allclose(minmax(np.array([[2.0, 4.0], [3.0, 6.0]])), [[0.0, 0.5], [0.25, 1.0]])
    assert minmax(np.ones(3)) is None
    assert top_n_cells(np.array([0.5, 1.0, 0.5, 0.0]), 2).tolist() == [True, True, False, False]  # tie: first wins


def test_hand_worked_scores():
    # s = [1, 0, .5, 0] after min-max (raw [3, 1, 2, 1]); top-2 = cells {0, 2}; ref = {0, 1}.
    raw = np.array([3.0, 1.0, 2.0, 1.0])
    assert jaccard(raw, REF) == pytest.approx(1 / 3)  # |{0}| / |{0, 1, 2}|
    assert weighted_jaccard(raw, REF) == pytest.approx(1 / 2.5)  # min: 1+0+0+0; max: 1+1+.5+0
    assert euclidean(raw, REF) == pytest.approx(math.sqrt(1.25 / 2))  # ||(0, 1, -.5, 0)|| / sqrt(2)
    assert auc(raw, REF) == pytest.approx(0.625)  # pairs (3,2) 1, (3,1) 1, (1,2) 0, (1,1) .5 -> 2.5 / 4
    assert enrichment_score(raw, REF) == pytest.approx(0.5)  # (s0 = 1 inside top-2, minus s1 = 0 outside) / 2


def test_paper_weighted_jaccard_differs_from_the_sum_normalised_one():
    s = np.array([1.0, 0.0, 0.5, 0.0])
    assert weighted_jaccard(s, REF) == pytest.approx(0.4)  # 1 / 2.5
    # sum-normalised: p = (.5, .5, 0, 0), q = (2/3, 0, 1/3, 0): min sum .5, max sum 2/3 + .5 + 1/3 = 1.5
    assert mass_jaccard(s, REF.astype(float)) == pytest.approx(1 / 3)


def test_three_dimensional_maps_and_perfect_agreement():
    ref = np.zeros((3, 4, 4), dtype=bool)
    ref[0, :2, :2] = True
    s = ref * 5.0 + 2.0  # constant offset: min-max scaling removes it
    scores = paper_scores(s, ref)
    assert set(scores) == set(PAPER_METRICS)
    assert scores == pytest.approx({"jac": 1.0, "wjac": 1.0, "euc": 0.0, "auc": 1.0, "es": 1.0})


def test_saliency_everywhere_but_the_box():
    ref = np.zeros((10, 10), dtype=bool)
    ref[:3, 1:9] = True  # N = 24
    s = (~ref).astype(float)  # scaled: 0 on the box, 1 elsewhere
    assert jaccard(s, ref) == 0.0
    assert weighted_jaccard(s, ref) == 0.0  # min is 0 everywhere
    assert euclidean(s, ref) == pytest.approx(math.sqrt(100 / 24))  # every cell differs by 1
    assert auc(s, ref) == 0.0
    assert enrichment_score(s, ref) == 0.0  # the box cells all scaled to 0


def test_undefined_cases_are_nan():
    assert all(math.isnan(v) for v in paper_scores(np.ones(4), REF).values())  # constant map
    assert all(math.isnan(v) for v in paper_scores(np.arange(4.0), np.zeros(4, bool)).values())  # empty ref
    with pytest.raises(ValueError):
        jaccard(np.arange(4.0), np.ones(5, bool))
