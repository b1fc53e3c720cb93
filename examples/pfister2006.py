"""Gallery: triplet STDP against pairing frequency, with the Sjostrom et al. 2001 data.

Reproduces: Pfister & Gerstner (2006) J. Neurosci. 26:9673 (the pairing-frequency figure and Table
3). The experiment ``pfister2006`` (``hebbkit run pfister2006``); this script runs it from Python
and saves its figures as OUTDIR/pfister2006_<figure>.png. The full run takes well under 10 s;
``--quick`` makes it smaller still (the tests use it).

    python examples/pfister2006.py OUTDIR [--quick]
"""

import sys
from pathlib import Path

from hebbkit.experiments import Progress, get_experiment


def main(outdir: Path) -> None:
    experiment = get_experiment("pfister2006")
    config = experiment.config(quick="--quick" in sys.argv)
    result = experiment.run(config, Progress())
    outdir.mkdir(parents=True, exist_ok=True)
    for name, figure in result.figures.items():
        figure.savefig(outdir / f"pfister2006_{name}.png", dpi=90)
    for name in ("all_to_all_full", "all_to_all_minimal", "nearest_full", "nearest_minimal"):
        print(name, "chi2 =", round(result.metrics[name]["chi2_sjostrom"], 3))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "--quick" else Path("."))
