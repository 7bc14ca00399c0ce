"""``ppf-neuro train``: a model trained from its config, written as a run directory.

The run is built in ``OUT.partial`` (config, training state, then checkpoint and metrics) and
renamed to ``OUT`` only when it is complete, so ``OUT`` is the previous run or the new one, never
a mix: an interrupted or failed ``train -o EXISTING --force`` leaves the existing run as it was
(without ``--force`` a finished run is not replaced at all).
``--resume`` continues from ``OUT.partial``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from ppf_neuro.atomic import check_writable, replace_directory
from ppf_neuro.commands.assignments import overrides
from ppf_neuro.config import RunConfig, build_config
from ppf_neuro.data import load_dataset
from ppf_neuro.errors import PPFError
from ppf_neuro.training.run_dir import (
    TRAINING_STATE,
    TrainedRun,
    is_finished,
    read_config,
    save_run,
    write_config,
)
from ppf_neuro.training.trainer import train_model


def staging(out: Path) -> Path:
    """Where the run to be written to ``out`` is built until it is complete."""
    return out.with_name(out.name + ".partial")


#: In a staging directory: says that ``train`` made it (the only kind it removes or continues).
STAGING_MARKER = ".ppf-neuro-staging"


def _own_staging(partial: Path) -> bool:
    return (partial / STAGING_MARKER).is_file()


def _config(args) -> RunConfig:
    if not args.resume:
        given = {"model": args.model, "data.spec": args.data, "train.epochs": args.epochs, "train.seed": args.seed}
        return build_config(args.config, overrides(args.set or [], given))
    partial = staging(args.out)
    if not (partial / TRAINING_STATE).is_file():
        raise PPFError(f"--resume: '{partial}' has no {TRAINING_STATE} (nothing interrupted to resume for "
                       f"'{args.out}')")
    if args.config or args.data or args.epochs is not None or args.seed is not None or args.model or args.set:
        raise PPFError("--resume continues with the run's own config.json; drop the other options")
    return read_config(partial)


def _check_data_from_config(cfg: RunConfig, args) -> None:
    """A relative dataset path from a config file is read against the working directory: say so."""
    if args.config and not args.data and cfg.data.spec.startswith("idx:"):
        directory = Path(cfg.data.spec[4:])
        if not directory.is_dir():
            raise PPFError(f"dataset directory '{directory}' (data.spec of {args.config}) does not exist; relative "
                           f"paths are read from the working directory {Path.cwd()}: run from where it resolves, "
                           "or give --data idx:DIR")


def _check_not_replacing(args) -> None:
    """``-o`` names a new or empty directory, or a finished run, which is only replaced on request: a
    second ``train`` with the same (or the default) ``-o`` must not silently discard hours of
    training, and a directory of other files is never replaced by a run."""
    out = args.out
    if out.name in ("", ".", ".."):
        raise PPFError(f"-o '{out}': name the run directory itself (e.g. -o runs/ppf), not '.' or '..' (the run "
                       "replaces the directory it names)")
    if out.is_dir() and not is_finished(out) and any(out.iterdir()):
        raise PPFError(f"'{out}' is a directory of other files, not a ppf-neuro run (the run would replace it); give "
                       "a new or empty directory")
    if not args.resume and not args.force and is_finished(out):
        raise PPFError(f"'{args.out}' holds a finished run ({read_config(args.out).model}); give another -o, or "
                       "--force to replace it")
    partial = staging(out)
    if not args.resume and partial.exists() and not _own_staging(partial):
        raise PPFError(f"'{partial}' is in the way: train builds the run there, and it is not a staging directory "
                       "train made (it would be replaced); move it, or give another -o")


def run(args) -> None:
    check_writable(args.out, "run directory", directory=True)
    _check_not_replacing(args)
    cfg, partial = _config(args), staging(args.out)
    _check_data_from_config(cfg, args)
    data = load_dataset(cfg.data)
    print(f"training '{cfg.model}' on {data.name}: {len(data.train)} train / {len(data.val)} validation / "
          f"{len(data.test)} test samples")
    if not args.resume:
        shutil.rmtree(partial, ignore_errors=True)  # an earlier attempt of train's own (checked above)
    try:  # from config.json on: a Ctrl-C while it is written must leave nothing behind either
        if not args.resume:
            partial.mkdir(parents=True)
            (partial / STAGING_MARKER).write_text("a run being trained by ppf-neuro train\n")
            write_config(partial, cfg, data.name, data.image_shape, data.num_classes)
        model, metrics = train_model(cfg, data, progress=not args.quiet, state_path=partial / TRAINING_STATE)
    except BaseException as e:
        resumable = (partial / TRAINING_STATE).is_file()
        if not resumable:  # interrupted before the first epoch ended: nothing to resume, leave nothing behind
            shutil.rmtree(partial, ignore_errors=True)
        if isinstance(e, KeyboardInterrupt):
            print(f"ppf-neuro: the unfinished run is in {partial} ('{args.out}' is as it was); continue it with: "
                  f"ppf-neuro train --resume -o {args.out}" if resumable else
                  f"ppf-neuro: interrupted before the first epoch ended: nothing to resume ('{args.out}' is as it "
                  "was)", file=sys.stderr)
        raise
    save_run(partial, TrainedRun(cfg, data.image_shape, data.num_classes, data.name, model, metrics))
    (partial / STAGING_MARKER).unlink(missing_ok=True)
    replace_directory(partial, args.out)
    test = metrics["test"]
    branches = "".join(f", {b} branch {100 * test[f'acc_{b}']:.2f} %" for b in ("snn", "qnn") if f"acc_{b}" in test)
    ratio = f", a = {test['ratio']:.3f}" if "ratio" in test else ""
    print(f"selected epoch {metrics['selected_epoch']} ({metrics['selection']}): test accuracy "
          f"{100 * test['acc']:.2f} %, test loss {test['loss']:.4f}{branches}{ratio}; run saved to {args.out}")
