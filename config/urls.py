"""The root URLconf: the kernel's pages, accounts, admin, the API and each app's pages."""

from importlib.util import find_spec

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from ethics import account_views, error_views, mfa_views, sso
from ethics.api.schema import SchemaView, docs_view
from ethics.health import healthz
from reviews.verify import verify_page

# The error pages in the site's layout and language (JSON under /api/): ethics/error_views.py.
handler400 = error_views.bad_request
handler403 = error_views.permission_denied
handler404 = error_views.page_not_found
handler500 = error_views.server_error

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Browsers ask every site for /favicon.ico: the static icon, so no page logs a 404.
    path("favicon.ico", error_views.favicon, name="favicon"),
    # Anyone may check a decision letter's printed code (README "Letters anyone can verify").
    path("verify/<str:code>", verify_page, name="letter-verify"),
    path("", include("ethics.urls")),
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    # Single sign-on (ethics/sso.py): 404 while the provider is off.
    path("accounts/sso/oidc/login/", sso.OIDCLoginView.as_view(), name="sso-oidc-login"),
    path("accounts/sso/oidc/callback/", sso.OIDCCallbackView.as_view(), name="sso-oidc-callback"),
    path("accounts/sso/cas/login/", sso.cas_login, name="sso-cas-login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        account_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # A reset link by e-mail: the page anyone may ask from, and the password_reset action.
    path(
        "accounts/password/reset/",
        account_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/mfa/", mfa_views.enrol, name="mfa-enrol"),
    path("accounts/mfa/verify/", mfa_views.verify, name="mfa-verify"),
    path("accounts/mfa/recovery/", mfa_views.regenerate, name="mfa-recovery"),
    path("accounts/mfa/remove/", mfa_views.remove, name="mfa-remove"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("ethics.api.urls")),
    # The schema and its docs are for signed-in people only: anonymous gets 401/403 JSON for the
    # schema and the login page for the docs. The split view serves Swagger UI's script as a
    # file (no inline script, so the CSP holds).
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", docs_view(), name="api-docs"),
]

# Each app's pages live under its own prefix, wired here once the app provides urls.py.
for app in ("committees", "reviews", "meetings", "oversight", "registry", "reports"):
    if find_spec(f"{app}.urls") is not None:
        urlpatterns.append(path(f"{app}/", include(f"{app}.urls")))
