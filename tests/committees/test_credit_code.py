import pytest
from django.core.exceptions import ValidationError

from ethics.validators import credit_code_check_char, make_credit_code, validate_credit_code
from tests.factories import InstitutionFactory


@pytest.mark.parametrize("code", ["91350100M000100Y43", "914403001922038216"])
def test_published_codes_are_valid(code):
    validate_credit_code(code)


def test_check_character_is_computed_from_the_first_17():
    assert credit_code_check_char("91350100M000100Y4") == "3"
    assert make_credit_code("91350100M000100Y4") == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("91350100M000100Y44", "invalid_check_char"),
        ("91350100M000100Y4", "invalid_format"),
        ("91350100M000100YO3", "invalid_format"),  # O is not in the GB 32100 character set
        ("91350100m000100y43", "invalid_format"),
    ],
)
def test_wrong_codes_are_rejected(code, error):
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(code)
    assert exc.value.code == error


@pytest.mark.django_db
def test_factory_generates_valid_codes():
    for _ in range(3):
        InstitutionFactory().full_clean()
