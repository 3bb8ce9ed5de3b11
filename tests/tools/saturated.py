"""Random right networks with saturated units, for gradcheck's noise tests and benchmark.

Weights up to ±6 on inputs up to ±3 drive tanh and sigmoid units deep into saturation,
where gradients shrink to 1e-8 and below and finite differences are mostly roundoff.
"""

from __future__ import annotations

import random

from bptutor.files.problems import Validator
from bptutor.files.yamlfile import parse
from bptutor.model.network import Network

LOSSES = ("squared_error", "half_squared_error", "mean_squared_error", "binary_cross_entropy",
          "cross_entropy")
OUTPUT = {"cross_entropy": "softmax", "binary_cross_entropy": "sigmoid"}


def _targets(rng: random.Random, loss: str, activation: str, outputs: int) -> list[float]:
    if loss == "cross_entropy":
        one_hot = [0.0] * outputs
        one_hot[rng.randrange(outputs)] = 1.0
        return one_hot
    if activation == "identity":
        return [round(rng.uniform(-2, 2), 1) for _ in range(outputs)]
    low = -1.0 if activation == "tanh" else 0.0
    return [rng.choice([low, 0.5, 1.0]) for _ in range(outputs)]


def saturated_text(rng: random.Random) -> str:
    inputs = rng.randint(1, 3)
    loss = rng.choice(LOSSES)
    outputs = rng.randint(2, 3) if loss == "cross_entropy" else rng.randint(1, 2)
    output = OUTPUT.get(loss) or rng.choice(["tanh", "sigmoid", "identity"])
    sizes = [inputs, *(rng.randint(1, 3) for _ in range(rng.randint(1, 2))), outputs]
    lines = ["bptutor: 1", "title: saturated", f"loss: {loss}", "network:",
             f"  inputs: {inputs}", "  layers:"]
    for k, (fan_in, n) in enumerate(zip(sizes, sizes[1:]), start=2):
        activation = output if k == len(sizes) else rng.choice(["tanh", "sigmoid"])
        weights = [[round(rng.uniform(-6, 6), 2) for _ in range(fan_in)] for _ in range(n)]
        bias = [round(rng.uniform(-2, 2), 2) for _ in range(n)]
        lines += [f"    - neurons: {n}", f"      activation: {activation}",
                  f"      weights: {weights}", f"      bias: {bias}"]
    examples = [([round(rng.uniform(-3, 3), 1) for _ in range(inputs)],
                 _targets(rng, loss, output, outputs))
                for _ in range(rng.choice([1, 1, 2, 3]))]
    if len(examples) == 1:
        lines += [f"input: {examples[0][0]}", f"target: {examples[0][1]}"]
    else:
        lines.append("examples:")
        lines += [f"  - {{input: {x}, target: {t}}}" for x, t in examples]
    return "\n".join(lines) + "\n"


def saturated_network(rng: random.Random) -> Network:
    text = saturated_text(rng)
    return Validator("<saturated>").network(parse(text, "<saturated>"))
