"""Vanishing saliency in video: the input-cell-attention box experiment, carried to clips.

Ismail et al. (NeurIPS 2019) showed that a plain LSTM's gradient saliency fades
for early time steps, while input-cell attention keeps them visible. Here the
class of a clip ("up" or "down") is decided only by a short event in one third
of the clip (:mod:`engine.synth.event`); a model is trained per event position and
training seed, then its gradient saliency on held-out clips is compared with the event mask
(:mod:`engine.study.report_event` aggregates the seeds).

Everything stays in memory: clips are rendered straight into tensors.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset, TensorDataset

from engine.evaluation.paper import PAPER_METRICS, paper_scores
from engine.io.tensors import InputSpec, frames_to_tensor
from engine.models import get_model
from engine.models.checkpoint import LoadedModel, load_checkpoint, read_payload
from engine.models.train import TrainConfig, seed_everything, train
from engine.saliency import explain
from engine.synth import EVENT_CLASSES, POSITIONS, event_window, render_event_clip
from engine.synth.event import event_clip_seed

EVENT_MODELS = ("cnnlstm", "cnn_ica_lstm")
TRAIN_SEED, VAL_SEED, TEST_SEED = 101, 102, 103


@dataclass(frozen=True)
class EventConfig:
    """Sizes and seeds of the event experiment.

    Attributes:
        num_frames: T of every clip.
        size: frame side in pixels (the model input is size x size, 1 channel).
        train_per_class: training clips per class and epoch (fresh clips every epoch).
        val_per_class: validation clips per class (best-epoch selection).
        test_per_class: held-out clips per class for the saliency measurements.
        epochs: training epochs.
        model_epochs: (architecture, epochs) pairs that override ``epochs`` (the input-cell
            attention model learns more slowly).
        batch_size: training batch size.
        lr: AdamW learning rate (cosine schedule). At 3e-3 the input-cell attention model stayed at
            chance on the middle event for 30 epochs; at 1e-3 it reached 100% validation accuracy.
        seeds: training seeds; one model per (architecture, position, seed). A seed sets the
            weights, the shuffling and the training clips; validation and test clips are the same
            for every seed.
        shared_encoder: every model except the donor (cnnlstm, late) of its seed starts with that
            donor's trained frame encoder (CNN + projection); its temporal part and head start fresh.
            Both architectures then differ only in the temporal part. From scratch the input-cell
            attention model stayed at chance (11 epochs of 1,024 clips at lr 1e-3, middle event).
    """

    num_frames: int = 16
    size: int = 32
    train_per_class: int = 256
    val_per_class: int = 48
    test_per_class: int = 32
    epochs: int = 12
    model_epochs: tuple[tuple[str, int], ...] = (("cnn_ica_lstm", 30),)
    batch_size: int = 32
    lr: float = 1e-3
    seeds: tuple[int, ...] = (0, 1, 2)
    shared_encoder: bool = True

    def epochs_for(self, model_name: str) -> int:
        """Training epochs of ``model_name``."""
        return dict(self.model_epochs).get(model_name, self.epochs)

    def spec(self) -> InputSpec:
        return InputSpec(num_frames=self.num_frames, height=self.size, width=self.size, channels=1)


def event_tensors(position: str, per_class: int, seed: int, cfg: EventConfig) -> tuple[torch.Tensor, torch.Tensor,
                                                                                         np.ndarray]:
    """Renders event clips straight into model inputs.

    Returns:
        x (N, T, 1, S, S) float32 normalised per ``cfg.spec()``, y (N,) int64 class
        indices (EVENT_CLASSES order), masks (N, T, S, S) bool event masks.
    """
    spec = cfg.spec()
    inputs, labels, masks = [], [], []
    for index in range(per_class):
        for label_index, label in enumerate(EVENT_CLASSES):
            frames, mask, _ = render_event_clip(label, position, event_clip_seed(seed, label, index),
                                                cfg.num_frames, cfg.size)
            inputs.append(frames_to_tensor(np.repeat(frames[..., None], 3, axis=-1), spec))
            labels.append(label_index)
            masks.append(mask)
    return torch.stack(inputs), torch.tensor(labels, dtype=torch.int64), np.stack(masks)


class EventTrainingSet(Dataset):
    """Fresh event clips every epoch (no clip is seen twice, so the models cannot memorise).

    Items are (x (T, 1, S, S) float32, label index); clip i of epoch e of training seed s is
    rendered from the seed (TRAIN_SEED, s, e, i), so a run is reproducible and seeds see
    different clips.
    """

    def __init__(self, position: str, per_class: int, cfg: EventConfig, seed: int = 0) -> None:
        self.position, self.per_class, self.cfg, self.seed = position, per_class, cfg, int(seed)
        self.epoch = 0

    def __len__(self) -> int:
        return self.per_class * len(EVENT_CLASSES)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        label_index = index % len(EVENT_CLASSES)
        seed = int(np.random.SeedSequence([TRAIN_SEED, self.seed, self.epoch, index]).generate_state(1)[0])
        frames, _, _ = render_event_clip(EVENT_CLASSES[label_index], self.position, seed, self.cfg.num_frames,
                                         self.cfg.size)
        return frames_to_tensor(np.repeat(frames[..., None], 3, axis=-1), self.cfg.spec()), label_index


def checkpoint_name(model_name: str, position: str, seed: int) -> str:
    """File name of an event model: ``cnnlstm_early_seed0.pt``."""
    return f"{model_name}_{position}_seed{seed}.pt"


def event_checkpoints(model_dir: str | Path, cfg: EventConfig, positions=POSITIONS,
                      models=EVENT_MODELS) -> list[tuple[str, str, int, Path]]:
    """(model, position, seed, path) of every model the experiment needs, in (position, model, seed) order."""
    return [(m, p, s, Path(model_dir) / checkpoint_name(m, p, s)) for p in positions for m in models
            for s in cfg.seeds]


DONOR = ("cnnlstm", "late")


def _encoder_start(model_name: str, donor: str | Path, run_dir: Path, seed: int) -> str:
    """A resume file: a fresh ``model_name`` whose frame encoder is copied from ``donor``.

    ``train`` loads it as weights only (no optimizer state, epoch 0).
    """
    seed_everything(seed)
    state = get_model(model_name, num_classes=len(EVENT_CLASSES), in_channels=1).state_dict()
    donor_state = read_payload(donor)["state_dict"]
    state.update({k: v.float() if v.is_floating_point() else v for k, v in donor_state.items()
                  if k.startswith("encoder.")})
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / "init.pt"
    torch.save({"state_dict": state, "epoch": 0}, path)
    return str(path)


def store_half(path: str | Path) -> Path:
    """Rewrites a checkpoint with its floating-point weights in float16 (half the file; loading casts back).

    The bundled event models are stored this way so all seeds fit in a few MB; everything
    measured on them is measured on the float16-rounded weights.
    """
    payload = read_payload(path)
    payload["state_dict"] = {k: v.half() if v.is_floating_point() else v for k, v in payload["state_dict"].items()}
    payload["training"] = {**payload.get("training", {}), "stored_dtype": "float16"}
    torch.save(payload, path)
    return Path(path)


def train_event_model(model_name: str, position: str, seed: int, cfg: EventConfig, out_dir: str | Path,
                      encoder_from: str | Path | None = None) -> dict:
    """Trains one model on one event position; writes ``out_dir/<model>_<position>_seed<seed>.pt`` (float16).

    Args:
        model_name: "cnnlstm" or "cnn_ica_lstm" (default config, 1 input channel).
        position: event position.
        seed: training seed (weights, shuffling, training clips).
        cfg: sizes.
        out_dir: checkpoint folder (only the best checkpoint is kept; its metadata holds the history).
        encoder_from: a checkpoint whose frame encoder this model starts with (see ``shared_encoder``).

    Returns:
        {"checkpoint", "encoder_from", "best_val_acc", "seconds", "history"}.
    """
    val_x, val_y, _ = event_tensors(position, cfg.val_per_class, VAL_SEED, cfg)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:  # best/last checkpoints and logs; the history stays in the meta
        run_dir = Path(tmp)
        start_from = _encoder_start(model_name, encoder_from, run_dir, seed) if encoder_from else None
        train_cfg = TrainConfig(model=model_name, epochs=cfg.epochs_for(model_name), batch_size=cfg.batch_size,
                                lr=cfg.lr, seed=seed, out_dir=str(run_dir), amp=False, resume=start_from)
        summary = train(EventTrainingSet(position, cfg.train_per_class, cfg, seed), TensorDataset(val_x, val_y),
                        list(EVENT_CLASSES), cfg.spec(), train_cfg)
        target = Path(out_dir) / checkpoint_name(model_name, position, seed)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(summary["best"], target)
    store_half(target)
    return {"checkpoint": str(target), "encoder_from": str(encoder_from or ""), "best_val_acc": summary["best_val_acc"],
            "seconds": round(time.perf_counter() - start, 1), "history": summary["history"]}


def gradient_maps(loaded: LoadedModel, x: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    """Plain gradient saliency of the true class: (N, T, 1, S, S) -> (N, T, S, S) |grad| summed over C."""
    classes = loaded.meta.classes
    maps = [explain(loaded.model, clip, "gradient", spec=loaded.meta.input_spec, classes=classes,
                    target=int(label)).display("abs") for clip, label in zip(x, y)]
    return np.stack(maps)


def saliency_scores(maps: np.ndarray, masks: np.ndarray, window: tuple[int, int]) -> dict:
    """Per-timestep mass and agreement with the event mask, averaged over clips.

    Args:
        maps: (N, T, S, S) non-negative saliency.
        masks: (N, T, S, S) bool event masks.
        window: [start, stop) frames of the event third.

    Returns:
        dict with "timestep_mass" (T,) mean share of saliency per frame,
        "window_mass" (mean share inside the window), and per-clip lists of the
        scores of Ismail et al. (:func:`engine.evaluation.paper.paper_scores`: "jac", "wjac",
        "euc", "auc", "es"), each map min-max scaled over its whole clip volume.
    """
    mass = maps.reshape(len(maps), maps.shape[1], -1).sum(axis=2)
    share = mass / np.maximum(mass.sum(axis=1, keepdims=True), 1e-30)
    scores = [paper_scores(s, m) for s, m in zip(maps, masks)]
    return {
        "timestep_mass": share.mean(axis=0).tolist(),
        "window_mass": float(share[:, window[0]:window[1]].sum(axis=1).mean()),
        **{key: [score[key] for score in scores] for key in PAPER_METRICS},
    }


def evaluate_event_model(checkpoint: str | Path, position: str, cfg: EventConfig,
                         test: tuple[torch.Tensor, torch.Tensor, np.ndarray] | None = None) -> dict:
    """Held-out accuracy and saliency scores of one event model (test seed never used in training).

    Args:
        test: the held-out (x, y, masks) of ``position`` from :func:`event_tensors`; rendered when None.
    """
    loaded = load_checkpoint(checkpoint, device="cpu")
    x, y, masks = test if test is not None else event_tensors(position, cfg.test_per_class, TEST_SEED, cfg)
    loaded.model.eval()
    with torch.no_grad():
        predicted = loaded.model(x).argmax(dim=1)
    scores = saliency_scores(gradient_maps(loaded, x, y), masks, event_window(position, cfg.num_frames))
    return {"model": loaded.meta.model_name, "position": position, "seed": loaded.meta.seed,
            "checkpoint": str(checkpoint), "test_acc": float((predicted == y).float().mean()), "test_clips": len(y),
            "val_acc": loaded.meta.training.get("val_acc"), "train_seconds": loaded.meta.training.get("seconds"),
            "epochs": loaded.meta.training.get("epochs"), **scores}


def train_event_models(model_dir: str | Path, cfg: EventConfig, *, retrain: bool = False, positions=POSITIONS,
                       models=EVENT_MODELS, progress: bool = True) -> list[dict]:
    """Trains every missing (or, with ``retrain``, every) model; each seed's donor goes first.

    Returns:
        one summary per model trained (see :func:`train_event_model`).
    """
    model_dir = Path(model_dir)
    done = []
    for seed in cfg.seeds:
        donor = model_dir / checkpoint_name(*DONOR, seed)
        jobs = [(m, p) for p in positions for m in models]
        for model_name, position in sorted(jobs, key=lambda job: job != DONOR):
            path = model_dir / checkpoint_name(model_name, position, seed)
            if path.is_file() and not retrain:
                continue
            shared = cfg.shared_encoder and (model_name, position) != DONOR
            if shared and not donor.is_file():
                done.append(train_event_model(*DONOR, seed, cfg, model_dir))
            done.append(train_event_model(model_name, position, seed, cfg, model_dir,
                                          encoder_from=donor if shared else None))
            if progress:
                print(f"event: trained {path.name}: best val acc {done[-1]['best_val_acc']:.3f}, "
                      f"{done[-1]['seconds']:.0f} s", flush=True)
    return done


def run_event_experiment(model_dir: str | Path, cfg: EventConfig, *, train_missing: bool = True,
                         retrain: bool = False, positions=POSITIONS, models=EVENT_MODELS) -> list[dict]:
    """Trains (where asked) and evaluates every model at every position and seed.

    Args:
        model_dir: where the event checkpoints are (and new ones go).
        cfg: the experiment's sizes and seeds.
        train_missing: train a model whose checkpoint is missing (else leave it out).
        retrain: train every model again.
        positions: event positions.
        models: architectures.

    Returns:
        one row per (model, position, seed) from :func:`evaluate_event_model`, in
        (position, model, seed) order; models whose checkpoint is missing are left out.
    """
    if retrain or train_missing:
        train_event_models(model_dir, cfg, retrain=retrain, positions=positions, models=models)
    rows = []
    for position in positions:
        test = event_tensors(position, cfg.test_per_class, TEST_SEED, cfg)  # shared by every model and seed
        for model_name, _, seed, path in event_checkpoints(model_dir, cfg, (position,), models):
            if path.is_file():
                shared = cfg.shared_encoder and (model_name, position) != DONOR
                rows.append({**evaluate_event_model(path, position, cfg, test), "shared_encoder": shared})
    return rows


def save_event_rows(path: str | Path, rows: list[dict], cfg: EventConfig) -> Path:
    """Writes the experiment's rows and config as JSON."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"config": asdict(cfg), "rows": rows}, indent=1))
    return path
