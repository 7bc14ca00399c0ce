"""``ppf-neuro export`` (a run as a bundle, or an SNN as NIR) and ``ppf-neuro import-nir``."""

from __future__ import annotations

from ppf_neuro.choices import ExportFormat
from ppf_neuro.exporters.export_bundle import export_bundle
from ppf_neuro.exporters.export_nir import export_nir
from ppf_neuro.exporters.import_nir import import_nir
from ppf_neuro.atomic import check_writable
from ppf_neuro.training.run_dir import load_run


def run_export(args) -> None:
    check_writable(args.output, "--output")
    if args.format == ExportFormat.NIR:
        path = export_nir(args.run_dir, args.output, args.dt)
        print(f"wrote {path} (time constants in seconds at dt = {args.dt:g} s, also in its metadata)")
    else:
        path = export_bundle(load_run(args.run_dir), args.output)
        print(f"wrote {path}")


def run_import_nir(args) -> None:
    check_writable(args.output, "--output")
    net, made = import_nir(args.graph, args.output, approximate=args.approximate, steps=args.steps, dt=args.dt,
                           convention=args.convention)
    for note in made.approximations:
        print(f"approximated: {note}")
    print(f"quantisation at dt = {made.dt:g} s ({made.convention} convention), errors relative to each layer's "
          "largest weight / threshold / decay:")
    print(f"  {'layer':<28} {'scale':>9} {'weights':>9} {'threshold':>9} {'bias':>9} {'decays':>9}")
    for q in made.quantisation:
        print(f"  {q.layer:<28} {q.scale:>9.4g} {q.weight_error:>9.2%} {q.threshold_error:>9.2%} "
              f"{q.bias_error:>9.2%} {q.decay_error:>9.2%}")
    notes = made.approximations
    print(f"wrote {args.output}: {len(net.layers)} layers {[layer.kind for layer in net.layers]}, "
          f"input {net.input_shape}" + (f"; {len(notes)} approximation(s), listed in the file" if notes else
                                         "; mapped without approximation"))
