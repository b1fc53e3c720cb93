"""Gallery: additive STDP makes weights bimodal, multiplicative STDP unimodal.

Reproduces: Song, Miller & Abbott (2000) Nat. Neurosci. 3:919 (the weight distributions); van
Rossum, Bi & Turrigiano (2000) J. Neurosci. 20:8812. The experiment ``song2000`` (``hebbkit run
song2000``); this script runs it from Python and saves its figures as OUTDIR/song2000_<figure>.png.
The paper's run is 3000 s of model time (about 10 s on a 2-core machine, ``hebbkit run song2000``);
the gallery always runs the 600 s ``quick`` version, which already separates the two distributions.

    python examples/song2000.py OUTDIR [--quick]
"""

import sys
from pathlib import Path

from hebbkit.experiments import Progress, get_experiment


def main(outdir: Path) -> None:
    experiment = get_experiment("song2000")
    config = experiment.config(quick=True)
    result = experiment.run(config, Progress())
    outdir.mkdir(parents=True, exist_ok=True)
    for name, figure in result.figures.items():
        figure.savefig(outdir / f"song2000_{name}.png", dpi=90)
    print({k: v for k, v in result.metrics["additive"].items() if not isinstance(v, list)})


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "--quick" else Path("."))
