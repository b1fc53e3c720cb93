"""Named tolerances. Each says why it is what it is; tests import these, never bare numbers."""

# The same algorithm in two implementations (numpy spec vs numba kernel vs loop reference), in
# float64: only the order of floating-point operations differs, so per step they agree to a few
# ulps of O(1) numbers. 1e-12 leaves room for ~1e3 ulps of accumulated rounding.
SAME_ALGORITHM_F64 = 1e-12

# Whole runs of a non-chaotic system in float64: rounding differences of ~1e-16 per step are
# carried and mildly amplified over 1e4-1e5 steps; 1e-9 is the project's stated bound.
WHOLE_RUN_F64 = 1e-9

# float32 against float64 over a whole run: single precision has eps = 1.2e-7; accumulated over
# thousands of steps this reaches ~1e-5 relative, so 1e-4 bounds it with margin.
F32_VS_F64 = 1e-4

# Monte-Carlo estimates (Poisson drift, noisy drives) are checked within this many standard
# errors of the closed form: a correct implementation fails about 0.3% of seeds; seeds are fixed.
STANDARD_ERRORS = 3.0
