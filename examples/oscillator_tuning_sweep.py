"""Plot the tuning sweep of examples/oscillator_tuning_sweep.toml: amplitude against drive
frequency for each window a1 (the resonance moves as eqs 11-12 say) and each pattern count.

    hebbkit sweep examples/oscillator_tuning_sweep.toml --out results/tuning.zarr
    python examples/oscillator_tuning_sweep.py results/tuning.zarr [figure.png]
"""

import sys

from hebbkit.plots.oscillator import tuning_sweep
from hebbkit.sweep import load

store = sys.argv[1] if len(sys.argv) > 1 else "results/tuning.zarr"
out = sys.argv[2] if len(sys.argv) > 2 else store.removesuffix(".zarr") + ".png"
ds = load(store)
tuning_sweep(ds).savefig(out, dpi=110)
peaks = ds["amplitude"].idxmax("drive_hz").sel(n_patterns=1)
for a1, hz in zip(ds["a1"].values, peaks.values, strict=True):
    theory = float(ds["resonance_hz_eq11"].sel(n_patterns=1, a1=a1).max())
    print(f"a1 = {a1:.1f} ms: peak at {hz:.0f} Hz on the grid, eq (11) predicts {theory:.1f} Hz")
print(f"wrote {out}")
