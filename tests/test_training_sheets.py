"""SPEC §7's bundled problems (learning over several updates): each is solved in every format,
templated, checked, quizzed, and its sheet's exact weights are `bptutor train`'s."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from conftest import PROBLEMS

from bptutor.files.problems import load
from bptutor.model import keys
from bptutor.sheet.worksheet import Worksheet, solve
from bptutor.tools.quiz import QuizSession
from bptutor.tools.training import train_updates

SHEETS = ["xor-online-epoch", "two-examples-batch", "two-examples-online",
          "momentum-two-updates", "adam-one-update"]
FORMATS = ["json", "markdown", "rich", "latex"]


def updates(net) -> int:
    """How many updates the file's training: block asks for."""
    return len(net.training.batches(len(net.examples)))


def final_keys(sheet: Worksheet, count: int) -> dict[str, str]:
    """Each parameter's key of its value after the last update (SPEC §7 numbering)."""
    net = sheet.network
    numbered = count > 1 or net.training.after_update
    return {name: keys.numbered(keys.update(name), count if numbered else None)
            for name in net.parameters()}


@pytest.mark.parametrize("name", SHEETS)
def test_solves_in_every_format(run, name):
    for fmt in FORMATS:
        for rounding in ([], ["--exact"]):
            result = run("solve", name, "--format", fmt, *rounding)
            assert result.exit_code == 0, (fmt, result.stderr)
            if fmt == "json":
                assert json.loads(result.stdout)["steps"]


@pytest.mark.parametrize("name", SHEETS)
def test_the_sheets_exact_weights_are_trains(name):
    net = load(name)
    count = updates(net)
    sheet = solve(net)
    trained = train_updates(net, net.training, count)
    for param, key in final_keys(sheet, count).items():
        assert sheet.exact[key] == pytest.approx(trained[param], rel=1e-12, abs=1e-12), key


def test_the_xor_epoch_lowers_e():
    # seed 004's incremental learning: E over the four patterns, before (one batch sheet of
    # the same weights) and in the after-update pass numbered K + 1 = 5
    net = load("xor-online-epoch")
    before = solve(replace(net, training=None))
    after = solve(net)
    assert (before.values["E"], after.values["E#5"]) == (0.67, 0.6)
    assert after.exact["E#5"] < before.exact["E"]
    # online: update k works on example k alone, in file order
    assert {"E@1#1", "E@2#2", "E@3#3", "E@4#4"} <= set(after.values)
    assert "E@1#2" not in after.values


def test_batch_and_online_differ_as_the_seed_says():
    # same data, same start: batch moves once by the summed gradient, online twice
    batch, online = solve(load("two-examples-batch")), solve(load("two-examples-online"))
    w = "W1[1,1]"
    summed = batch.exact[keys.at(keys.derivative(w), 1)] + batch.exact[keys.at(
        keys.derivative(w), 2)]
    assert batch.exact[keys.update(w)] == pytest.approx(0.4 - 1 * summed, abs=1e-12)
    first = online.exact["new(W1[1,1])#1"]
    assert first == pytest.approx(0.4 - online.exact["dE/dW1[1,1]@1#1"], abs=1e-12)
    assert online.exact["new(W1[1,1])#2"] == pytest.approx(
        first - online.exact["dE/dW1[1,1]@2#2"], abs=1e-12)
    assert batch.values[keys.update(w)] != online.values["new(W1[1,1])#2"]


def test_momentum_carries_the_first_velocity():
    sheet = solve(load("momentum-two-updates"))
    for name in sheet.network.parameters():
        v1 = sheet.values[f"velocity({name})#1"]
        g2 = sheet.values[f"dE/d{name}#2"]
        # velocity(w)#2 = R(0.9·velocity(w)#1 − 0.5·dE/dw#2), rounded to 3 decimals
        assert sheet.values[f"velocity({name})#2"] == pytest.approx(
            round(0.9 * v1 - 0.5 * g2, 3), abs=1.5e-3), name


def test_one_adam_update_moves_each_weight_by_about_eta():
    net = load("adam-one-update")
    sheet = solve(net)
    for name, before in net.parameter_values():
        moved = sheet.exact[keys.update(name)] - before
        assert abs(moved) == pytest.approx(0.1, rel=1e-6), name  # m̂/√v̂ = ±1 at k = 1


def answers_text(template: str, sheet: Worksheet) -> str:
    """The template with every answer filled in with the sheet's own value."""
    out = []
    for line in template.splitlines():
        match = re.match(r"^(  )([^#\s][^:]*?|\"[^\"]*\"):(\s*)(#.*)?$", line)
        if match:
            key = match[2].strip('"')
            line = f"{match[1]}{match[2]}: {sheet.show(key)}"
        out.append(line)
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("name", SHEETS)
def test_templated_and_checked_with_full_marks(run, tmp_path, name):
    sheet = solve(load(name))
    template = tmp_path / "answers.yaml"
    made = run("template", name, "-o", template)
    assert made.exit_code == 0, made.stderr
    text = template.read_text(encoding="utf-8")
    asked = [s.key for s in sheet.steps]
    assert all(f"  {key}:" in text or f'  "{key}":' in text for key in asked)
    # the empty template reads back: every answer missing
    empty = json.loads(run("check", template, "--format", "json").stdout)["files"][0]
    assert empty["score"] == 0 and empty["max_score"] > 0
    template.write_text(answers_text(text, sheet), encoding="utf-8")
    checked = run("check", template, "--format", "json")
    doc = json.loads(checked.stdout)["files"][0]
    assert checked.exit_code == 0, [i for i in doc["items"] if i["verdict"] != "correct"][:3]
    assert doc["score"] == doc["max_score"]


@pytest.mark.parametrize("name", SHEETS)
def test_quizzed_with_the_right_answers(name):
    sheet = solve(load(name))
    session = QuizSession(sheet)
    while not session.done:
        key = session.current.key
        marked = session.respond(sheet.show(key))
        assert marked.item.verdict == "correct", key
    assert session.result().passed


@pytest.mark.parametrize("name", SHEETS)
def test_draw_shows_each_updates_new_weights(run, name):
    net = load(name)
    count = updates(net)
    sheet = solve(net)
    for k in (1, count):
        result = run("draw", name, "--update", k)
        assert result.exit_code == 0, result.stderr
        numbered = count > 1 or net.training.after_update
        for param in net.parameters():
            key = keys.numbered(keys.update(param), k if numbered else None)
            assert f"new({param}) = {sheet.show(key)}" in result.stdout, key
    refused = run("draw", name, "--update", count + 1)
    assert refused.exit_code == 2 and f"give 1 to {count}" in refused.stderr


def test_bundled_files_exist():
    for name in SHEETS:
        assert (PROBLEMS / f"{name}.yaml").is_file()


@pytest.mark.parametrize("plan", [
    dict(mode="online", epochs=2, l2=0.05), dict(mode="minibatch", batch_size=3, momentum=0.5),
    dict(mode="batch", epochs=2, optimizer="adam", l2=0.01),
    dict(mode="online", optimizer="adam", beta1=0.5, beta2=0.9, epsilon=1e-3),
])
def test_every_rule_gives_trains_weights_on_xor(plan):
    # the other rules (L2, mini-batches, momentum, Adam over epochs) on the XOR epoch's data,
    # exact: the sheet in exact arithmetic against the float64 run
    from bptutor.model.network import TrainingPlan

    net = load("xor-online-epoch")
    net = replace(net, round=None, training=TrainingPlan(**plan))
    count = updates(net)
    sheet = solve(net)
    trained = train_updates(net, net.training, count)
    for param, key in final_keys(sheet, count).items():
        assert sheet.exact[key] == pytest.approx(trained[param], rel=1e-12, abs=1e-12), key
