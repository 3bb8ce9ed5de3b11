"""SPEC §7's keys: ``…#k`` after any ``@j``, and the optimisers' velocity, m, v, mhat, vhat.

The round trip runs over every name the network loader accepts, every form, example and
update number; what students type (∂, primes, Greek) keeps both suffixes.
"""

from __future__ import annotations

from hypothesis import assume, example, given
from hypothesis import strategies as st

from bptutor.model import keys

network_names = st.from_regex(r"[^\W\d][\w\[\],.']*", fullmatch=True)
numbers = st.one_of(st.none(), st.integers(min_value=1, max_value=10**6))

FORMS = {
    "z": keys.preactivation, "value": lambda n: n, "d": keys.derivative, "dz": keys.delta,
    "new": keys.update, "delta": keys.delta_rule, "change": keys.change,
    "velocity": keys.velocity, **{m: (lambda form: lambda n: keys.moment(form, n))(m)
                                  for m in keys.MOMENTS},
}


@given(network_names, numbers, numbers)
@example("h'", 2, 3)  # a name ending in a prime (SPEC §2's alias u3' is new(u3))
def test_every_numbered_key_parses_back_into_its_parts(name, example, update):
    for form, build in FORMS.items():
        key = build(name)
        written = keys.numbered(keys.at(key, example), update)
        parts = keys.parse(written)
        assert (parts.form, parts.name, parts.example, parts.update) == (form, name, example,
                                                                         update)
        assert str(parts) == written
        assert keys.base(written) == key
        # a sheet's key is no alias. A key ending in a prime (h', dE/dh') is taken as written
        # only where the sheet has it (keys.canonical, test_keys.py); unknown, it is u3'.
        sheet_keys = {written} if keys.base(written).endswith("'") else set()
        assert keys.canonical(written, sheet_keys) == written


def test_the_published_forms():
    """SPEC §7's examples: update 6 of online learning works on example 2."""
    assert keys.numbered(keys.at(keys.preactivation("h1"), 2), 6) == "z(h1)@2#6"
    assert keys.numbered(keys.at(keys.derivative("w1"), 2), 6) == "dE/dw1@2#6"
    assert keys.numbered(keys.update("w1"), 6) == "new(w1)#6"
    assert keys.parse("dE/dw1#3") == keys.Key("d", "w1", None, "E", 3)
    assert keys.parse("velocity(w)#2").form == "velocity"
    assert [keys.parse(f"{m}(w)").form for m in keys.MOMENTS] == list(keys.MOMENTS)
    assert keys.numbered("E", None) == "E"  # one update: the keys of today


def test_a_hash_without_an_update_number_is_no_suffix():
    for written in ("E#", "E#0", "E#01", "new(w1)#x"):
        assert keys.parse(written).update is None


@given(network_names, numbers, st.integers(min_value=1, max_value=99))
def test_aliases_keep_example_and_update(name, example, update):
    assume(not name.endswith(("'", "+")))  # such a name is read as written (test_keys.py)
    suffix = keys.numbered(keys.at("", example), update)
    assert keys.canonical(f"∂E/∂{name}{suffix}", set()) == keys.derivative(name) + suffix
    assert keys.canonical(f"Δ({name}){suffix}", set()) == keys.change(name) + suffix
    assert keys.canonical(f"{name}'{suffix}", set()) == keys.update(name) + suffix
