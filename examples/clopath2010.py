"""Gallery: voltage STDP on an AdEx neuron: pairing-frequency dependence.

Reproduces: Clopath, Buesing, Vasilaki & Gerstner (2010) Nat. Neurosci. 13:344, Fig. 2. The
experiment ``clopath2010`` (``hebbkit run clopath2010``); this script runs it from Python and
saves its figures as OUTDIR/clopath2010_<figure>.png. The full run takes well under 10 s;
``--quick`` makes it smaller still (the tests use it).

    python examples/clopath2010.py OUTDIR [--quick]
"""

import sys
from pathlib import Path

from hebbkit.experiments import Progress, get_experiment


def main(outdir: Path) -> None:
    experiment = get_experiment("clopath2010")
    config = experiment.config(quick="--quick" in sys.argv)
    result = experiment.run(config, Progress())
    outdir.mkdir(parents=True, exist_ok=True)
    for name, figure in result.figures.items():
        figure.savefig(outdir / f"clopath2010_{name}.png", dpi=90)
    print("post-pre LTD turns into LTP at", result.metrics["post_pre_ltd_to_ltp_hz"], "Hz")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "--quick" else Path("."))
