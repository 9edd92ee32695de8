"""Kernel forms and the form pieces every app's action inputs share."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
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
