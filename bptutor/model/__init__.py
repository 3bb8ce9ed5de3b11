"""The model: networks, graphs, activations, losses, quantity keys, expressions and rounding.

The bottom layer: it imports nothing of bptutor but ``errors``."""
