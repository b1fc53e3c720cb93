"""Gallery: BCM units become selective to one of K input patterns.

Reproduces: Bienenstock, Cooper & Munro (1982) J. Neurosci. 2:32; Intrator & Cooper (1992)
Neural Networks 5:3. The experiment ``bcm-selectivity`` (``hebbkit run bcm-selectivity``); this
script runs it from Python and saves its figures as OUTDIR/bcm_selectivity_<figure>.png. The
full run takes well under 10 s; ``--quick`` is accepted (the tests pass it) but changes
nothing for this experiment: the full run is already small.

    python examples/bcm_selectivity.py OUTDIR [--quick]
"""

import sys
from pathlib import Path

import numpy as np

from hebbkit.experiments import Progress, get_experiment


def main(outdir: Path) -> None:
    experiment = get_experiment("bcm-selectivity")
    config = experiment.config(quick="--quick" in sys.argv)
    result = experiment.run(config, Progress())
    outdir.mkdir(parents=True, exist_ok=True)
    for name, figure in result.figures.items():
        figure.savefig(outdir / f"bcm_selectivity_{name}.png", dpi=90)
    print(
        "preferred responses (Hz):",
        np.round(result.metrics["preferred_response"], 3),
        " fixed point K nu0:",
        result.metrics["fixed_point_K_nu0"],
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "--quick" else Path("."))
