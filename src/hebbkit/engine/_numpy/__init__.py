"""Backend kernels, one module per network kind."""
