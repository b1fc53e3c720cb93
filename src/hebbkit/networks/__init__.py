"""Networks: feed-forward rate populations, the Scarpetta-Li-Hertz oscillator, spiking."""
