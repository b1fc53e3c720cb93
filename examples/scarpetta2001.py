"""Gallery: STDP in an oscillatory E-I network: learning, resonance and recall.

Reproduces: Scarpetta, Li & Hertz (2001) NIPS 13, Figs. 2A-C and 3. The experiment
``scarpetta2001`` (``hebbkit run scarpetta2001``); this script runs it from Python and saves its
figures as OUTDIR/scarpetta2001_<figure>.png. The full run takes well under 10 s; ``--quick``
makes it smaller still (the tests use it).

    python examples/scarpetta2001.py OUTDIR [--quick]
"""

import sys
from pathlib import Path

from hebbkit.experiments import Progress, get_experiment


def main(outdir: Path) -> None:
    experiment = get_experiment("scarpetta2001")
    config = experiment.config(quick="--quick" in sys.argv)
    result = experiment.run(config, Progress())
    outdir.mkdir(parents=True, exist_ok=True)
    for name, figure in result.figures.items():
        figure.savefig(outdir / f"scarpetta2001_{name}.png", dpi=90)
    print("Fig. 2A:", {k: v for k, v in result.metrics["fig2a"].items() if not isinstance(v, list)})


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "--quick" else Path("."))
