"""Gallery: the covariance rule potentiates correlated and depresses anti-correlated inputs.

Reproduces: Sejnowski (1977) J. Math. Biol. 4:303; the essay seed, Fig. 8. The experiment
``covariance`` (``hebbkit run covariance``); this script runs it from Python and saves its
figures as OUTDIR/covariance_<figure>.png. The full run takes well under 10 s; ``--quick`` makes
it smaller still (the tests use it).

    python examples/covariance.py OUTDIR [--quick]
"""

import sys
from pathlib import Path

from hebbkit.experiments import Progress, get_experiment


def main(outdir: Path) -> None:
    experiment = get_experiment("covariance")
    config = experiment.config(quick="--quick" in sys.argv)
    result = experiment.run(config, Progress())
    outdir.mkdir(parents=True, exist_ok=True)
    for name, figure in result.figures.items():
        figure.savefig(outdir / f"covariance_{name}.png", dpi=90)
    print(
        "sign agreement:",
        result.metrics["sign_agreement"],
        " slope ratio:",
        result.metrics["slope_ratio"],
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "--quick" else Path("."))
