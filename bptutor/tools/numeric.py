"""One numpy forward and backward pass of a network, shared by gradcheck and train.

The parameter vector holds every weight and bias (or threshold) once, in file order; a name
the file shares (SPEC §6) is one entry, read at each of its places. The forward pass
computes z = W·a + b (z = W·a − θ for a layer of thresholds) layer by layer, over all
examples at once. The backward pass is backprop in matrix form with the worksheet's
derivatives (σ′ from the activation for tanh and sigmoid, relu′(0) = 1), so one batch step
equals the worksheet's exact update; a shared parameter's gradient is the sum of its places'.
Every activation and loss is asked for its own numpy form (model/activations.py,
model/losses.py); nothing here knows one by name.

Finite differences (``perturbed``) are forward passes only: moving one parameter changes
nothing below the first layer it enters, so each moved copy starts there from the base
pass's values and is never a copy of the whole parameter vector.

numpy is imported here and by the tools that need it only: ``bptutor solve`` never loads it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bptutor.model.activations import Activation
from bptutor.model.network import Layer, Network

CHUNK = 2_000_000  # floats of one batch of moved copies in a layer: memory stays ~16 MB

# where a layer's weights and bias sit in the parameter vector (a slice where they are one
# run of their own, else an index per place), and the weights' shape
Slot = tuple[slice | np.ndarray, slice | np.ndarray | None, tuple[int, int]]


def unit_groups(layer: Layer) -> list[tuple[Activation, slice | list[int]]]:
    """The layer's columns grouped by activation: each group is one numpy call (a softmax
    layer is one group, as its value needs the whole layer); one group covering the whole
    layer is a slice."""
    groups: dict[Activation, list[int]] = {}
    for j, act in enumerate(layer.activations):
        groups.setdefault(act, []).append(j)
    if len(groups) == 1:
        return [(act, slice(None)) for act in groups]
    return list(groups.items())


Groups = list[tuple[Activation, slice | list[int]]]
Logs = tuple[np.ndarray, np.ndarray]  # ln y and ln(1 − y) of the outputs


def activate(groups: Groups, z: np.ndarray) -> np.ndarray:
    if len(groups) == 1 and isinstance(groups[0][1], slice):
        return groups[0][0].array_value(z)
    out = np.empty_like(z)
    for act, cols in groups:
        out[..., cols] = act.array_value(z[..., cols])
    return out


def backward_through(groups: Groups, grad: np.ndarray, a: np.ndarray,
                     z: np.ndarray) -> np.ndarray:
    """dE/dz of a layer's units from dE/da (for elementwise functions grad·σ′)."""
    if len(groups) == 1 and isinstance(groups[0][1], slice):
        return groups[0][0].array_backward(grad, a, z)
    out = np.empty_like(z)
    for act, cols in groups:
        out[..., cols] = act.array_backward(grad[..., cols], a[..., cols], z[..., cols])
    return out


def output_logs(groups: Groups, z: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ln y and ln(1 − y) of every output: from z where the function allows it (exact far
    into saturation), else from y."""
    log_y, log_not_y = np.log(y), np.log1p(-y)
    for act, cols in groups:
        logs = act.function.array_logs(z[..., cols])
        if logs is not None:
            log_y[..., cols], log_not_y[..., cols] = logs
    return log_y, log_not_y


@dataclass
class LayerSlots:
    """One layer's parameters: where each sits in the vector, and how z is formed."""

    weights: slice | np.ndarray  # a slice (own run) or an index per weight, row by row
    bias: slice | np.ndarray | None
    shape: tuple[int, int]  # (neurons, width)
    sign: float  # +1 for a bias, −1 for a threshold (z = Σ w·a − θ)
    groups: Groups
    weight_index: np.ndarray  # (neurons, width): the vector's entry of each weight
    bias_index: np.ndarray | None


class ParameterTable:
    """Names to places in the parameter vector: a name met again (shared) keeps its first."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.values: list[float] = []

    def claim(self, names: list[str], numbers: list[float]) -> tuple[slice | np.ndarray,
                                                                      np.ndarray]:
        """Where these names sit: a slice when they are all new (one run of their own, the
        common case, claimed in C), else an index per name; and the index per name."""
        start, index, values = len(self.values), self.index, self.values
        if index.keys().isdisjoint(names) and len(set(names)) == len(names):
            index.update(zip(names, range(start, start + len(names))))
            values.extend(numbers)
            return slice(start, len(values)), np.arange(start, len(values))
        places = np.empty(len(names), dtype=np.intp)
        for k, (name, value) in enumerate(zip(names, numbers)):
            at = index.setdefault(name, len(values))
            if at == len(values):
                values.append(value)
            places[k] = at
        return places, places

    def layer(self, layer: Layer) -> LayerSlots:
        shape = (len(layer.neurons), len(layer.weights[0]) if layer.weights else 0)
        w, w_places = self.claim([name for row in layer.weight_names for name in row],
                                 [value for row in layer.weights for value in row])
        b = b_places = None
        if layer.bias is not None:
            b, b_places = self.claim(list(layer.bias_names or []), list(layer.bias))
        return LayerSlots(w, b, shape, -1.0 if layer.threshold else 1.0, unit_groups(layer),
                          w_places.reshape(shape), b_places)


class NetworkLoss:
    """E per example for one or many parameter vectors, and dE/d(parameter)."""

    def __init__(self, net: Network):
        self.net = net
        table = ParameterTable()
        self.slots = [table.layer(layer) for layer in net.layers]
        self.names = list(table.index)
        self.base = np.array(table.values, dtype=np.float64)
        places = sum(s.weight_index.size + (0 if s.bias_index is None else s.bias_index.size)
                     for s in self.slots)
        self.shared = len(self.names) < places  # some name sits in more than one place
        self.inputs = np.array([e.inputs for e in net.examples], dtype=np.float64)
        self.targets = np.array([e.targets for e in net.examples], dtype=np.float64)
        self.output_groups = self.slots[-1].groups
        self.matched = [j for act, cols in self.output_groups
                        if act.function is net.loss.matched
                        for j in np.arange(len(net.layers[-1].neurons))[cols].tolist()]
        # batch: mean divides E and its gradients by the number of examples (SPEC §6)
        self.reduction = 1.0 / len(net.examples) if net.batch == "mean" else 1.0
        self._base_passes: list[tuple[np.ndarray, np.ndarray]] | None = None

    @property
    def layout(self) -> list[Slot]:
        return [(s.weights, s.bias, s.shape) for s in self.slots]

    @property
    def examples(self) -> int:
        return len(self.inputs)

    # -- forward

    def weights_of(self, params: np.ndarray, slot: LayerSlots) -> np.ndarray:
        """The layer's weight matrix from one parameter vector (a view where it can be)."""
        return params[slot.weights].reshape(slot.shape)

    def forward(self, params: np.ndarray, inputs: np.ndarray | None = None
                ) -> list[tuple[np.ndarray, np.ndarray]]:
        """(z, a) of every layer. ``params`` one vector: each (examples, neurons); a stack of
        vectors (rows = copies): each (copies, examples, neurons). ``inputs`` defaults to
        every example's (training passes a mini-batch)."""
        inputs = self.inputs if inputs is None else inputs
        with np.errstate(all="ignore"):
            if params.ndim == 2:
                return self._forward_copies(params, inputs)
            return self._pass(params, inputs)

    # The passes below the public methods leave np.errstate to their caller: train holds one
    # for its whole run, and entering one costs as much as a small layer's matmul.

    def _pass(self, params: np.ndarray, inputs: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        out = []
        a = inputs
        for slot in self.slots:
            z = a @ self.weights_of(params, slot).T
            if slot.bias is not None:
                z += params[slot.bias] if slot.sign > 0 else -params[slot.bias]
            a = activate(slot.groups, z)
            out.append((z, a))
        return out

    def _forward_copies(self, params: np.ndarray, inputs: np.ndarray
                        ) -> list[tuple[np.ndarray, np.ndarray]]:
        out = []
        with np.errstate(all="ignore"):
            a = np.broadcast_to(inputs, (len(params), *inputs.shape))
            for slot in self.slots:
                weights = params[:, slot.weights].reshape(len(params), *slot.shape)
                z = np.einsum("noi,nei->neo", weights, a)
                if slot.bias is not None:
                    z = z + slot.sign * params[:, None, slot.bias]
                a = activate(slot.groups, z)
                out.append((z, a))
        return out

    def example_losses(self, z: np.ndarray, y: np.ndarray, t: np.ndarray) -> np.ndarray:
        """E of each example (and copy) from the output layer's z and y; inf where a log
        meets 0."""
        with np.errstate(all="ignore"):
            return self._example_losses(z, y, t)

    def _example_losses(self, z: np.ndarray, y: np.ndarray, t: np.ndarray,
                        logs: Logs | None = None) -> np.ndarray:
        loss = self.net.loss
        if loss.takes_logs and logs is None:
            logs = output_logs(self.output_groups, z, y)
        return loss.array_value(y, t, logs if loss.takes_logs else None)

    def __call__(self, params: np.ndarray) -> np.ndarray:
        """(copies, parameters) → (copies, examples) losses; inf where a log meets 0."""
        z, a = self.forward(params)[-1]
        return self.example_losses(z, a, self.targets)

    def losses(self, params: np.ndarray) -> np.ndarray:
        """Each example's loss at one parameter vector."""
        with np.errstate(all="ignore"):
            return self.descent_losses(params)

    def descent_losses(self, params: np.ndarray) -> np.ndarray:
        """``losses`` under the caller's np.errstate(all="ignore")."""
        return self._example_losses(*self._pass(params, self.inputs)[-1], self.targets)

    def base_passes(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(z, a) of every layer at the file's parameters, each (examples, neurons)."""
        if self._base_passes is None:
            self._base_passes = self.forward(self.base)
        return self._base_passes

    def base_losses(self) -> np.ndarray:
        """Each example's loss at the file's parameters."""
        return self.example_losses(*self.base_passes()[-1], self.targets)

    # -- backward

    def output_delta(self, z: np.ndarray, y: np.ndarray, t: np.ndarray,
                     logs: Logs | None = None) -> np.ndarray:
        """dE/dz at the output layer. Outputs with the loss's matched function take its short
        form (y − t), which stays finite where y saturates to 0 or 1. ``logs``: the
        outputs' ln y and ln(1 − y) where the caller has them."""
        if not self.matched:
            return backward_through(self.output_groups, self.net.loss.array_grad(y, t), y, z)
        matched = self._matched_delta(y, t, logs or output_logs(self.output_groups, z, y))
        if len(self.matched) == y.shape[-1]:  # every output: nothing else to compute
            return matched
        delta = backward_through(self.output_groups, self.net.loss.array_grad(y, t), y, z)
        delta[..., self.matched] = matched[..., self.matched]
        return delta

    def _matched_delta(self, y: np.ndarray, t: np.ndarray, logs: Logs) -> np.ndarray:
        """The loss's short form D(y) (y − t: affine in y), with y and 1 − y taken from z as
        the worksheet takes them: D(1) − D′·(1 − y) where y is near 1, so a saturated
        output keeps the digits of 1 − y = σ(−z) that the float y has lost."""
        loss = self.net.loss
        at_zero = loss.array_matched_delta(np.zeros_like(y), t)
        slope = loss.array_matched_delta(np.ones_like(y), t) - at_zero
        log_y, log_not_y = logs
        near_one = at_zero + slope - slope * np.exp(log_not_y)
        return np.where(y > 0.5, near_one, at_zero + slope * np.exp(log_y))

    def gradient(self, params: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """dE/d(parameter) of one parameter vector, summed over the examples ``rows`` (all
        by default; the batch's reduction is the caller's)."""
        with np.errstate(all="ignore"):
            return self.backprop(params, rows)[0]

    def backprop(self, params: np.ndarray, rows: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
        """``gradient``, and each of those examples' loss from the same forward pass, under
        the caller's np.errstate(all="ignore")."""
        inputs = self.inputs if rows is None else self.inputs[rows]
        targets = self.targets if rows is None else self.targets[rows]
        passes = self._pass(params, inputs)
        # every entry is one place's unless names are shared: then places add up from 0
        grad = np.zeros_like(params) if self.shared else np.empty_like(params)
        z_out, y = passes[-1]
        logs = (output_logs(self.output_groups, z_out, y)
                if self.net.loss.takes_logs or self.matched else None)
        delta = self.output_delta(z_out, y, targets, logs)  # dE/dz, (examples, neurons)
        for k in range(len(self.slots) - 1, -1, -1):
            slot = self.slots[k]
            below = passes[k - 1][1] if k else inputs
            if not self.shared and isinstance(slot.weights, slice):
                # straight into the vector: no temporary as large as the layer
                np.matmul(delta.T, below, out=grad[slot.weights].reshape(slot.shape))
            else:
                self._store(grad, slot.weights, (delta.T @ below).ravel())
            if slot.bias is not None:
                bias = delta.sum(axis=0)
                self._store(grad, slot.bias, bias if slot.sign > 0 else -bias)
            if k:
                z, a = passes[k - 1]
                delta = backward_through(self.slots[k - 1].groups,
                                         delta @ self.weights_of(params, slot), a, z)
        return grad, self._example_losses(z_out, y, targets, logs)

    def _store(self, grad: np.ndarray, where: slice | np.ndarray, values: np.ndarray) -> None:
        """grad[where] = values, or += where names are shared (a parameter's places add up)."""
        if not self.shared:
            grad[where] = values
        elif isinstance(where, slice):
            grad[where] += values
        else:
            np.add.at(grad, where, values)

    # -- finite differences: forward passes with one parameter moved

    def first_layers(self) -> np.ndarray:
        """The first layer each parameter enters (a moved one changes nothing below it)."""
        first = np.full(len(self.base), len(self.slots), dtype=np.intp)
        for k in range(len(self.slots) - 1, -1, -1):
            slot = self.slots[k]
            first[slot.weight_index.ravel()] = k
            if slot.bias_index is not None:
                first[slot.bias_index] = k
        return first

    def difference_work(self, which: np.ndarray) -> int:
        """Multiply-adds of one forward pass per moved parameter in ``which`` (from the first
        layer it enters to the loss, every example)."""
        sizes = [s.shape for s in self.slots]
        above = [0] * (len(sizes) + 1)  # work from layer k up, once z_k is known
        for k in range(len(sizes) - 1, -1, -1):
            above[k] = above[k + 1] + 4 * sizes[k][0] + (sizes[k + 1][0] * sizes[k + 1][1]
                                                         if k + 1 < len(sizes) else 0)
        counts = np.bincount(self.first_layers()[which], minlength=len(sizes) + 1)
        return int(sum(int(c) * above[k] for k, c in enumerate(counts[:len(sizes)]))
                   * max(self.examples, 1))

    def batch_size(self, first: int = 0) -> int:
        """Moved copies per batch from layer ``first`` up: memory stays near CHUNK floats."""
        widest = max(s.shape[0] for s in self.slots[first:])
        return max(1, CHUNK // max(widest * self.examples, 1))

    def perturbed(self, which: np.ndarray, moved: np.ndarray) -> np.ndarray:
        """(len(which), examples) losses, row c with parameter which[c] at moved[c] and every
        other at its base value; ``which`` all entering the same first layer is fastest."""
        out = np.empty((len(which), self.examples))
        first = self.first_layers()[which]
        for k in np.unique(first).tolist():
            rows = np.flatnonzero(first == k)
            size = self.batch_size(k)
            for start in range(0, len(rows), size):
                part = rows[start:start + size]
                out[part] = self._moved_from(k, which[part], moved[part])
        return out

    def _moved_from(self, k: int, which: np.ndarray, moved: np.ndarray) -> np.ndarray:
        passes = self.base_passes()
        step = moved - self.base[which]  # exact: the move the floats really make
        row_of = np.full(len(self.base), -1, dtype=np.intp)
        row_of[which] = np.arange(len(which))
        with np.errstate(all="ignore"):
            z = np.repeat(passes[k][0][None], len(which), axis=0)  # (copies, examples, n)
            below = passes[k - 1][1] if k else self.inputs
            self._add_moves(z, self.slots[k], row_of, step, below[None])
            a = activate(self.slots[k].groups, z)
            for slot in self.slots[k + 1:]:
                z = a @ self.weights_of(self.base, slot).T
                if slot.bias is not None:
                    z += slot.sign * self.base[slot.bias]
                if self.shared:  # the moved parameter may sit here too
                    self._add_moves(z, slot, row_of, step, a)
                a = activate(slot.groups, z)
            return self.example_losses(z, a, self.targets)

    def _add_moves(self, z: np.ndarray, slot: LayerSlots, row_of: np.ndarray,
                   step: np.ndarray, below: np.ndarray) -> None:
        """z += the moved parameters' change at their places in this layer: step·a for a
        weight (a the unit below: ``below`` per copy, or one row for all), ±step for a bias
        or threshold."""
        copies = row_of[slot.weight_index]  # (neurons, width): the copy moving each weight
        j, i = np.nonzero(copies >= 0)
        rows = copies[j, i]
        source = below[rows if below.shape[0] > 1 else 0, :, i]  # (places, examples)
        self._add(z, rows, j, step[rows][:, None] * source)
        if slot.bias_index is not None:
            copies = row_of[slot.bias_index]
            (j,) = np.nonzero(copies >= 0)
            rows = copies[j]
            self._add(z, rows, j, slot.sign * step[rows][:, None])

    def _add(self, z: np.ndarray, rows: np.ndarray, cols: np.ndarray,
             change: np.ndarray) -> None:
        if self.shared:  # one copy may move several places of one unit: sum them
            np.add.at(z, (rows, slice(None), cols), change)  # type: ignore[arg-type]
        else:
            z[rows, :, cols] += change

    # -- roundoff

    def roundoff_scale(self, exact: object = None) -> np.ndarray:
        """Per example, the size S of the sums float64 forms on its way to E, weighted by how
        much E moves with each: E's own roundoff is about u·S (running error analysis, first
        order). Each z adds u·Σ|w·a| + |b| times |dE/dz|, each activation u·|a| times |dE/da|,
        and the loss its own terms: |E|, and for a loss read through logs of z, |t|·|z|.
        ``exact`` (the sheet's values) is what a graph's scale needs; a network's forward pass
        has all it needs, so it is ignored here: one signature for gradcheck to call."""
        params = self.base
        passes = self.base_passes()
        net = self.net
        with np.errstate(all="ignore"):
            z_out, y = passes[-1]
            scale = np.abs(self.example_losses(z_out, y, self.targets))
            size = np.abs(self.targets) + np.abs(y)
            if net.loss.takes_logs:
                scale = scale + (size * (np.abs(z_out) + 1)).sum(-1)
            else:
                scale = scale + (np.abs(net.loss.array_grad(y, self.targets)) * size).sum(-1)
            delta = np.abs(self.output_delta(z_out, y, self.targets))  # |dE/dz|, (examples, n)
            for k in range(len(self.slots) - 1, -1, -1):
                slot = self.slots[k]
                weights = np.abs(self.weights_of(params, slot))
                below = np.abs(passes[k - 1][1]) if k else np.abs(self.inputs)
                sums = below @ weights.T + (np.abs(params[slot.bias]) if slot.bias is not None
                                            else 0.0)
                scale = scale + (delta * (sums + np.abs(passes[k][0]))).sum(-1)
                if k:
                    z, a = passes[k - 1]
                    grad_a = np.abs(delta) @ weights  # |dE/da| below, as a bound
                    scale = scale + (grad_a * np.abs(a)).sum(-1)
                    delta = np.abs(backward_through(self.slots[k - 1].groups, grad_a, a, z))
        return np.nan_to_num(scale, nan=np.inf)
