"""The account pages around Django's auth views: one's own password change (with the current
password, revoking API tokens) and the e-mailed password reset (audited)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import forms as auth_forms
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import reverse_lazy

from ethics import services
from ethics.forms import PagePasswordChangeForm
from ethics.models import User


class LoginForm(auth_forms.AuthenticationForm):
    """Django's login form; when the LDAP directory could not be asked it says so instead of
    "wrong password" (ethics.sso)."""

    def clean(self) -> dict[str, Any]:
        from django.core.exceptions import ValidationError

        from ethics import sso

        try:
            return super().clean()
        except ValidationError:
            refusal = getattr(self.request, sso.REFUSAL_ATTR, None)
            if getattr(self.request, sso.UNAVAILABLE_ATTR, None):
                raise ValidationError(sso.unavailable_message(), code="sso_unavailable") from None
            if refusal is not None:
                raise ValidationError(refusal.message, code=refusal.code) from None
            raise


class LoginView(auth_views.LoginView):
    """`/accounts/login/`: the password form (local accounts, and the directory's people while
    LDAP is on) and a "统一身份认证登录" button per enabled OIDC or CAS provider."""

    form_class = LoginForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from ethics import sso
        from ethics.sso_models import Provider

        context = super().get_context_data(**kwargs)
        context["sso_buttons"] = sso.login_buttons()
        context["ldap_hint"] = sso.LDAP_HINT if sso.enabled(Provider.LDAP) else ""
        return context


class PasswordChangeView(auth_views.PasswordChangeView):
    """`/accounts/password/`: the current password and the new one twice; every API token of
    the person is revoked and their other sessions end (this one stays)."""

    form_class = PagePasswordChangeForm

    def form_valid(self, form: Any) -> HttpResponse:
        user = self.request.user
        assert isinstance(user, User)
        services.password_change(user=user, password=form.cleaned_data["new_password"])
        update_session_auth_hash(self.request, user)
        return super(auth_views.PasswordChangeView, self).form_valid(form)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form; each link sent is audited (`user.password_reset_sent`)."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        super().send_mail(
            subject_template_name,
            email_template_name,
            context,
            from_email,
            to_email,
            html_email_template_name,
        )
        services.password_reset_requested(user=context["user"])


class SetPasswordForm(auth_forms.SetPasswordForm):  # type: ignore[type-arg]
    """Django's form for the new password from a reset link (validated with the user's own
    attributes); saving revokes the person's API tokens and is audited."""

    def save(self, commit: bool = True) -> Any:
        services.password_change(
            user=self.user,
            password=self.cleaned_data["new_password1"],
            reason="user.password_reset",
        )
        return self.user


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    success_url = reverse_lazy("password_reset_complete")
