"""Training loop for every classifier: Adam on the NLL of the model's output log-probabilities.

Both branches of a hybrid are in one optimiser (the paper's reference code
built one optimiser per branch and overwrote the SNN's, so its SNN never
learned). Per epoch it records training loss and accuracy and, on the
validation split, loss and accuracy of the output and of each branch, and the
fusion ratio. The checkpoint kept is the one ``train.select`` names (best
validation accuracy, or the last epoch); the test set is evaluated once, on
that checkpoint, after training: no choice ever sees it.
"""

from __future__ import annotations

import copy
import dataclasses
import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from ppf_neuro.choices import Selection
from ppf_neuro.config import RunConfig
from ppf_neuro.data import Dataset, Split
from ppf_neuro.encoding import encode, seeded_generator
from ppf_neuro.errors import PPFError
from ppf_neuro.integrity import load_checked, save_checked
from ppf_neuro.models import Classifier, SerialClassifier, SNNClassifier, build_model
from ppf_neuro.models.cuba_kernel import compiled_dynamics
from ppf_neuro.processes.progress import progress_bar, write_line
from ppf_neuro.threads import fit_threads

nll = torch.nn.functional.nll_loss


def seed_everything(seed: int) -> None:
    """Seed every generator a run touches, so runs are reproducible."""
    torch.manual_seed(seed)
    np.random.seed(seed)


def _forward(model: Classifier, images: torch.Tensor, cfg: RunConfig, gen: torch.Generator | None):
    spikes = encode(images, cfg.encoding, gen) if model.uses_spikes else None
    return model(images, spikes)


def random_shift(images: torch.Tensor, max_shift: int, gen: torch.Generator) -> torch.Tensor:
    """Each image translated by its own random (dy, dx) in [-max_shift, max_shift], zero fill."""
    n, _, h, w = images.shape
    padded = torch.nn.functional.pad(images, (max_shift,) * 4)
    offsets = torch.randint(0, 2 * max_shift + 1, (n, 2), generator=gen)
    return torch.stack([padded[i, :, dy:dy + h, dx:dx + w] for i, (dy, dx) in enumerate(offsets.tolist())])


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


def selects_best(cfg: RunConfig, data: Dataset) -> bool:
    """Whether a run keeps its best validation epoch (it needs a validation split), else the last."""
    return cfg.train.select == Selection.BEST and data.val is not None and len(data.val) > 0


def _better(row: dict, best: dict | None) -> bool:
    """Higher validation accuracy wins; a tie goes to the lower validation loss."""
    return best is None or (row["val_acc"], -row["val_loss"]) > (best["val_acc"], -best["val_loss"])


@dataclasses.dataclass
class _Progress:
    """Everything an interrupted run needs to continue exactly."""

    history: list[dict]
    best_row: dict | None = None
    best_state: dict | None = None


def _save_state(path: Path, model, opt, sched, gen, progress: _Progress) -> None:
    save_checked({"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                  "generator": gen.get_state(), "torch_rng": torch.get_rng_state(), "history": progress.history,
                  "best_row": progress.best_row, "best_state": progress.best_state}, path)


def _load_state(path: Path, model, opt, sched, gen) -> _Progress:
    state = load_checked(path)
    try:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        gen.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
    except Exception as e:  # a state from another config or a damaged one
        raise PPFError(f"{path}: cannot resume from this training state: {e}") from None
    return _Progress(list(state["history"]), state["best_row"], state["best_state"])


def _train_epoch(model: Classifier, images: torch.Tensor, labels: torch.Tensor, cfg: RunConfig, opt, gen,
                 desc: str, progress: bool) -> dict:
    """One pass over the training images in an order drawn from ``gen``. Returns the fused output's
    loss and accuracy (comparable with the validation figures) and, when the branches have
    auxiliary losses, their weighted sum apart (``train_aux_loss``): what was minimised is the sum."""
    tc = cfg.train
    aux = cfg.fusion.aux_weight if model.branches else 0.0
    model.train()
    order = torch.randperm(len(labels), generator=gen)
    loss_sum, aux_sum, correct = 0.0, 0.0, 0
    bar = progress_bar(range(0, len(order), tc.batch_size), desc=desc, disable=not progress, leave=False)
    for b in bar:
        idx = order[b:b + tc.batch_size]
        x, y = images[idx], labels[idx]
        if tc.shift:
            x = random_shift(x, tc.shift, gen)
        out = _forward(model, x, cfg, gen)
        loss = nll(out["output"], y)
        branches = aux * sum(nll(out[name], y) for name in model.branches) if aux else torch.zeros(())
        opt.zero_grad()
        (loss + branches).backward()
        opt.step()
        loss_sum += loss.item() * len(idx)
        aux_sum += branches.item() * len(idx)
        correct += (out["output"].argmax(-1) == y).sum().item()
        bar.set_postfix(loss=f"{loss.item():.3f}")
    row = {"train_loss": loss_sum / len(labels), "train_acc": correct / len(labels)}
    if aux:
        row["train_aux_loss"] = aux_sum / len(labels)
    return row


def fit(model: Classifier, data: Dataset, cfg: RunConfig, progress: bool = True,
        state_path: Path | None = None, log: Callable[[str], None] | None = None) -> tuple[list[dict], int]:
    """Train ``model`` in place; leave it at the selected epoch. Returns (one row per epoch, selected epoch).

    With ``state_path``, everything needed to continue (weights, optimiser, schedule, every
    random generator, metrics, the best checkpoint so far) is saved there atomically after
    each epoch, and training resumes from it if it exists: an interrupted run continues to
    the same result as an uninterrupted one. ``log`` receives one plain line per epoch (a sweep's
    workers have no progress bar; a log file wants lines, not carriage returns).
    """
    tc = cfg.train
    gen = torch.Generator().manual_seed(tc.seed)
    opt = torch.optim.Adam(param_groups(model, cfg))
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=tc.epochs)
    images, labels = torch.from_numpy(data.train.images), torch.from_numpy(data.train.labels)
    has_val = data.val is not None and len(data.val) > 0
    keep_best = selects_best(cfg, data)
    state = _Progress([])
    if state_path is not None and state_path.is_file():
        state = _load_state(state_path, model, opt, sched, gen)
        print(f"resuming after epoch {len(state.history)} of {tc.epochs} from {state_path}", flush=True)
    for epoch in range(len(state.history) + 1, tc.epochs + 1):
        start = time.perf_counter()
        threads = fit_threads()  # another job may have started or ended since the last epoch
        with compiled_dynamics(model) as calls:
            row = {"epoch": epoch, **_train_epoch(model, images, labels, cfg, opt, gen,
                                                  f"epoch {epoch}/{tc.epochs}", progress)}
            sched.step()
            if has_val:
                row.update({f"val_{k}": v for k, v in evaluate(model, data.val, cfg).items()})
        if hasattr(model, "ratio"):
            row["ratio"] = float(model.ratio)
        row["seconds"] = time.perf_counter() - start
        row["torch_threads"] = threads
        if calls:
            row["compiled_neuron_share"] = calls["compiled"] / sum(calls.values())
        state.history.append(row)
        if keep_best and _better(row, state.best_row):
            state.best_row, state.best_state = row, copy.deepcopy(model.state_dict())
        if state_path is not None:
            _save_state(state_path, model, opt, sched, gen, state)
        line = "  ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items())
        if progress:
            write_line(line)
        if log is not None:
            log(line)
    if state.best_state is not None:
        model.load_state_dict(state.best_state)
        return state.history, state.best_row["epoch"]
    return state.history, len(state.history)


def selection_rule(cfg: RunConfig, data: Dataset) -> str:
    """In words, which epoch a run keeps."""
    if selects_best(cfg, data):
        return "highest validation accuracy (ties: lowest validation loss)"
    return "last epoch"


def pretrain_serial_snn(model: SerialClassifier, data: Dataset, cfg: RunConfig, progress: bool) -> list[dict]:
    """Train an SNN with an output layer, then copy its hidden layers into the serial model."""
    snn_cfg = cfg.replace(model="snn", train=dataclasses.replace(cfg.train, epochs=cfg.serial.pretrain_epochs))
    donor = SNNClassifier(snn_cfg, data.image_shape, data.num_classes)
    history, _ = fit(donor, data, snn_cfg, progress)
    hidden = {k: v for k, v in donor.snn.state_dict().items() if k in model.snn.state_dict()}
    model.snn.load_state_dict(hidden)
    if cfg.serial.freeze_snn:
        model.snn.requires_grad_(False)
    return [{**row, "phase": "pretrain_snn"} for row in history]


def train_model(cfg: RunConfig, data: Dataset, progress: bool = True,
                state_path: Path | None = None, log: Callable[[str], None] | None = None) -> tuple[Classifier, dict]:
    """Build the model ``cfg`` names, prepare it on the training data, train it, test it once.

    Returns the model at the selected epoch and its metrics: ``history`` (per epoch),
    ``selected_epoch``, ``selection`` (the rule, in words) and ``test`` (loss and accuracy of
    the output and every branch on the test split, computed once, after selection).
    ``state_path`` makes the main training phase resumable (see :func:`fit`); a serial
    model's pre-training is short and deterministic and is simply run again.
    """
    seed_everything(cfg.train.seed)
    model = build_model(cfg, data.image_shape, data.num_classes)
    model.prepare(data.train.images)
    history = []
    if isinstance(model, SerialClassifier) and cfg.serial.pretrain_epochs:
        history += pretrain_serial_snn(model, data, cfg, progress)
    rows, selected = fit(model, data, cfg, progress, state_path, log)
    test = evaluate(model, data.test, cfg)
    if hasattr(model, "ratio"):
        test["ratio"] = float(model.ratio)
    metrics = {"history": history + rows, "selected_epoch": selected, "selection": selection_rule(cfg, data),
               "test": test}
    return model.eval(), metrics
