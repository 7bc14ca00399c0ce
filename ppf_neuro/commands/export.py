"""``ppf-neuro export`` (a run as a bundle, or an SNN as NIR) and ``ppf-neuro import-nir``."""

from __future__ import annotations

from exporters.bundle import export_bundle
from exporters.nir import export_nir, import_nir
from ppf_neuro.atomic import check_writable
from ppf_neuro.training.run_dir import load_run


def run_export(args) -> None:
    check_writable(args.output, "--output")
    if args.format == "nir":
        path = export_nir(args.run_dir, args.output)
    else:
        path = export_bundle(load_run(args.run_dir), args.output)
    print(f"wrote {path}")


def run_import_nir(args) -> None:
    check_writable(args.output, "--output")
    net, notes = import_nir(args.graph, args.output, approximate=args.approximate, steps=args.steps)
    for note in notes:
        print(f"approximated: {note}")
    print(f"wrote {args.output}: {len(net.layers)} layers {[layer.kind for layer in net.layers]}, "
          f"input {net.input_shape}" + (f"; {len(notes)} approximation(s), listed in the file" if notes else
                                         "; mapped exactly"))
