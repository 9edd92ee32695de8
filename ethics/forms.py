"""Kernel forms and the form pieces every app's action inputs share."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ethics import policies
from ethics.models import Notification, User

#: The largest id a database column holds; a longer number is no row's id (not an overflow).
_MAX_ID = 2**63 - 1


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


class PartialForm:
    """A form mixin for the API's PATCH: with `partial=True` only the fields the request names
    are validated (and changed); the others keep their values.

    Pages always post the whole form (an unticked checkbox is simply absent), so they never pass
    `partial`.
    """

    fields: dict[str, forms.Field]
    data: Any
    files: Any
    is_bound: bool

    def __init__(self, *args: Any, partial: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if partial and self.is_bound:
            named = set(self.data) | set(self.files or ())
            for name in [n for n in self.fields if n not in named]:
                del self.fields[name]


#: Dates the calendars compute with: regulatory periods add days, months and years to them, and
#: Python's dates end at 9999-12-31 (a committee "established" then answered 500).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)


def validate_plausible_date(value: date) -> None:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s."),
            code="date_out_of_range",
            params={"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
        )


class PlausibleDates:
    """A form mixin: every date field accepts only dates between EARLIEST_DATE and LATEST_DATE."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField) and not isinstance(field, forms.DateTimeField):
                field.validators.append(validate_plausible_date)


class ObjectChoiceField(forms.ModelChoiceField):
    """A choice of one row by its id, answering with the API's codes: `incorrect_type` for an id
    that is no number, `does_not_exist` for one that is missing or that the person may not see
    (the queryset is permission-scoped, so both read the same)."""

    #: ethics.actions leaves the id checks to this field (it answers with its own codes).
    checks_ids = True

    default_error_messages = {
        "incorrect_type": _("Expected the id of an object (a whole number)."),
        "does_not_exist": _("No object with the id “%(value)s” exists."),
    }

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not (text.isascii() and text.isdigit()):
            raise ValidationError(self.error_messages["incorrect_type"], code="incorrect_type")
        if int(text) > _MAX_ID:
            raise ValidationError(
                self.error_messages["does_not_exist"],
                code="does_not_exist",
                params={"value": text[:20]},
            )
        try:
            return super().to_python(text)
        except ValidationError:
            raise ValidationError(
                self.error_messages["does_not_exist"],
                code="does_not_exist",
                params={"value": text},
            ) from None


# --- the kernel's own inputs (ethics.user_actions, the token endpoint) ------------------------------


class MarkReadForm(forms.Form):
    """Mark one of the person's notifications as read, or every unread one when none is named."""

    notification = ObjectChoiceField(
        label=_("notification"), queryset=Notification.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["notification"].queryset = Notification.objects.filter(recipient=user)


class UserForm(PartialForm, forms.ModelForm):
    """An account as api.md's users resource writes it.

    Only whoever administers the account (ethics.policies.administers) sets its username,
    display name and rights; its owner changes the e-mail address and language. Nobody sets a
    password here (`read_only`): a new account's owner gets a link to choose it, and one's own
    password changes with the current one (PasswordChangeForm).
    """

    institution = ObjectChoiceField(
        label=_("institution"), queryset=User.objects.none(), required=False
    )
    password = forms.CharField(
        label=_("password"), required=False, strip=False, widget=forms.PasswordInput
    )

    #: Fields only an administrator of the account may change.
    ADMINISTERED = ("username", "name", "institution_admin")

    class Meta:
        model = User
        fields = ["username", "name", "email", "institution", "institution_admin", "language"]

    def __init__(
        self,
        *args: Any,
        actor: User | None = None,
        target: User | None = None,
        institutions: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.target = target
        if "institution" in self.fields:
            if institutions is None:
                related = User._meta.get_field("institution").related_model
                institutions = related._default_manager.all()  # type: ignore[union-attr]
            # The actions pass the institutions the person may see: any other id, existing or
            # not, is the same "does not exist".
            self.fields["institution"].queryset = institutions
        if "language" in self.fields:
            self.fields["language"].required = False  # the model's default when left out

    def clean_language(self) -> str:
        return str(self.cleaned_data.get("language") or User._meta.get_field("language").default)

    def clean_password(self) -> str:
        if self.cleaned_data.get("password"):
            raise ValidationError(
                _(
                    "Nobody sets another person's password: a new account's owner gets an e-mail "
                    "to choose it; change your own at /api/v1/users/me/password/."
                ),
                code="read_only",
            )
        return ""

    def validate_unique(self) -> None:
        # The form has no instance (the service loads the row under lock): a PATCH that keeps
        # the account's own username is no clash with itself.
        if self.target is None or self.cleaned_data.get("username") != self.target.username:
            super().validate_unique()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        actor, target = self.actor, self.target
        if actor is None:
            return data
        if target is not None and not policies.administers(actor, target):
            for name in self.ADMINISTERED:
                if name in data and data[name] != getattr(target, name):
                    self.add_error(
                        name,
                        ValidationError(
                            _("Only an administrator of the account may change this."),
                            code="read_only",
                        ),
                    )
        institution = data.get("institution")
        if (
            institution is not None
            and not actor.is_superuser
            and institution.pk != actor.institution_id
        ):
            self.add_error(
                "institution",
                ValidationError(
                    _("Accounts belong to your own institution."), code="not_permitted"
                ),
            )
        return data


class PasswordChangeForm(forms.Form):
    """One's own new password, given with the current one (API and page).

    The new password passes every validator with the person's own attributes (username, name,
    e-mail), so it cannot be the username.
    """

    current_password = forms.CharField(
        label=_("current password"), strip=False, widget=forms.PasswordInput
    )
    new_password = forms.CharField(label=_("new password"), strip=False, widget=forms.PasswordInput)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_current_password(self) -> str:
        password = str(self.cleaned_data.get("current_password") or "")
        if not self.user.check_password(password):
            raise ValidationError(
                _("Your current password was entered incorrectly."), code="password_incorrect"
            )
        return password

    def clean_new_password(self) -> str:
        password = str(self.cleaned_data.get("new_password") or "")
        validate_password(password, self.user)
        return password


class PagePasswordChangeForm(PasswordChangeForm):
    """The page's form: the new password twice."""

    new_password_again = forms.CharField(
        label=_("new password again"), strip=False, widget=forms.PasswordInput
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password_again") != data["new_password"]:
            self.add_error(
                "new_password_again",
                ValidationError(_("The two passwords do not match."), code="password_mismatch"),
            )
        return data


class TokenForm(forms.Form):
    """`POST /auth/token/`: the credentials of an active account, and `otp` (a code from the
    authenticator or a recovery code) for a person with a second factor (ethics.mfa)."""

    username = forms.CharField(label=_("username"))
    password = forms.CharField(label=_("password"), strip=False, widget=forms.PasswordInput)
    name = forms.CharField(label=_("token name"), required=False, max_length=100)
    otp = forms.CharField(label=_("one-time code"), required=False, max_length=40)

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.user: User | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("username") and data.get("password"):
            self.user = authenticate(
                self.request, username=data["username"], password=data["password"]
            )
            if self.user is None:
                raise ValidationError(
                    _("Unable to log in with provided credentials."), code="authorization"
                )
            self.clean_otp_step(data)
        return data

    def clean_otp_step(self, data: dict[str, Any]) -> None:
        """The second factor, once the password is right (ethics.mfa.check_api_login)."""
        from ethics import mfa

        if self.user is not None:
            try:
                mfa.check_api_login(self.user, data.get("otp") or "")
            except ValidationError as exc:
                self.add_error("otp", exc)


class YesNoField(forms.NullBooleanField):
    """A required yes or no: "1"/"0" from a page's radio buttons, true/false from the API.

    A missing answer is an error, never "no" (a checkbox would read it as no).
    """

    def __init__(self, *, choices: Any = None, **kwargs: Any) -> None:
        choices = choices or [("0", _("No")), ("1", _("Yes"))]
        super().__init__(widget=forms.RadioSelect(choices=choices), **kwargs)

    def validate(self, value: Any) -> None:
        if value is None:
            raise ValidationError(self.error_messages["required"], code="required")


class _RawCheckbox(forms.CheckboxInput):
    """A checkbox that hands the field what was sent (Django's reads any unknown text as True)."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)


class StrictBooleanField(forms.BooleanField):
    """A tick box that also takes JSON true/false, and refuses anything else ("perhaps" is no
    yes): Django's BooleanField reads every unknown text as True."""

    widget = _RawCheckbox

    TRUE = frozenset({"on", "true", "True", "1", 1})
    FALSE = frozenset({"", "off", "false", "False", "0", 0, None})

    def to_python(self, value: Any) -> bool:
        if value in self.TRUE:
            return True
        if value in self.FALSE:
            return False
        raise ValidationError(_("Enter true or false."), code="invalid")


class ChannelsForm(PartialForm, forms.Form):
    """Where a person's notifications go besides the inbox (always on)."""

    email = StrictBooleanField(
        label=_("E-mail each notification"),
        required=False,
        help_text=_("Reminders and notices are also sent to your e-mail address."),
    )
    digest = StrictBooleanField(
        label=_("Daily digest instead"),
        required=False,
        help_text=_("One e-mail each morning listing the previous day's notifications."),
    )


# --- dates that can't be right ------------------------------------------------------------------

#: A planned start may lie this many days before today (a form opened before midnight and sent
#: after it, a start entered on the day it happens); anything earlier is a date in the past.
PLANNED_START_GRACE_DAYS = 1
#: No plan, term or meeting lies further ahead than this many years from today.
HORIZON_YEARS = 20


def horizon(today: date) -> date:
    """The last date a plan may name: HORIZON_YEARS from `today` (28 Feb for a 29 Feb)."""
    try:
        return today.replace(year=today.year + HORIZON_YEARS)
    except ValueError:
        return today.replace(year=today.year + HORIZON_YEARS, day=28)


def plan_period_errors(
    start: date | None,
    end: date | None,
    *,
    today: date,
    start_field: str = "planned_start",
    end_field: str = "planned_end",
    check_past: bool = True,
) -> dict[str, ValidationError]:
    """The errors of a planned period, by field: a start before today (less
    PLANNED_START_GRACE_DAYS), an end not after the start, either past the horizon.

    One place for the page and the API (the forms call it; pure, so tested without a database).
    `check_past=False` for a period that may have begun (a member's term)."""
    errors: dict[str, ValidationError] = {}
    last = horizon(today)
    earliest = today - timedelta(days=PLANNED_START_GRACE_DAYS)
    if start is not None:
        if check_past and start < earliest:
            errors[start_field] = ValidationError(
                _("The planned start cannot be in the past (earliest %(earliest)s)."),
                code="past",
                params={"earliest": earliest.isoformat()},
            )
        elif start > last:
            errors[start_field] = ValidationError(
                _("Enter a date no later than %(latest)s."),
                code="too_far",
                params={"latest": last.isoformat()},
            )
    if end is not None:
        if start is not None and end <= start:
            errors[end_field] = ValidationError(
                _("The end must be after the start."), code="end_before_start"
            )
        elif end > last:
            errors[end_field] = ValidationError(
                _("Enter a date no later than %(latest)s."),
                code="too_far",
                params={"latest": last.isoformat()},
            )
        elif check_past and start is None and end < earliest:
            errors[end_field] = ValidationError(
                _("The planned end cannot be in the past."), code="past"
            )
    return errors


def validate_within_horizon(value: date) -> None:
    """A date no later than HORIZON_YEARS from today (a meeting, a filing)."""
    last = horizon(timezone.localdate())
    if value > last:
        raise ValidationError(
            _("Enter a date no later than %(latest)s."),
            code="too_far",
            params={"latest": last.isoformat()},
        )


# --- people named by username -------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s,，、;；]+")


def _tokens(value: Any) -> list[str]:
    """The entries of a people field: a list (the API, checkboxes) or one text of usernames
    separated by commas, spaces or 、 (the page)."""
    if value in (None, ""):
        return []
    values = value if isinstance(value, list | tuple) else [value]
    out: dict[str, None] = {}  # in order, once each
    for item in values:
        if hasattr(item, "username"):  # an initial value
            item = item.username
        for token in _SEPARATORS.split(str(item)):
            if token:
                out[token] = None
    return list(out)


#: The most people one field names (a team, an amendment's change): one query, bounded.
MAX_PEOPLE = 200


class PeopleInput(forms.TextInput):
    """One text box of usernames; shows back exactly what was entered."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if hasattr(data, "getlist"):
            return data.getlist(name)
        return data.get(name)

    def format_value(self, value: Any) -> str | None:
        tokens = _tokens(value)
        return ", ".join(tokens) if tokens else None


class PeopleField(forms.ModelMultipleChoiceField):
    """People by username (or, as the API has always sent them, by id): every entry that names
    nobody is an error on the field that lists it (`unknown_user`), never silently dropped.

    When a person of `suggest_in` (the actor's institution) has an entry as display name, the
    message suggests their username."""

    widget = PeopleInput
    #: ethics.actions leaves the id checks to this field (an entry may be a username).
    checks_ids = True
    default_error_messages = {
        "unknown_user": _("No user with the username %(names)s."),
        "incorrect_type": _("Enter usernames as text."),
        "too_many": _("Name at most %(max)s people at once."),
    }

    def __init__(self, *args: Any, suggest_in: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.suggest_in = suggest_in

    def clean(self, value: Any) -> list[User]:  # type: ignore[override]
        tokens = _tokens(value)
        if not tokens:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(tokens) > MAX_PEOPLE:
            raise ValidationError(
                str(self.error_messages["too_many"]) % {"max": MAX_PEOPLE}, code="too_many"
            )
        if any(len(token) > 150 or "\x00" in token for token in tokens):  # no username
            raise ValidationError(
                str(self.error_messages["unknown_user"]) % {"names": "“…”"}, code="unknown_user"
            )
        ids = [int(t) for t in tokens if t.isascii() and t.isdigit() and int(t) <= _MAX_ID]
        found = list(self.queryset.filter(Q(username__in=tokens) | Q(pk__in=ids)))
        by_name = {user.username: user for user in found}
        by_id = {str(user.pk): user for user in found}
        people: list[User] = []
        unknown: list[str] = []
        for token in tokens:
            user = by_name.get(token) or by_id.get(token)
            if user is None:
                unknown.append(token)
            elif user not in people:
                people.append(user)
        if unknown:
            raise ValidationError(self._unknown_message(unknown), code="unknown_user")
        return people

    def _unknown_message(self, unknown: list[str]) -> str:
        names = "、".join(f"“{token}”" for token in unknown)
        message = str(self.error_messages["unknown_user"]) % {"names": names}
        if self.suggest_in is not None:
            similar = list(
                self.suggest_in.filter(name__in=unknown).values_list("name", "username")[:10]
            )
            if similar:
                hints = "、".join(f"{name} → {username}" for name, username in similar)
                message += " " + str(_("Did you mean: %(hints)s?")) % {"hints": hints}
        return message

    def has_changed(self, initial: Any, data: Any) -> bool:
        return _tokens(initial) != _tokens(data)

    def prepare_value(self, value: Any) -> Any:
        return value


class PersonField(forms.ModelChoiceField):
    """One person by username or id (a page's list posts the id): an entry naming nobody is
    `unknown_user` with the entry in the message."""

    #: ethics.actions leaves the id checks to this field (the entry may be a username).
    checks_ids = True
    default_error_messages = {"unknown_user": _("No user with the username %(names)s.")}

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        if hasattr(value, "username"):
            return value
        text = str(value).strip()
        lookup = Q(username=text[:150])
        if text.isascii() and text.isdigit() and int(text) <= _MAX_ID:
            lookup |= Q(pk=int(text))
        # PostgreSQL refuses NUL in a query: such text names nobody.
        found = [] if "\x00" in text else list(self.queryset.filter(lookup)[:2])
        # A username wins over an id that happens to read the same.
        person = next((u for u in found if u.username == text), found[0] if found else None)
        if person is None:
            raise ValidationError(
                str(self.error_messages["unknown_user"])
                % {"names": f"“{text[:150].replace(chr(0), '')}”"},
                code="unknown_user",
            )
        return person
