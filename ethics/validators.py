"""统一社会信用代码 (unified social credit code) check, GB 32100-2015."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015 §4: the 31 code characters (no I, O, S, V, Z) and the position weights 3^i mod 31.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def credit_code_check_char(first17: str) -> str:
    """The 18th (check) character for the first 17 characters of a code."""
    total = sum(CHARSET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def normalize_credit_code(value: str) -> str:
    return (value or "").strip().upper()


def validate_credit_code(value: str) -> None:
    """Field validator: 18 characters from the GB 32100 set with a correct check character."""
    if len(value) != 18 or any(char not in CHARSET for char in value):
        raise ValidationError(
            _("A unified social credit code has 18 characters (digits and capital letters)."),
            code="invalid_format",
        )
    if credit_code_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("The check character of this unified social credit code is wrong."),
            code="invalid_check_char",
        )


def make_credit_code(body: str) -> str:
    """Complete 17 characters with their check character (demo data and test factories)."""
    return body + credit_code_check_char(body)
