"""Training loop for the spiking branch: Adam on cross-entropy of the spike-count readout."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from ppf_neuro.config import RunConfig
from ppf_neuro.data import Dataset, Split
from ppf_neuro.encoding import encode, seeded_generator
from ppf_neuro.models import SpikingNet
from ppf_neuro.readout import spike_logits


@dataclass(frozen=True)
class EpochMetrics:
    epoch: int
    train_loss: float
    train_acc: float
    test_loss: float
    test_acc: float
    seconds: float

    def as_dict(self) -> dict:
        return asdict(self)


def seed_everything(seed: int) -> None:
    """Seed every generator a run touches, so runs are reproducible."""
    torch.manual_seed(seed)
    np.random.seed(seed)


def _logits(model: SpikingNet, spikes: torch.Tensor, cfg: RunConfig) -> torch.Tensor:
    counts = model(spikes).sum(-1)
    return spike_logits(counts, cfg.encoding.steps, cfg.snn.readout_scale)


@torch.no_grad()
def evaluate(model: SpikingNet, split: Split, cfg: RunConfig) -> tuple[float, float]:
    """Mean loss and accuracy on a split, encoded as deployment encodes it."""
    model.eval()
    gen = seeded_generator(cfg.encoding)
    loss_sum, correct = 0.0, 0
    for start in range(0, len(split), 256):
        x = torch.from_numpy(split.images[start:start + 256])
        y = torch.from_numpy(split.labels[start:start + 256])
        logits = _logits(model, encode(x, cfg.encoding, gen), cfg)
        loss_sum += torch.nn.functional.cross_entropy(logits, y, reduction="sum").item()
        correct += (logits.argmax(-1) == y).sum().item()
    return loss_sum / len(split), correct / len(split)


def fit(model: SpikingNet, data: Dataset, cfg: RunConfig, progress: bool = True) -> list[EpochMetrics]:
    """Train ``model`` in place for ``cfg.train.epochs`` epochs; return per-epoch metrics."""
    tc = cfg.train
    gen = torch.Generator().manual_seed(tc.seed)
    opt = torch.optim.Adam(model.parameters(), lr=tc.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=tc.epochs)
    images, labels = torch.from_numpy(data.train.images), torch.from_numpy(data.train.labels)
    history = []
    for epoch in range(1, tc.epochs + 1):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(len(labels), generator=gen)
        loss_sum, correct = 0.0, 0
        batches = range(0, len(order), tc.batch_size)
        bar = tqdm(batches, desc=f"epoch {epoch}/{tc.epochs}", disable=not progress, leave=False)
        for b in bar:
            idx = order[b:b + tc.batch_size]
            spikes = encode(images[idx], cfg.encoding, gen)
            logits = _logits(model, spikes, cfg)
            loss = torch.nn.functional.cross_entropy(logits, labels[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
            correct += (logits.argmax(-1) == labels[idx]).sum().item()
            bar.set_postfix(loss=f"{loss.item():.3f}")
        sched.step()
        test_loss, test_acc = evaluate(model, data.test, cfg)
        history.append(EpochMetrics(
            epoch, loss_sum / len(labels), correct / len(labels), test_loss, test_acc,
            time.perf_counter() - start,
        ))
        if progress:
            m = history[-1]
            tqdm.write(
                f"epoch {epoch:3d}  loss {m.train_loss:.4f}  train {m.train_acc:.4f}  "
                f"test loss {m.test_loss:.4f}  test {m.test_acc:.4f}  ({m.seconds:.1f}s)"
            )
    return history
