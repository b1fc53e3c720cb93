"""Figure functions: Dataset in, matplotlib Figure out; no computation, no hebbkit imports."""
