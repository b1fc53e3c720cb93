"""Gallery: Oja, Oja's subspace rule and Sanger's rule learn principal components.

Reproduces: Oja (1982) J. Math. Biol. 15:267; Oja (1989) Int. J. Neural Syst. 1:61; Sanger
(1989) Neural Networks 2:459. The experiment ``oja-pca`` (``hebbkit run oja-pca``); this script
runs it from Python and saves its figures as OUTDIR/oja_pca_<figure>.png. ``--quick`` runs a
smaller version (the tests use it); the full run takes about 8 s.

    python examples/oja_pca.py OUTDIR [--quick]
"""

import sys
from pathlib import Path

import numpy as np

from hebbkit.experiments import Progress, get_experiment


def main(outdir: Path) -> None:
    experiment = get_experiment("oja-pca")
    config = experiment.config(quick="--quick" in sys.argv)
    result = experiment.run(config, Progress())
    outdir.mkdir(parents=True, exist_ok=True)
    for name, figure in result.figures.items():
        figure.savefig(outdir / f"oja_pca_{name}.png", dpi=90)
    print("|cos| to the eigenvectors, Oja:", np.round(result.metrics["oja"]["cos"], 3))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "--quick" else Path("."))
