"""The box experiments of Ismail et al. (NeurIPS 2019): training, saliency, the paper's scores.

For each box (:data:`engine.synth.box.BOXES`), model (:data:`BOX_MODELS`) and
seed: train on 1,000 samples (Adam, lr 1e-3, batch 50) until the training
accuracy reaches 100% or ``max_epochs``, keep the epoch with the best accuracy
on a separate validation set (the paper's code kept the best *test* accuracy),
then score the absolute gradient of the true class's softmax probability on
300 test samples against the box with the paper's metrics
(:mod:`engine.evaluation.paper`) and the share of saliency per time third.

Inputs are standardised per input column as the paper's code does: each
(step, feature) cell gets the mean and standard deviation of the training set.
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from engine.evaluation.paper import PAPER_METRICS, paper_scores
from engine.study.box_models import BOX_MODELS, BoxClassifier
from engine.synth.box import BOXES, BoxData, make_box_data

THIRDS = ("early", "middle", "late")


@dataclass(frozen=True)
class BoxConfig:
    """Sizes of the box experiments.

    Attributes:
        boxes: which boxes.
        models: which models.
        seeds: training seeds (data and weights); one run per (box, model, seed).
        train, val, test: samples per split.
        max_epochs: the epoch cap when 100% training accuracy is not reached.
        batch_size, lr: Adam's batch and learning rate.
    """

    boxes: tuple[str, ...] = tuple(BOXES)
    models: tuple[str, ...] = BOX_MODELS
    seeds: tuple[int, ...] = (0, 1, 2)
    train: int = 1000
    val: int = 200
    test: int = 300
    max_epochs: int = 30
    batch_size: int = 50
    lr: float = 1e-3


def box_splits(box: str, seed: int, cfg: BoxConfig) -> tuple[BoxData, BoxData, BoxData]:
    """(train, validation, test) data of one seed; every (box, seed, split) has its own generator seed."""
    base = 1000 * seed + 10 * list(BOXES).index(box)
    return (make_box_data(box, cfg.train, base + 1), make_box_data(box, cfg.val, base + 2),
            make_box_data(box, cfg.test, base + 3))


class Standardiser:
    """Per-cell standardisation fitted on the training set: (x - mean) / std over samples."""

    def __init__(self, x: np.ndarray) -> None:
        self.mean = x.mean(axis=0)
        self.std = np.maximum(x.std(axis=0), 1e-8)

    def __call__(self, x: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(((x - self.mean) / self.std).astype(np.float32))


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Eval-mode accuracy."""
    model.eval()
    with torch.no_grad():
        return float((model(x).argmax(dim=1) == y).float().mean())


def train_box_model(kind: str, x: torch.Tensor, y: torch.Tensor, x_val: torch.Tensor, y_val: torch.Tensor,
                    seed: int, cfg: BoxConfig) -> tuple[BoxClassifier, dict]:
    """Trains until 100% training accuracy or the epoch cap; returns the best-validation model and a log.

    Ties in validation accuracy go to the later epoch. The log holds "epochs" run,
    "best_epoch", "train_acc" and "val_acc" of the kept epoch, and "seconds".
    """
    torch.manual_seed(seed)
    model = BoxClassifier(kind, x.shape[-1])
    optimiser = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    generator = torch.Generator().manual_seed(seed)
    start, best, log = time.perf_counter(), None, {}
    for epoch in range(1, cfg.max_epochs + 1):
        model.train()
        for batch in torch.randperm(len(x), generator=generator).split(cfg.batch_size):
            loss = nn.functional.cross_entropy(model(x[batch]), y[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        train_acc, val_acc = accuracy(model, x, y), accuracy(model, x_val, y_val)
        if best is None or val_acc >= best[0]:
            best = (val_acc, {k: v.clone() for k, v in model.state_dict().items()})
            log = {"best_epoch": epoch, "train_acc": train_acc, "val_acc": val_acc}
        if train_acc == 1.0:
            break
    model.load_state_dict(best[1])
    model.eval()
    return model, {**log, "epochs": epoch, "seconds": time.perf_counter() - start}


def gradient_saliency(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    """|d softmax(model(x))[y] / d x| in eval mode: (N, T, D) float64 (samples are independent in eval)."""
    model.eval()
    x = x.clone().requires_grad_(True)
    probability = torch.softmax(model(x), dim=1).gather(1, y[:, None]).sum()
    (gradient,) = torch.autograd.grad(probability, x)
    return gradient.abs().double().numpy()


def thirds_share(saliency: np.ndarray) -> np.ndarray:
    """(N, 3) share of each sample's saliency mass in the early, middle and late third of the steps."""
    per_step = saliency.sum(axis=2)  # (N, T)
    bounds = np.linspace(0, per_step.shape[1], 4).round().astype(int)
    thirds = np.stack([per_step[:, a:b].sum(axis=1) for a, b in zip(bounds[:-1], bounds[1:])], axis=1)
    return thirds / np.maximum(thirds.sum(axis=1, keepdims=True), 1e-300)


def score_saliency(saliency: np.ndarray, mask: np.ndarray) -> dict:
    """Means over samples of the paper's scores and thirds, and the mean share of mass per step.

    Args:
        saliency: (N, T, D) non-negative saliency.
        mask: (T, D) bool box.
    """
    scores = [paper_scores(s, mask) for s in saliency]
    per_step = saliency.sum(axis=2)
    step_share = per_step / np.maximum(per_step.sum(axis=1, keepdims=True), 1e-300)
    thirds = thirds_share(saliency).mean(axis=0)
    return {**{k: float(np.nanmean([s[k] for s in scores])) for k in PAPER_METRICS},
            **{f"mass_{name}": float(v) for name, v in zip(THIRDS, thirds)},
            "step_mass": step_share.mean(axis=0).tolist()}


def run_box(box: str, kind: str, seed: int, cfg: BoxConfig) -> dict:
    """One (box, model, seed) run: train, select on validation, score on test."""
    train, val, test = box_splits(box, seed, cfg)
    scale = Standardiser(train.x)
    x, y = scale(train.x), torch.from_numpy(train.y)
    model, log = train_box_model(kind, x, y, scale(val.x), torch.from_numpy(val.y), seed, cfg)
    x_test, y_test = scale(test.x), torch.from_numpy(test.y)
    scores = score_saliency(gradient_saliency(model, x_test, y_test), test.mask)
    return {"box": box, "model": kind, "seed": seed, "test_acc": accuracy(model, x_test, y_test), **log, **scores}


def _run_one_thread(box: str, kind: str, seed: int, cfg: BoxConfig) -> dict:
    """:func:`run_box` in a worker process, on one thread (small recurrent models gain nothing from more)."""
    torch.set_num_threads(1)
    return run_box(box, kind, seed, cfg)


def run_box_experiment(cfg: BoxConfig = BoxConfig(), progress: bool = True, workers: int = 1) -> list[dict]:
    """Every (box, model, seed) run; one row each (see :func:`run_box`), in (box, model, seed) order.

    Args:
        cfg: sizes.
        progress: print a line per finished run.
        workers: runs in parallel; above 1, each in its own spawned process on one thread.
            Every run seeds its own data and weights, so the rows do not depend on ``workers``.
    """
    jobs = [(box, kind, seed) for box in cfg.boxes for kind in cfg.models for seed in cfg.seeds]

    def report(row: dict) -> dict:
        if progress:
            print(f"ica-box: {row['box']} {row['model']} seed {row['seed']}: test acc {row['test_acc']:.3f}, "
                  f"{row['epochs']} epochs, {row['seconds']:.1f} s", flush=True)
        return row

    if workers <= 1 or len(jobs) == 1:
        return [report(run_box(*job, cfg)) for job in jobs]

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(_run_one_thread, *job, cfg): job for job in jobs}
        done = {futures[f]: report(f.result()) for f in as_completed(futures)}
    return [done[job] for job in jobs]
