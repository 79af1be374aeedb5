"""Faithfulness (deletion/insertion AUC) and the randomisation sanity check for study rows.

Both add columns to the rows in place: "deletion_auc", "insertion_auc" on every
row, "randomisation_spearman" on the first ``sanity_clips`` clips of each model
and method. The maths lives in :mod:`engine.evaluation.faithfulness`; this module feeds it
the study's clips, models and saved attributions, one job per (checkpoint, clip),
in parallel processes (one thread each) like the saliency tasks.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import os
from collections.abc import Sequence

import torch

from engine.evaluation.faithfulness import deletion_insertion, randomisation_check
from engine.io.tensors import frames_to_tensor
from engine.models.checkpoint import load_checkpoint
from engine.saliency import load_result
from engine.study.summary import group_rows

CURVE_STEPS = 10


def clip_checks(checkpoint: str, clip_path: str, results: list[str], sanity: list[bool], device: str = "cpu",
                steps: int = CURVE_STEPS) -> list[dict]:
    """Deletion/insertion AUC of each result of one clip under one model (and randomisation where asked).

    Args:
        checkpoint: the model the results were computed with.
        clip_path: the clip (its frames are read from the result files).
        results: result files (.npz, written by ``save_analysis``) of this clip and model, one per method.
        sanity: for each result, whether to run the randomisation check.
        device: torch device.
        steps: points - 1 of the deletion and insertion curves.

    Returns:
        one dict per result with "deletion_auc", "insertion_auc" and maybe "randomisation_spearman".
    """
    loaded = load_checkpoint(checkpoint, device=device)
    spec = loaded.meta.input_spec
    out = []
    for path, check in zip(results, sanity):
        result, arrays, _ = load_result(path)
        x = frames_to_tensor(arrays["frames"], spec)  # the very frames that were explained, not a new decode
        fill = result.baseline or "blur"
        curves = deletion_insertion(loaded.model, x, result.display("abs"), result.target, spec=spec, fill=fill,
                                    steps=steps)
        values = {"deletion_auc": float(curves["deletion_auc"]), "insertion_auc": float(curves["insertion_auc"])}
        if check:
            report = randomisation_check(loaded.model, x, result.method, spec=spec, classes=loaded.meta.classes,
                                         params=result.params, target=result.target, baseline=fill)
            values["randomisation_spearman"] = float(report["spearman_abs"])
        out.append(values)
    return out


def _one_thread_checks(*args) -> list[dict]:
    torch.set_num_threads(1)
    return clip_checks(*args)


def add_checks(rows: Sequence[dict], sanity_clips: int = 2, device: str = "cpu", workers: int | None = None) -> None:
    """Adds the faithfulness and sanity columns to ``rows`` in place (see the module docstring)."""
    sanity_ids = {id(r) for group in group_rows(rows, ("checkpoint", "method")).values()
                  for r in group[:max(sanity_clips, 0)]}
    groups = list(group_rows(rows, ("checkpoint", "clip")).items())
    jobs = [(checkpoint, clip, [r["result"] for r in g], [id(r) in sanity_ids for r in g], device)
            for (checkpoint, clip), g in groups]
    workers = workers or os.cpu_count() or 1
    if workers <= 1 or len(jobs) <= 1:
        outputs = [clip_checks(*job) for job in jobs]
    else:
        with cf.ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
            outputs = list(pool.map(_one_thread_checks, *zip(*jobs)))
    for (_, group), values in zip(groups, outputs):
        for row, extra in zip(group, values):
            row.update(extra)
