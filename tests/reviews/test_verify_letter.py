"""Letters anyone can verify (issue 15): the public page `/verify/<code>` and
`GET /api/v1/verify/{code}/` answer a letter's public header to anyone, the same 404 for an unknown
and a malformed code, at most VERIFY_RATE checks per address; the 批件 lists the reviewed documents
with versions and SHA-256, its validity, a contact, the QR code and the verification URL.

What counts as confidential here: the project's title, its lead's and team's names, the
application's reference, the conditions and reasons of the decision, and the reviewers' names;
none of them may appear on the public page or in the API answer.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from rest_framework.test import APIClient

from reviews import services
from reviews.services.recognition import printed_codes
from tests.reviews.conftest import meeting_accepted, meeting_decision

UNKNOWN = (
    "This verification code is not known. Check that it was copied in full from the letter "
    "(64 characters), or ask the committee that issued the letter."
)


LOCALE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"


@pytest.fixture(autouse=True)
def _catalogue(settings, tmp_path):
    """The helper's strings wait in new-verify.po until the lead merges them into django.po;
    until then compile them beside it (django.po keeps precedence)."""
    po = LOCALE / "new-verify.po"
    if not po.exists():
        return
    target = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
    target.mkdir(parents=True)
    header = '"Content-Type: text/plain; charset=UTF-8\\n"'
    text = po.read_text(encoding="utf-8").replace(
        header, header + '\n"Plural-Forms: nplurals=1; plural=0;\\n"', 1
    )
    (target / "django.po").write_text(text, encoding="utf-8")
    msgfmt = shutil.which("msgfmt") or "/usr/bin/msgfmt"
    subprocess.run(  # noqa: S603 - our own catalogue, gettext's compiler
        [msgfmt, "-o", str(target / "django.mo"), str(target / "django.po")], check=True
    )
    settings.LOCALE_PATHS = [*settings.LOCALE_PATHS, tmp_path / "locale"]


@pytest.fixture(autouse=True)
def _fresh_counts(settings):
    """The throttle counts live in the default cache, which outlives a test."""
    settings.VERIFY_RATE = "30/min"
    settings.SITE_URL = "https://ethics.example.edu.cn"
    cache.clear()
    yield
    cache.clear()


def _approved(world):
    application = meeting_accepted(world)
    project = application.project
    project.title = "机密课题：某药物在儿童中的试验"
    project.save(update_fields=["title"])
    decision = meeting_decision(
        world, application_id=application.pk, outcome="approve", actor=world.chair
    )
    return services.letter_render(decision_id=decision.pk)


def _confidential(world, decision):
    application = decision.application
    project = application.project
    return [
        project.title,
        "机密课题",
        world.researcher.display_name,
        world.colleague.display_name,
        world.researcher.username,
        application.ref,
        *[m.user.display_name for m in world.members[2:4]],
    ]


def test_an_issued_letters_code_verifies_on_the_page_anonymously(world, client):
    decision = _approved(world)
    response = client.get(f"/verify/{decision.letter_hash}")
    assert response.status_code == 200
    text = response.content.decode()
    for expected in (
        decision.number,
        world.committee.name,
        world.committee.institution.name,
        "批准",
        decision.decided_at.astimezone().strftime("%Y-%m-%d"),
        decision.next_tracking_due.strftime("%Y-%m-%d"),
        "verify-found",
        "核验审查决定文件",
        "此后无改变本决定的决定",
    ):
        assert expected in text, expected
    for secret in _confidential(world, decision):
        assert secret not in text, secret


def test_an_issued_letters_code_verifies_on_the_api_anonymously(world):
    decision = _approved(world)
    response = APIClient().get(f"/api/v1/verify/{decision.letter_hash.upper()}/")
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == decision.number
    assert body["committee"] == world.committee.name
    assert body["institution"] == world.committee.institution.name
    assert (body["outcome"], body["outcome_label"], body["is_permit"]) == ("approve", "批准", True)
    assert body["valid_until"] == decision.next_tracking_due.isoformat()
    assert body["status"] == "in_force"
    assert body["code"] == decision.letter_hash
    flat = str(body)
    for secret in _confidential(world, decision):
        assert secret not in flat, secret


def test_a_later_suspension_shows_on_the_check(world, client):
    from reviews.models import Decision

    decision = _approved(world)
    later = Decision.objects.get(pk=decision.pk)
    later.pk = None
    later.outcome = "suspend"
    later.sequence += 1
    later.number = decision.number + "-S"
    later.letter_hash = ""
    later.decided_at = decision.decided_at.replace(microsecond=0) + __import__(
        "datetime"
    ).timedelta(days=30)
    later.review = None
    later.save()
    body = APIClient().get(f"/api/v1/verify/{decision.letter_hash}/").json()
    assert (body["status"], body["later_number"]) == ("suspended", later.number)
    assert later.number in client.get(f"/verify/{decision.letter_hash}").content.decode()


@pytest.mark.parametrize("code", ["0" * 64, "abc", "z" * 64, "0" * 65, "%20"])
def test_unknown_and_malformed_codes_get_the_same_404(world, client, code):
    _approved(world)
    page = client.get(f"/verify/{code}")
    assert page.status_code == 404
    text = page.content.decode()
    assert "verify-unknown" in text
    assert "未查到该核验码" in text  # in Chinese, the default language
    api = APIClient().get(f"/api/v1/verify/{code}/")
    assert api.status_code == 404
    assert api.json() == {"code": "unknown_code", "message": "未查到该核验码。"}


def _catalog() -> dict[str, str]:
    """zh_Hans msgid -> msgstr from django.po and, until the lead merges it, new-verify.po."""
    entries: dict[str, str] = {}
    folder = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
    pair = re.compile(
        r'msgid ((?:"(?:[^"\\]|\\.)*"\s*)+)(?:msgid_plural (?:"(?:[^"\\]|\\.)*"\s*)+)?'
        r'msgstr(?:\[0\])? ((?:"(?:[^"\\]|\\.)*"\s*)+)'
    )

    def text(chunk: str) -> str:
        return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', chunk)).replace('\\"', '"')

    for name in ("django.po", "new-verify.po"):
        path = folder / name
        if path.exists():
            for msgid, msgstr in pair.findall(path.read_text(encoding="utf-8")):
                if text(msgstr):
                    entries[text(msgid)] = text(msgstr)
    return entries


def test_every_new_message_has_a_chinese_translation():
    """The page, the API's 404 and the status labels are complete in zh-hans (the default)."""
    base = Path(settings.BASE_DIR)
    template = (base / "templates" / "reviews" / "letter_verify.html").read_text(encoding="utf-8")
    messages = re.findall(r'{% translate "([^"]+)" %}', template)
    messages += [
        m.replace("{{ seconds }}", "%(seconds)s")
        for m in re.findall(r"count seconds=seconds %}(.*?){% plural %}", template)
    ]
    messages += [
        UNKNOWN,
        "This verification code is not known.",
        "No later decision changes it",
        "Followed by decision %(number)s",
        "The activity was suspended by decision %(number)s",
        "The activity was terminated by decision %(number)s",
    ]
    assert len(messages) >= 14
    catalog = _catalog()
    for message in messages:
        assert re.search(r"[\u4e00-\u9fff]", catalog.get(message, "")), message


def test_rate_limit_at_its_boundary_page_and_api_together(world, client, settings):
    settings.VERIFY_RATE = "5/min"
    decision = _approved(world)
    api = APIClient()
    for i in range(5):
        if i % 2:
            assert api.get(f"/api/v1/verify/{decision.letter_hash}/").status_code == 200
        else:
            assert client.get(f"/verify/{'0' * 64}").status_code == 404
    refused = client.get(f"/verify/{decision.letter_hash}")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert "verify-throttled" in refused.content.decode()
    assert "核验过于频繁" in refused.content.decode()
    refused_api = api.get(f"/api/v1/verify/{decision.letter_hash}/")
    assert refused_api.status_code == 429
    assert refused_api.json()["code"] == "throttled"
    # Another address has its own budget.
    assert client.get(f"/verify/{decision.letter_hash}", REMOTE_ADDR="10.0.0.9").status_code == 200


def test_verification_is_logged_and_not_audited(world, client, caplog):
    from ethics.models import AuditEvent

    decision = _approved(world)
    before = AuditEvent.objects.count()
    with caplog.at_level("INFO", logger="reviews.verify"):
        client.get(f"/verify/{decision.letter_hash}")
        client.get("/verify/" + "1" * 64)
    assert AuditEvent.objects.count() == before
    messages = [r.getMessage() for r in caplog.records if r.name == "reviews.verify"]
    assert any("found" in m and decision.letter_hash[:12] in m for m in messages)
    assert any("unknown" in m for m in messages)


def test_the_letter_lists_documents_validity_contact_qr_and_url(world):
    decision = _approved(world)
    context = services.letter_context(decision)
    html = render_to_string("pdf/reviews/letter.html", context)
    versions = context["documents"]
    assert versions
    for version in versions:
        assert version.sha256
        assert version.sha256 in html
        assert f"第{version.version}版" in html
        assert str(version.document.get_slot_display()) in html or version.original_name in html
    assert "有效期" in html
    assert "联系人" in html
    assert world.secretary.display_name in html
    url = f"https://ethics.example.edu.cn/verify/{decision.letter_hash}"
    assert context["verify_url"] == url
    assert url in html
    assert "<svg" in html
    assert "<path" in html
    # The code is unchanged by the richer template and the PDF still prints it for recognition.
    assert decision.letter_hash == context["hash"]
    assert decision.letter_hash in printed_codes(decision.letter.open("rb").read())


def test_a_letter_shows_the_versions_it_was_decided_on(world):
    """A version uploaded after the decision is not on that decision's letter."""
    import datetime as dt

    decision = _approved(world)
    before = services.letter_context(decision)["documents"]
    before_ids = [v.pk for v in before]
    newer = before[0]
    newer.pk = None
    newer.version += 1
    newer.sha256 = "f" * 64
    newer.uploaded_at = decision.decided_at + dt.timedelta(days=1)
    newer.save()
    after = services.letter_context(decision)["documents"]
    assert [v.pk for v in after] == before_ids
    assert "f" * 64 not in {v.sha256 for v in after}
