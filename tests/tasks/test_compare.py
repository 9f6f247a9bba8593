"""Direct unit tests of the comparators: lengths, extra keys, types, non-finite numbers."""

from __future__ import annotations

import math

import pytest

from coursekit.tasks import compare
from coursekit.tasks.compare import Mismatch


@pytest.mark.parametrize("expected, got", [
    ([1, 2], [1, 2]), ((1, 2), [1, 2]), ([2], [2.0]), ({"a": [1, "x"]}, {"a": (1, "x")}), ("s", "s"), (None, None),
    (True, True),
])
def test_equal_accepts_the_same_plain_data(expected, got):
    assert compare.equal(expected, got)


@pytest.mark.parametrize("expected, got", [
    ([1, 2], [1, 2, 3]),             # an extra item (zip would hide it)
    ([1, 2, 3], [1, 2]),             # a missing item
    ([[1, 2]], [[1, 2, 3]]),         # nested lengths
    ([], [0]),
    ({"a": 1}, {"a": 1, "b": 2}),    # an extra key
    ({"a": 1, "b": 2}, {"a": 1}),    # a missing key
    (1, True), (True, 1), (False, 0), # a bool is not an int
    (1, "1"), ("a", ["a"]), (None, 0), (None, []),
    ([1, 2], "12"),
    (1, {}), ({}, []), ([], {}),     # a dict against anything else: False, not an error
])
def test_equal_rejects_different_lengths_keys_and_types(expected, got):
    assert not compare.equal(expected, got)


def test_exact_names_the_types_when_the_kinds_differ():
    mismatch = compare.exact([1], "1")
    assert mismatch == Mismatch("[1]", "'1'", "expected a list, got a string")
    assert compare.exact(2, 3) == Mismatch("2", "3", "")  # same kind: no type line
    assert compare.exact([1, 2], [1, 2]) is None


@pytest.mark.parametrize("got", [0.5, 0.505, 0.495, [0.5], 0.75])
def test_close_accepts_numbers_within_the_tolerance(got):
    # 0.75 is exactly 0.25 from 0.5: the bound itself is inside (<=)
    assert compare.close(0.25 if got == 0.75 else 0.01)(0.5, got) is None


@pytest.mark.parametrize("got, detail", [
    (0.52, "off by 0.02; numbers must match within 0.01"),
    (math.nan, "got nan; numbers must match within 0.01"),
    (math.inf, "got inf; numbers must match within 0.01"),
    (True, "expected a number, got a bool"),
    ("0.5", "expected a number, got a string"),
    ([0.5, 0.5], "expected a number, got a list"),
    (None, "expected a number, got None"),
])
def test_close_rejects_far_non_finite_and_non_numbers(got, detail):
    mismatch = compare.close(0.01)(0.5, got)
    assert mismatch is not None and mismatch.detail == detail


def test_close_list_checks_the_length_both_ways():
    check = compare.close_list(0.01)
    assert check([0.1, 0.2], [0.1, 0.2]) is None
    assert check([0.1, 0.2], [0.1, 0.2, 0.3]).detail == "expected a list of 2 numbers, got a list of 3"
    assert check([0.1, 0.2], [0.1]).detail == "expected a list of 2 numbers, got a list of 1"
    assert check([0.1, 0.2], (0.1, 0.2)).detail == "expected a list of 2 numbers, got tuple"
    assert check([0.1], {"a": 0.1}).detail == "expected a list of 1 numbers, got a dict"


@pytest.mark.parametrize("got, detail", [
    ([0.1, 0.25], "item 1: off by 0.05; numbers must match within 0.01"),
    ([0.1, math.nan], "item 1: got nan; numbers must match within 0.01"),
    ([False, 0.2], "item 0: expected a number, got a bool"),
    (["0.1", 0.2], "item 0: expected a number, got a string"),
])
def test_close_list_checks_every_item(got, detail):
    assert compare.close_list(0.01)([0.1, 0.2], got).detail == detail


def test_close_dict_rejects_extra_and_missing_keys():
    check = compare.close_dict(0.01)
    assert check({"a": 1.0}, {"a": 1.0}) is None
    assert check({"a": 1.0}, {"a": 1.0, "b": 2.0}).detail == "unexpected keys: ['b']"
    assert check({"a": 1.0, "b": 2.0}, {"a": 1.0}).detail == "missing keys: ['b']"
    assert check({"a": 1.0}, {"b": 1.0}).detail == "missing keys: ['a']; unexpected keys: ['b']"
    assert check({"a": 1.0}, [1.0]).detail == "expected a dict, got a list"


def test_close_dict_allows_extra_keys_only_when_told():
    assert compare.close_dict(0.01, extra_keys_allowed=True)({"a": 1.0}, {"a": 1.0, "b": 2.0}) is None
    assert compare.close_dict(0.01, extra_keys_allowed=True)({"a": 1.0}, {"b": 1.0}).detail == "missing keys: ['a']"


@pytest.mark.parametrize("value, detail", [
    (1.5, "['a']: off by 0.5; numbers must match within 0.01"),
    (math.inf, "['a']: got inf; numbers must match within 0.01"),
    (True, "['a']: expected a number, got a bool"),
    (None, "['a']: expected a number, got None"),
])
def test_close_dict_checks_every_value(value, detail):
    mismatch = compare.close_dict(0.01)({"a": 1.0}, {"a": value})
    assert mismatch.detail == detail and mismatch.expected == "'a': 1.0"


@pytest.mark.parametrize("got, detail", [(1, "return True or False, not an int"), (0, "return True or False, not an int"),
                                         ("True", "return True or False, not a string"), (None, "return True or False, not None")])
def test_boolean_accepts_only_bools(got, detail):
    assert compare.boolean(True, got).detail == detail


def test_boolean_compares_the_value():
    assert compare.boolean(True, True) is None
    assert compare.boolean(False, True) == Mismatch("False", "True")


def test_show_rounds_floats_and_cuts_long_text():
    assert compare.show([1 / 3, {"k": (2 / 3,)}]) == "[0.33333333, {'k': (0.66666667,)}]"
    long = compare.show(list(range(1000)))
    assert len(long) == compare.SHOWN_CHARS + 4 and long.endswith(" ...")


def test_type_name_and_as_number():
    assert [compare.type_name(v) for v in (True, 1, 1.0, "s", [], {}, None, (1,))] == [
        "a bool", "an int", "a float", "a string", "a list", "a dict", "None", "tuple"]
    assert compare.as_number([2]) == 2.0 and compare.as_number(3) == 3.0
    assert compare.as_number(True) is None and compare.as_number([1, 2]) is None and compare.as_number("1") is None
    assert compare.is_number(1.5) and not compare.is_number(False)


def test_every_mismatch_shows_what_was_expected_and_what_came_back():
    # the feedback prints both lines: each comparator fills both, for every way an answer can be wrong
    assert compare.close(0.01)(0.5, "x") == Mismatch("0.5", "'x'", "expected a number, got a string")
    assert compare.close(0.01)(0.5, [0.75]) == Mismatch("0.5", "0.75", "off by 0.25; numbers must match within 0.01")
    assert compare.close_list(0.01)([0.5], "x") == Mismatch("[0.5]", "'x'", "expected a list of 1 numbers, got a string")
    assert compare.close_list(0.01)([0.5, 1.0], [0.5, 2.0]) == Mismatch(
        "[0.5, 1.0]", "[0.5, 2.0]", "item 1: off by 1; numbers must match within 0.01")
    assert compare.close_dict(0.01)({"a": 0.5}, [0.5]) == Mismatch("{'a': 0.5}", "[0.5]", "expected a dict, got a list")
    assert compare.close_dict(0.01)({"a": 0.5}, {}) == Mismatch("{'a': 0.5}", "{}", "missing keys: ['a']")
    assert compare.close_dict(0.01)({"a": 0.5}, {"a": 2}) == Mismatch(
        "'a': 0.5", "'a': 2", "['a']: off by 1.5; numbers must match within 0.01")
    assert compare.boolean(False, 0) == Mismatch("False", "0", "return True or False, not an int")


def test_list_items_and_dict_values_at_the_tolerance_itself_pass():
    # 0.75 - 0.5 is exactly 0.25 in binary: the bound is inside (<=), as for one number
    assert compare.close_list(0.25)([0.5, 1.0], [0.75, 0.75]) is None
    assert compare.close_dict(0.25)({"a": 0.5, "b": 1.0}, {"a": 0.75, "b": 0.75}) is None


def test_ints_and_floats_are_one_kind_of_answer():
    # 2 for 2.5 is a wrong number, not a wrong type: no "expected an int, got a float" line
    assert compare.exact(2, 2.5) == Mismatch("2", "2.5", "")
    assert compare.exact(2.5, 2) == Mismatch("2.5", "2", "")


def test_show_cuts_only_text_longer_than_its_limit():
    exactly = "x" * (compare.SHOWN_CHARS - 2)  # its repr has the limit's length: shown whole
    assert compare.show(exactly) == repr(exactly)
    assert compare.show(exactly + "x") == repr(exactly + "x")[:compare.SHOWN_CHARS] + " ..."


class _AlwaysEqual:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


@pytest.mark.parametrize("expected", [2, 2.5, "s", None, [1], {"a": 1}, True])
def test_an_object_that_claims_equality_is_not_equal(expected):
    # the learner's own check hands the comparator what the function returned, whatever it is
    assert not compare.equal(expected, _AlwaysEqual())
