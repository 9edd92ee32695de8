"""E-mail: links from SITE_URL, short one-line subjects in the recipient's language, and the
embedded default backend that writes one parseable .eml file per message."""

import email
import email.policy
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.mail import EmailMessage, get_connection
from django.utils.translation import gettext_lazy as _

from ethics import services
from ethics.mail import EmlFileBackend, short_subject
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
LONG_TITLE = (
    "Meeting of the Beijing Kanghua Research Hospital S&T Ethics Committee on 2026-12-08 "
    "14:00 moved from 2026-12-01 09:30 to 2026-12-08 14:00: the chair is abroad\nsecond line"
)


@pytest.mark.django_db
def test_link_uses_site_url_with_its_port(settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "http://127.0.0.1:8765"
    user = UserFactory(email="lead@example.org", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[user], title="You were asked to review A-1", url="/reviews/7/")
    (message,) = mail.outbox
    assert "http://127.0.0.1:8765/reviews/7/" in message.body
    assert ":8000" not in message.body


@pytest.mark.django_db
def test_subject_is_short_single_line_and_body_keeps_the_message(
    django_capture_on_commit_callbacks,
):
    user = UserFactory(email="lead@example.org", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[user], title=LONG_TITLE)
    (message,) = mail.outbox
    assert len(message.subject) <= 80
    assert "\n" not in message.subject
    assert "\r" not in message.subject
    # The first clause, not cut at the colon of a time of day.
    assert message.subject.startswith("Meeting of the Beijing Kanghua")
    assert "the chair is abroad" in message.body


def test_short_subject_boundaries():
    assert short_subject("x" * 60) == "x" * 60
    assert len(short_subject("x" * 61)) == 60
    assert short_subject("x" * 61).endswith("…")
    assert short_subject("北京康华研究型医院科技伦理委员会会议取消：主任委员出国") == (
        "北京康华研究型医院科技伦理委员会会议取消"
    )
    assert short_subject("The meeting moved to 14:00: a reason") == "The meeting moved to 14:00"
    # A first clause too short to stand alone keeps its line.
    assert (
        short_subject("提醒：审查决定——A-1将于2026-12-03到期")
        == "提醒：审查决定——A-1将于2026-12-03到期"
    )
    assert short_subject("  one line\n two ") == "one line"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "greeting", "subject"),
    [("zh-hans", "您好", "您被指定审查"), ("en", "Dear", "You were asked to review")],
)
def test_mail_is_in_the_recipients_language(
    language, greeting, subject, django_capture_on_commit_callbacks
):
    user = UserFactory(email="someone@example.org", language=language)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            recipients=[user], title=_("You were asked to review %(ref)s"), params={"ref": "A-9"}
        )
    (message,) = mail.outbox
    assert message.subject.startswith(subject)
    assert greeting in message.body


def test_eml_backend_writes_one_parseable_file_per_message(tmp_path, caplog):
    backend = EmlFileBackend(file_path=str(tmp_path / "mail"))
    messages = [
        EmailMessage(subject=f"会议通知 {n}", body=f"正文 {n}\n第二行", to=[f"u{n}@example.org"])
        for n in range(3)
    ]
    with caplog.at_level(logging.INFO, logger="ethics.mail"):
        assert backend.send_messages(messages) == 3
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 3
    assert not list((tmp_path / "mail").glob("*.log"))
    parsed = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files]
    assert sorted(str(p["Subject"]) for p in parsed) == ["会议通知 0", "会议通知 1", "会议通知 2"]
    assert sorted(str(p["To"]) for p in parsed) == [f"u{n}@example.org" for n in range(3)]
    assert all("第二行" in p.get_body().get_content() for p in parsed)
    logged = [r.getMessage() for r in caplog.records if r.name == "ethics.mail"]
    assert len(logged) == 3
    for path in files:
        assert sum(str(path) in line for line in logged) == 1


def test_eml_backend_through_send_mail(settings, tmp_path):
    settings.EMAIL_BACKEND = "ethics.mail.EmlFileBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    assert get_connection().send_messages([EmailMessage("s", "b", to=["a@example.org"])]) == 1
    assert mail.send_mail("t", "b", None, ["b@example.org"]) == 1
    assert len(list(tmp_path.glob("*.eml"))) == 2


def test_embedded_default_is_the_eml_backend():
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", PYTHONPATH=str(ROOT), DEBUG="1")
    code = "import django; django.setup(); from django.conf import settings; "
    code += "print(settings.EMAIL_BACKEND, settings.EMAIL_FILE_PATH)"
    out = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out[0] == "ethics.mail.EmlFileBackend"
    assert out[1].endswith("/mail")
