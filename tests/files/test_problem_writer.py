"""problem_text writes a network that problems.load reads back as the same network."""

from __future__ import annotations

from pathlib import Path

from bptutor.files import problems
from bptutor.files.problem_writer import problem_text
from bptutor.model.network import Network, default_bias_names

_BIASED = """\
bptutor: 1
loss: squared_error
network:
  inputs: [a, b]
  layers:
    - neurons: [h, y]
      activation: sigmoid
      weights: [[0.5, -0.25], [1.5, 2]]
      bias: [0.1, -0.3]
      bias_names: [bh, by]
input: [1, 2]
target: [0, 1]
"""


def _load(path: Path, text: str) -> Network:
    path.write_text(text, encoding="utf-8")
    net = problems.load(path)
    assert isinstance(net, Network)
    return net


def test_bias_names_written_back(tmp_path: Path) -> None:
    net = _load(tmp_path / "given.yaml", _BIASED)
    again = _load(tmp_path / "again.yaml", problem_text(net, None))
    assert again.layers[0].bias == [0.1, -0.3]
    assert again.layers[0].bias_names == ["bh", "by"]


def test_bias_without_names_reads_back_with_the_default_names(tmp_path: Path) -> None:
    # Layer allows bias_names None; the writer used to pass it to names() (a TypeError)
    net = _load(tmp_path / "given.yaml", _BIASED)
    net.layers[0].bias_names = None
    text = problem_text(net, None)
    assert "bias_names" not in text
    again = _load(tmp_path / "again.yaml", text)
    assert again.layers[0].bias == [0.1, -0.3]
    assert again.layers[0].bias_names == default_bias_names(1, 2) != ["bh", "by"]
