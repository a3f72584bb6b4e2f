"""Unified social credit code (GB 32100-2015, docs/law.md §9): normalisation and its six rules."""

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


# --- positions 9–17: the GB 11714 organisation code ------------------------------------------


@pytest.mark.parametrize(
    ("first8", "check"),
    [
        ("19220382", "1"),  # the standard's examples
        ("60003734", "1"),
        ("M000100Y", "4"),  # letters count 10–35 (M = 22, Y = 34)
        ("MA0K2LRN", "3"),
        ("00000006", "X"),  # 11 − 1 = 10 is written X
        ("00000000", "0"),  # 11 − 0 = 11 is written 0
    ],
)
def test_the_organisation_code_check_character(first8, check):
    assert uscc.organisation_check_character(first8) == check
    assert uscc.organisation_code(first8) == first8 + check


def test_organisation_check_rule_names_position_17_and_the_expected_character():
    code = uscc.make("91141121MA0K2LRN8")  # right check character, wrong organisation check
    with pytest.raises(uscc.UsccError) as error:
        uscc.validate(code)
    assert [b.rule for b in error.value.breaches] == ["organisation_check"]
    assert (error.value.position, error.value.expected) == (17, "3")
    assert "position 17" in str(error.value) and "require '3'" in str(error.value)


def test_the_old_openapi_example_fails_both_check_characters():
    with pytest.raises(uscc.UsccError) as error:
        uscc.validate("91141121MA0K2LRN8J")
    assert [(b.rule, b.position, b.expected) for b in error.value.breaches] == [
        ("organisation_check", 17, "3"),
        ("check", 18, "B"),
    ]


# --- positions 3–8: the division code -----------------------------------------------------


@pytest.mark.parametrize("position", range(3, 9))
def test_division_rule_wants_six_digits_and_names_the_position(position):
    head = list("91141121")
    head[position - 1] = "A"
    code = uscc.make("".join(head) + uscc.organisation_code("MA0K2LRN"))
    with pytest.raises(uscc.UsccError) as error:
        uscc.validate(code)
    assert error.value.rule == "division"
    assert error.value.position == position
    assert f"position {position} is 'A'" in str(error.value)


def test_letters_in_the_division_are_refused_as_the_issue_reported():
    code = uscc.make("91ABCDEF" + uscc.organisation_code("MA0K2LRN"))
    with pytest.raises(uscc.UsccError, match="position 3 is 'A'"):
        uscc.validate(code)


# --- positions 1–2: registration authority and category (GB 32100's table, docs/law.md §9) --

GB_32100_CATEGORIES = {"1": "1239", "2": "19", "3": "123459", "4": "19", "5": "1239", "6": "129"}
GB_32100_CATEGORIES |= {"7": "129", "8": "19", "9": "123", "A": "19", "N": "1239", "Y": "1"}
GB_32100_PAIRS = [a + c for a, categories in GB_32100_CATEGORIES.items() for c in categories]


@pytest.mark.parametrize("pair", GB_32100_PAIRS)
def test_every_pair_of_the_table_is_accepted(pair):
    code = uscc.make(pair + "141121" + uscc.organisation_code("MA0K2LRN"))
    assert uscc.validate(code) == code


def test_the_table_is_exactly_gb_32100_s_pairs_each_with_chinese_names():
    table = uscc.REGISTRATION_CATEGORIES
    assert sorted(a + c for a, (_, cats) in table.items() for c in cats) == sorted(GB_32100_PAIRS)
    names = [name for name, cats in table.values()] + [
        n for _, c in table.values() for n in c.values()
    ]
    assert all(name and not name.isascii() for name in names)


@pytest.mark.parametrize(
    ("pair", "position", "in_message"),
    [
        ("01", 1, "position 1 '0' is not a registration authority"),
        ("B1", 1, "position 1 'B'"),
        ("94", 2, "position 2 '4' is not a category of registration authority 9 (市场监管)"),
        ("14", 2, "11 机关"),
        ("Y2", 2, "may be Y1 其他"),
    ],
)
def test_category_rule_names_the_position(pair, position, in_message):
    code = uscc.make(pair + "141121" + uscc.organisation_code("MA0K2LRN"))
    with pytest.raises(uscc.UsccError) as error:
        uscc.validate(code)
    assert (error.value.rule, error.value.position) == ("category", position)
    assert in_message in str(error.value)


# --- several rules, and the reviewer's exception ---------------------------------------------


def test_every_broken_rule_is_named_in_position_order():
    code = "0A1411B1MA0K2LRN8J"
    with pytest.raises(uscc.UsccError) as error:
        uscc.validate(code)
    assert [(b.rule, b.position) for b in error.value.breaches] == [
        ("category", 1),
        ("division", 7),
        ("organisation_check", 17),
        ("check", 18),
    ]
    assert error.value.rule == "category"
    assert str(error.value) == "; ".join(b.message.en for b in error.value.breaches)
    assert error.value.text.zh == "；".join(b.message.zh for b in error.value.breaches)


@pytest.mark.parametrize(
    "code",
    [
        "914403001922038217",  # check character
        uscc.make("91141121MA0K2LRN8"),  # organisation check
        uscc.make("9114A121" + uscc.organisation_code("MA0K2LRN")),  # division
        uscc.make("94141121" + uscc.organisation_code("MA0K2LRN")),  # category
        "0A1411B1MA0K2LRN8J",  # all four
    ],
)
def test_an_exception_lets_a_code_through_that_breaks_only_waivable_rules(code):
    assert uscc.validate(code, allow_exception=True) == code
    assert {b.rule for b in uscc.breaches(code)} <= uscc.WAIVABLE


def test_an_exception_never_waives_the_length_or_the_alphabet():
    with pytest.raises(uscc.UsccError, match="18 characters"):
        uscc.validate("91440300192203821", allow_exception=True)
    with pytest.raises(uscc.UsccError, match="position 17"):
        uscc.validate("9144030019220382IZ", allow_exception=True)


def test_make_completes_a_valid_code():
    code = uscc.make("92141121" + uscc.organisation_code("MA0K2LRN"))
    assert len(code) == 18
    assert uscc.validate(code) == code
