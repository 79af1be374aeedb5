"""Statistics helpers: correlations, Otsu's threshold, bootstrap intervals."""

import math

import numpy as np
import pytest

from engine.evaluation.stats import bootstrap_ci, pearson, spearman
from engine.thresholds import otsu_threshold


def test_otsu_separates_the_modes_of_a_bimodal_array():
    rng = np.random.default_rng(0)
    low = rng.normal(1.0, 0.1, 300)
    high = rng.normal(5.0, 0.1, 100)
    values = rng.permutation(np.concatenate([low, high]))
    threshold = otsu_threshold(values)
    assert low.max() <= threshold < high.min()
    assert (values > threshold).sum() == 100
    assert otsu_threshold(np.array([0.0, 0.0, 1.0, 1.0])) == 0.0
    assert otsu_threshold(np.full(5, 2.0)) == 2.0  # constant: nothing above
    assert math.isnan(otsu_threshold(np.array([np.nan])))


def test_correlations_are_nan_when_undefined():
    assert math.isnan(pearson(np.ones(3), np.arange(3)))
    assert math.isnan(spearman(np.arange(3), np.full(3, 7)))
    assert spearman([1, 2, 3], [10, 20, 1000]) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        pearson(np.ones(3), np.ones(4))


def test_bootstrap_ci_of_a_normal_mean():
    values = np.random.default_rng(1).normal(3.0, 1.0, 2000)
    estimate, low, high = bootstrap_ci(values, n_boot=2000, seed=0)
    assert estimate == pytest.approx(values.mean())
    assert low < 3.0 < high and low < estimate < high
    expected_width = 2 * 1.96 / math.sqrt(2000)
    assert abs((high - low) - expected_width) < 0.25 * expected_width
    assert bootstrap_ci(values, n_boot=2000, seed=0) == (estimate, low, high)
    assert bootstrap_ci(values, n_boot=2000, seed=1)[1] != low


def test_bootstrap_ci_drops_nans_and_takes_any_statistic():
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    with_nans = np.array([1.0, np.nan, 2.0, 3.0, np.nan, 4.0, 5.0])
    assert bootstrap_ci(with_nans, n_boot=200) == bootstrap_ci(values, n_boot=200)
    median = bootstrap_ci(values, n_boot=300, statistic=np.median)
    looped = bootstrap_ci(values, n_boot=300, statistic=lambda v: float(np.median(v)))
    assert median == looped and median[0] == 3.0
    assert 1.0 <= median[1] <= 3.0 <= median[2] <= 5.0
    assert bootstrap_ci(np.array([7.0]), n_boot=50) == (7.0, 7.0, 7.0)
    assert all(math.isnan(v) for v in bootstrap_ci(np.array([np.nan, np.nan])))


def test_rankdata_averages_ties():
    from engine.evaluation.stats import rankdata

    assert rankdata(np.array([30.0, 10.0, 20.0, 20.0, 50.0, 10.0])).tolist() == [5.0, 1.5, 3.5, 3.5, 6.0, 1.5]
