"""``ppf-neuro train``: a model trained from its config, written as a run directory."""

from __future__ import annotations

from ppf_neuro.atomic import check_writable
from ppf_neuro.config import RunConfig, build_config
from ppf_neuro.data import load_dataset
from ppf_neuro.errors import PPFError
from ppf_neuro.training.run_dir import (
    TRAINING_STATE,
    TrainedRun,
    read_config,
    save_run,
    write_config,
)
from ppf_neuro.training.trainer import train_model


def _config(args) -> RunConfig:
    if not args.resume:
        return build_config(args.config, args.set or [], model=args.model, data__spec=args.data,
                            train__epochs=args.epochs, train__seed=args.seed)
    if not (args.out / TRAINING_STATE).is_file():
        raise PPFError(f"--resume: '{args.out}' has no {TRAINING_STATE} (nothing interrupted to resume)")
    if args.config or args.data or args.epochs is not None or args.seed is not None or args.model or args.set:
        raise PPFError("--resume continues with the run's own config.json; drop the other options")
    return read_config(args.out)


def run(args) -> None:
    check_writable(args.out, "run directory", directory=True)
    cfg = _config(args)
    state = args.out / TRAINING_STATE
    data = load_dataset(cfg.data)
    print(f"training '{cfg.model}' on {data.name}: {len(data.train)} train / {len(data.val)} validation / "
          f"{len(data.test)} test samples")
    if not args.resume:
        state.unlink(missing_ok=True)
        write_config(args.out, cfg, data.name, data.image_shape, data.num_classes)
    model, metrics = train_model(cfg, data, progress=not args.quiet, state_path=state)
    save_run(args.out, TrainedRun(cfg, data.image_shape, data.num_classes, data.name, model, metrics))
    test = metrics["test"]
    branches = "".join(f", {b} branch {100 * test[f'acc_{b}']:.2f} %" for b in ("snn", "qnn") if f"acc_{b}" in test)
    ratio = f", a = {test['ratio']:.3f}" if "ratio" in test else ""
    print(f"selected epoch {metrics['selected_epoch']} ({metrics['selection']}): test accuracy "
          f"{100 * test['acc']:.2f} %, test loss {test['loss']:.4f}{branches}{ratio}; run saved to {args.out}")
