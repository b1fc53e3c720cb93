"""Gallery: the pair STDP window from simulated pairings, against its closed form.

Reproduces: Bi & Poo (1998) J. Neurosci. 18:10464; Bi & Poo (2001) Annu. Rev. Neurosci. 24:139.
The experiment ``stdp-window`` (``hebbkit run stdp-window``); this script runs it from Python
and saves its figures as OUTDIR/stdp_window_<figure>.png. The full run takes well under 10 s;
``--quick`` makes it smaller still (the tests use it).

    python examples/stdp_window.py OUTDIR [--quick]
"""

import sys
from pathlib import Path

from hebbkit.experiments import Progress, get_experiment


def main(outdir: Path) -> None:
    experiment = get_experiment("stdp-window")
    config = experiment.config(quick="--quick" in sys.argv)
    result = experiment.run(config, Progress())
    outdir.mkdir(parents=True, exist_ok=True)
    for name, figure in result.figures.items():
        figure.savefig(outdir / f"stdp_window_{name}.png", dpi=90)
    print(
        "dw(+10 ms) =",
        result.metrics["dw_at_plus10ms"],
        " dw(-10 ms) =",
        result.metrics["dw_at_minus10ms"],
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "--quick" else Path("."))
