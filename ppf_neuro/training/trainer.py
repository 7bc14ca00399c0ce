"""Training loop for every classifier: Adam on the NLL of the model's output log-probabilities.

Both branches of a hybrid are in one optimiser (the paper's reference code
built one optimiser per branch and overwrote the SNN's, so its SNN never
learned). Per epoch it records loss and accuracy of the output and, for PPF,
of each branch and the fusion ratio.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from ppf_neuro.atomic import atomic_path
from ppf_neuro.config import RunConfig
from ppf_neuro.data import Dataset, Split
from ppf_neuro.encoding import encode, seeded_generator
from ppf_neuro.errors import PPFError
from ppf_neuro.models import Classifier, SerialClassifier, SNNClassifier, build_model

nll = torch.nn.functional.nll_loss


def seed_everything(seed: int) -> None:
    """Seed every generator a run touches, so runs are reproducible."""
    torch.manual_seed(seed)
    np.random.seed(seed)


def _forward(model: Classifier, images: torch.Tensor, cfg: RunConfig, gen: torch.Generator | None):
    spikes = encode(images, cfg.encoding, gen) if model.uses_spikes else None
    return model(images, spikes)


@torch.no_grad()
def evaluate(model: Classifier, split: Split, cfg: RunConfig, batch_size: int = 256) -> dict[str, float]:
    """Loss and accuracy of the output and every branch, on inputs encoded as deployment encodes them."""
    model.eval()
    gen = seeded_generator(cfg.encoding)
    sums: dict[str, list[float]] = {}
    for start in range(0, len(split), batch_size):
        x = torch.from_numpy(split.images[start:start + batch_size])
        y = torch.from_numpy(split.labels[start:start + batch_size])
        for name, logp in _forward(model, x, cfg, gen).items():
            s = sums.setdefault(name, [0.0, 0.0])
            s[0] += nll(logp, y, reduction="sum").item()
            s[1] += (logp.argmax(-1) == y).sum().item()
    out = {}
    for name, (loss, correct) in sums.items():
        suffix = "" if name == "output" else f"_{name}"
        out[f"loss{suffix}"], out[f"acc{suffix}"] = loss / len(split), correct / len(split)
    return out


def param_groups(model: Classifier, cfg: RunConfig) -> list[dict]:
    """Spiking weights at ``lr``; quantum branch and fusion ratio at ``quantum_lr``."""
    groups = {"lr": [], "quantum_lr": []}
    for name, p in model.named_parameters():
        if p.requires_grad:
            groups["lr" if name.startswith("snn.") else "quantum_lr"].append(p)
    return [{"params": ps, "lr": getattr(cfg.train, key)} for key, ps in groups.items() if ps]


def _save_state(path: Path, model, opt, sched, gen, history) -> None:
    with atomic_path(path) as tmp:
        torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                    "generator": gen.get_state(), "torch_rng": torch.get_rng_state(), "history": history}, tmp)


def _load_state(path: Path, model, opt, sched, gen) -> list[dict]:
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        gen.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
    except Exception as e:  # torch raises many types for bad or foreign files
        raise PPFError(f"{path}: cannot resume from this training state: {e}") from None
    return list(state["history"])


def fit(model: Classifier, data: Dataset, cfg: RunConfig, progress: bool = True,
        state_path: Path | None = None) -> list[dict]:
    """Train ``model`` in place for ``cfg.train.epochs`` epochs; return one metrics row per epoch.

    With ``state_path``, everything needed to continue (weights, optimiser, schedule, every
    random generator, metrics) is saved there atomically after each epoch, and training
    resumes from it if it exists: an interrupted run continues to the same result as an
    uninterrupted one.
    """
    tc = cfg.train
    gen = torch.Generator().manual_seed(tc.seed)
    opt = torch.optim.Adam(param_groups(model, cfg))
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=tc.epochs)
    images, labels = torch.from_numpy(data.train.images), torch.from_numpy(data.train.labels)
    aux = cfg.fusion.aux_weight
    history = []
    if state_path is not None and state_path.is_file():
        history = _load_state(state_path, model, opt, sched, gen)
        print(f"resuming after epoch {len(history)} of {tc.epochs} from {state_path}", flush=True)
    for epoch in range(len(history) + 1, tc.epochs + 1):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(len(labels), generator=gen)
        loss_sum, correct = 0.0, 0
        bar = tqdm(range(0, len(order), tc.batch_size), desc=f"epoch {epoch}/{tc.epochs}",
                   disable=not progress, leave=False)
        for b in bar:
            idx = order[b:b + tc.batch_size]
            y = labels[idx]
            out = _forward(model, images[idx], cfg, gen)
            loss = nll(out["output"], y)
            if aux:
                loss = loss + aux * sum(nll(out[name], y) for name in model.branches)
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
            correct += (out["output"].argmax(-1) == y).sum().item()
            bar.set_postfix(loss=f"{loss.item():.3f}")
        sched.step()
        row = {"epoch": epoch, "train_loss": loss_sum / len(labels), "train_acc": correct / len(labels)}
        row.update({f"test_{k}": v for k, v in evaluate(model, data.test, cfg).items()})
        if hasattr(model, "ratio"):
            row["ratio"] = float(model.ratio)
        row["seconds"] = time.perf_counter() - start
        history.append(row)
        if progress:
            tqdm.write("  ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()))
        if state_path is not None:
            _save_state(state_path, model, opt, sched, gen, history)
    return history


def pretrain_serial_snn(model: SerialClassifier, data: Dataset, cfg: RunConfig, progress: bool) -> list[dict]:
    """Train an SNN with an output layer, then copy its hidden layers into the serial model."""
    snn_cfg = cfg.replace(model="snn", train=dataclasses.replace(cfg.train, epochs=cfg.serial.pretrain_epochs))
    donor = SNNClassifier(snn_cfg, data.image_shape, data.num_classes)
    history = fit(donor, data, snn_cfg, progress)
    hidden = {k: v for k, v in donor.snn.state_dict().items() if k in model.snn.state_dict()}
    model.snn.load_state_dict(hidden)
    if cfg.serial.freeze_snn:
        model.snn.requires_grad_(False)
    return [{**row, "phase": "pretrain_snn"} for row in history]


def train_model(cfg: RunConfig, data: Dataset, progress: bool = True,
                state_path: Path | None = None) -> tuple[Classifier, list[dict]]:
    """Build the model ``cfg`` names, prepare it on the training data, and train it.

    ``state_path`` makes the main training phase resumable (see :func:`fit`); a serial
    model's pre-training is short and deterministic and is simply run again.
    """
    seed_everything(cfg.train.seed)
    model = build_model(cfg, data.image_shape, data.num_classes)
    model.prepare(data.train.images)
    history = []
    if isinstance(model, SerialClassifier) and cfg.serial.pretrain_epochs:
        history += pretrain_serial_snn(model, data, cfg, progress)
    history += fit(model, data, cfg, progress, state_path)
    return model.eval(), history
