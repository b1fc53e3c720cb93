"""Gallery: plain Hebb runs away; hard bounds, soft bounds and decay settle.

Reproduces: The essay seed, Figs. 5-7; Gerstner & Kistler (2002) Spiking Neuron Models, Sec.
10.2. The experiment ``hebb-bounds`` (``hebbkit run hebb-bounds``); this script runs it from
Python and saves its figures as OUTDIR/hebb_bounds_<figure>.png. The full run takes well under
10 s; ``--quick`` is accepted (the tests pass it) but changes nothing for this experiment: the
full run is already small.

    python examples/hebb_bounds.py OUTDIR [--quick]
"""

import sys
from pathlib import Path

from hebbkit.experiments import Progress, get_experiment


def main(outdir: Path) -> None:
    experiment = get_experiment("hebb-bounds")
    config = experiment.config(quick="--quick" in sys.argv)
    result = experiment.run(config, Progress())
    outdir.mkdir(parents=True, exist_ok=True)
    for name, figure in result.figures.items():
        figure.savefig(outdir / f"hebb_bounds_{name}.png", dpi=90)
    print("largest error against the closed forms:", result.metrics["max_error_vs_closed_form"])


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "--quick" else Path("."))
