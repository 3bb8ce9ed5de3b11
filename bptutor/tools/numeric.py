"""One numpy forward and backward pass of a network, shared by gradcheck and train.

The forward pass evaluates many copies of the parameters at once, as one batch (rows =
copies): gradcheck perturbs every parameter in its own row; training passes one row. The
backward pass is backprop in matrix form with the worksheet's derivatives (σ′ from the
activation for tanh and sigmoid, relu′(0) = 1), so one batch step equals the worksheet's
exact update. Every activation and loss is asked for its own numpy form
(model/activations.py, model/losses.py); nothing here knows one by name.

numpy is imported here and by the tools that need it only: ``bptutor solve`` never loads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np

from bptutor.model.activations import Activation
from bptutor.model.network import Layer, Network

CHUNK = 2_000_000  # floats per layer's weight stack in one batch: memory stays ~16 MB

# where a layer's weights and bias sit in the parameter vector, and the weights' shape
Slot = tuple[slice, slice | None, tuple[int, int]]


def unit_groups(layer: Layer) -> list[tuple[Activation, list[int]]]:
    """The layer's columns grouped by activation: each group is one numpy call (a softmax
    layer is one group, as its value needs the whole layer)."""
    groups: dict[Activation, list[int]] = {}
    for j, act in enumerate(layer.activations):
        groups.setdefault(act, []).append(j)
    return list(groups.items())


def activate(layer: Layer, z: np.ndarray) -> np.ndarray:
    out = np.empty_like(z)
    for act, cols in unit_groups(layer):
        out[..., cols] = act.array_value(z[..., cols])
    return out


def backward_through(layer: Layer, grad: np.ndarray, a: np.ndarray, z: np.ndarray) -> np.ndarray:
    """dE/dz of a layer's units from dE/da (for elementwise functions grad·σ′)."""
    out = np.empty_like(z)
    for act, cols in unit_groups(layer):
        out[..., cols] = act.array_backward(grad[..., cols], a[..., cols], z[..., cols])
    return out


def output_logs(layer: Layer, z: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ln y and ln(1 − y) of every output: from z where the function allows it (exact far
    into saturation), else from y."""
    log_y, log_not_y = np.log(y), np.log1p(-y)
    for act, cols in unit_groups(layer):
        logs = act.function.array_logs(z[..., cols])
        if logs is not None:
            log_y[..., cols], log_not_y[..., cols] = logs
    return log_y, log_not_y


def example_losses(net: Network, z: np.ndarray, y: np.ndarray, t: np.ndarray) -> np.ndarray:
    """E of each example (and copy) from the output layer's z and y; inf where a log meets 0."""
    with np.errstate(all="ignore"):
        logs = output_logs(net.layers[-1], z, y) if net.loss.takes_logs else None
        return net.loss.array_value(y, t, logs)


def output_delta(net: Network, z: np.ndarray, y: np.ndarray, t: np.ndarray) -> np.ndarray:
    """dE/dz at the output layer. Outputs with the loss's matched function take its short
    form (y − t), which stays finite where y saturates to 0 or 1."""
    layer, loss = net.layers[-1], net.loss
    grad = loss.array_grad(y, t)
    delta = backward_through(layer, grad, y, z)
    matched = [j for act, cols in unit_groups(layer) if act.function is loss.matched
               for j in cols]
    if matched:
        delta[..., matched] = loss.array_matched_delta(y, t)[..., matched]
    return delta


class NetworkLoss:
    """E per example for many parameter vectors at once: rows of ``params`` are copies."""

    def __init__(self, net: Network):
        self.net = net
        self.names: list[str] = []
        self.base_values: list[float] = []
        self.layout: list[Slot] = []
        for layer in net.layers:
            shape = (len(layer.neurons), len(layer.weights[0]) if layer.weights else 0)
            # chained, not sum(rows, []): that copies quadratically (1000 rows: 15 s)
            w = self._claim(list(chain.from_iterable(layer.weight_names)),
                            list(chain.from_iterable(layer.weights)))
            b = self._claim(layer.bias_names or [], layer.bias) if layer.bias is not None \
                else None
            self.layout.append((w, b, shape))
        self.base = np.array(self.base_values, dtype=np.float64)
        self.inputs = np.array([e.inputs for e in net.examples], dtype=np.float64)
        self.targets = np.array([e.targets for e in net.examples], dtype=np.float64)

    def _claim(self, names: Sequence[str], values: Sequence[float]) -> slice:
        start = len(self.names)
        self.names += names
        self.base_values += values
        return slice(start, len(self.names))

    def __call__(self, params: np.ndarray) -> np.ndarray:
        """(copies, parameters) → (copies, examples) losses; inf where a log meets 0."""
        z, a = self.forward(params)[-1]
        return example_losses(self.net, z, a, self.targets)

    def forward(self, params: np.ndarray, inputs: np.ndarray | None = None
                ) -> list[tuple[np.ndarray, np.ndarray]]:
        """(z, a) of every layer, each (copies, examples, neurons); ``inputs`` defaults to
        every example's (training passes a mini-batch)."""
        inputs = self.inputs if inputs is None else inputs
        out = []
        with np.errstate(all="ignore"):
            a = np.broadcast_to(inputs, (len(params), *inputs.shape))
            for layer, (w, b, shape) in zip(self.net.layers, self.layout):
                weights = params[:, w].reshape(len(params), *shape)
                z = np.einsum("noi,nei->neo", weights, a)
                if b is not None:
                    z = z + params[:, None, b]
                a = activate(layer, z)
                out.append((z, a))
        return out

    def gradient(self, params: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """dE/d(parameter) of one parameter vector, summed over the examples ``rows``."""
        inputs, targets = self.inputs[rows], self.targets[rows]
        passes = [(z[0], a[0]) for z, a in self.forward(params[None, :], inputs)]
        layers = self.net.layers
        grad = np.zeros_like(params)
        with np.errstate(all="ignore"):
            delta = output_delta(self.net, *passes[-1], targets)  # dE/dz, (examples, neurons)
            for k in range(len(layers) - 1, -1, -1):
                w, b, shape = self.layout[k]
                below = passes[k - 1][1] if k else inputs
                grad[w] = (delta.T @ below).ravel()
                if b is not None:
                    grad[b] = delta.sum(axis=0)
                if k:
                    z, a = passes[k - 1]
                    delta = backward_through(layers[k - 1], delta @ params[w].reshape(shape), a, z)
        return grad

    def roundoff_scale(self, exact: object = None) -> np.ndarray:
        """Per example, the size S of the sums float64 forms on its way to E, weighted by how
        much E moves with each: E's own roundoff is about u·S (running error analysis, first
        order). Each z adds u·Σ|w·a| + |b| times |dE/dz|, each activation u·|a| times |dE/da|,
        and the loss its own terms: |E|, and for a loss read through logs of z, |t|·|z|.
        ``exact`` (the sheet's values) is what a graph's scale needs; a network's forward pass
        has all it needs, so it is ignored here: one signature for gradcheck to call."""
        params = self.base[None, :]
        passes = [(z[0], a[0]) for z, a in self.forward(params)]
        layers, net = self.net.layers, self.net
        with np.errstate(all="ignore"):
            z_out, y = passes[-1]
            scale = np.abs(example_losses(net, z_out, y, self.targets)[0])
            size = np.abs(self.targets) + np.abs(y)
            if net.loss.takes_logs:
                scale = scale + (size * (np.abs(z_out) + 1)).sum(-1)
            else:
                scale = scale + (np.abs(net.loss.array_grad(y, self.targets)) * size).sum(-1)
            delta = np.abs(output_delta(net, z_out, y, self.targets))  # |dE/dz|, (examples, n)
            for k in range(len(layers) - 1, -1, -1):
                w, b, shape = self.layout[k]
                weights = np.abs(params[0, w].reshape(shape))
                below = np.abs(passes[k - 1][1]) if k else np.abs(self.inputs)
                sums = below @ weights.T + (np.abs(params[0, b]) if b is not None else 0.0)
                scale = scale + (delta * (sums + np.abs(passes[k][0]))).sum(-1)
                if k:
                    z, a = passes[k - 1]
                    grad_a = np.abs(delta) @ weights  # |dE/da| below, as a bound
                    scale = scale + (grad_a * np.abs(a)).sum(-1)
                    delta = np.abs(backward_through(layers[k - 1], grad_a, a, z))
        return np.nan_to_num(scale, nan=np.inf)

    @property
    def examples(self) -> int:
        return len(self.inputs)

    def batch_size(self) -> int:
        largest = max((shape[0] * shape[1] for _, _, shape in self.layout), default=1)
        return max(1, CHUNK // max(largest * len(self.inputs), 1))
