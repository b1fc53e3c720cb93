"""Neuron models: rate transfer functions and spiking neurons."""
