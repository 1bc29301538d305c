"""IIN validation: format, birth date and century/sex digit, and the official check digit."""

from datetime import date

import pytest

from portal import iin


def test_valid_iin_with_first_weights():
    # 8·1+5·2+0·3+3·4+1·5+4·6+3·7+0·8+0·9+1·10+2·11 = 112; 112 mod 11 = 2
    parsed = iin.parse("850314300122")
    assert parsed.birth_date == date(1985, 3, 14)
    assert parsed.sex == "M"


def test_valid_iin_needing_the_second_weights():
    # weights 1..11 give 120 mod 11 = 10, so weights 3..11,1,2 apply: 132 mod 11 = 0
    assert iin.parse("850314300400").birth_date == date(1985, 3, 14)


def test_no_valid_check_digit_when_both_weightings_give_ten():
    for last in "0123456789":
        with pytest.raises(iin.IINError) as e:
            iin.parse("85031430045" + last)
        assert e.value.code == "check_digit"


@pytest.mark.parametrize("value", ["850314300121", "850314300123", "850314300129"])
def test_bad_check_digit_is_refused(value):
    with pytest.raises(iin.IINError) as e:
        iin.parse(value)
    assert e.value.code == "check_digit"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("85031430012", "format"),
        ("8503143001222", "format"),
        ("85031430012a", "format"),
        ("850314700122", "century"),
        ("850314000122", "century"),
        ("851314300122", "date"),
        ("850230300122", "date"),
    ],
)
def test_malformed_iins_say_what_is_wrong(value, code):
    with pytest.raises(iin.IINError) as e:
        iin.parse(value)
    assert e.value.code == code


def test_century_and_sex_digit():
    woman_2005 = iin.make(date(2005, 7, 1), "F", 17)
    assert woman_2005[6] == "6"
    assert iin.parse(woman_2005).birth_date == date(2005, 7, 1)
    assert iin.parse(woman_2005).sex == "F"
    man_1950 = iin.make(date(1950, 1, 31), "M", 900)
    assert man_1950[6] == "3"


def test_iin_must_match_the_persons_birth_date_and_sex():
    value = "850314300122"
    assert iin.validate_for(value, date(1985, 3, 14), "M").value == value
    with pytest.raises(iin.IINError) as e:
        iin.validate_for(value, date(1985, 3, 15), "M")
    assert e.value.code == "birth_date_mismatch"
    with pytest.raises(iin.IINError) as e:
        iin.validate_for(value, date(1985, 3, 14), "F")
    assert e.value.code == "sex_mismatch"


def test_generated_iins_are_valid_for_many_serials():
    for serial in range(0, 3000, 7):
        value = iin.make(date(1999, 12, 31), "F", serial)
        assert iin.parse(value).birth_date == date(1999, 12, 31)
