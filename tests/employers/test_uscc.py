"""Unified social credit code (GB 32100-2015, DOMAIN.md §9): normalisation and the three rules."""

from __future__ import annotations

import pytest

from app.employers import uscc


@pytest.mark.parametrize("code", ["914403001922038216", "91110000600037341L"])
def test_the_standard_s_valid_examples_pass(code):
    assert uscc.validate(code) == code


def test_the_standard_s_counter_example_fails():
    with pytest.raises(uscc.UsccError) as error:
        uscc.validate("91350100M000100Y4Z")
    assert error.value.rule == "character"
    assert "position 18" in str(error.value)


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("  914403001922038216\t", "914403001922038216"),
        ("9144 0300 1922 0382 16", "914403001922038216"),
        ("9144-0300-1922-0382-16", "914403001922038216"),
        ("９１１１００００６０００３７３４１Ｌ", "91110000600037341L"),  # full-width
        ("91110000600037341l", "91110000600037341L"),
        (
            "9111\u00a00000-6000\u300037341l",
            "91110000600037341L",
        ),  # no-break and ideographic spaces
    ],
)
def test_normalise(raw, normalised):
    assert uscc.normalise(raw) == normalised
    assert uscc.validate(raw) == normalised


def test_the_weights_are_powers_of_three_mod_31():
    assert uscc.WEIGHTS == [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def test_the_alphabet_leaves_out_easily_confused_letters():
    assert len(uscc.ALPHABET) == 31
    assert not set("IOZSV") & set(uscc.ALPHABET)


@pytest.mark.parametrize(
    "code", ["", "9144030019220382", "91440300192203821", "9144030019220382160"]
)
def test_length_rule(code):
    with pytest.raises(uscc.UsccError) as error:
        uscc.validate(code)
    assert error.value.rule == "length"
    assert str(len(code)) in str(error.value)
    assert error.value.expected is None


@pytest.mark.parametrize(
    ("position", "character"), [(1, "I"), (9, "O"), (12, "S"), (17, "V"), (5, "#")]
)
def test_character_rule_names_the_position(position, character):
    code = list("914403001922038216")
    code[position - 1] = character
    with pytest.raises(uscc.UsccError) as error:
        uscc.validate("".join(code))
    assert error.value.rule == "character"
    assert f"position {position}" in str(error.value)
    assert repr(character) in str(error.value)


@pytest.mark.parametrize(
    ("code", "expected"),
    [("914403001922038217", "6"), ("91110000600037341A", "L"), ("91350100M000100Y40", "3")],
)
def test_check_rule_names_the_expected_character(code, expected):
    with pytest.raises(uscc.UsccError) as error:
        uscc.validate(code)
    assert error.value.rule == "check"
    assert error.value.expected == expected
    assert f"require {expected!r}" in str(error.value)


def test_a_checksum_exception_lets_only_the_check_character_through():
    assert (
        uscc.validate("914403001922038217", allow_checksum_exception=True) == "914403001922038217"
    )
    with pytest.raises(uscc.UsccError, match="18 characters"):
        uscc.validate("91440300192203821", allow_checksum_exception=True)
    with pytest.raises(uscc.UsccError, match="position"):
        uscc.validate("9144030019220382IZ", allow_checksum_exception=True)


def test_make_completes_a_valid_code():
    code = uscc.make("92141121MA0K2LRN8")
    assert len(code) == 18
    assert uscc.validate(code) == code
