"""Words, not codes (issue 15): every page and e-mail of the demo journeys, as the secretary, the
chair, a member, the researcher and the institution's admin, in Chinese and in English, shows
labels and people's names, never a snake_case or dotted code, a JSON literal, a bare username or
(on a Chinese page) an untranslated English msgid. The detector is tests/words.py.

The world is the demo (every app's seeder, as `make run` loads it) plus the rest of the journeys:
the upcoming meeting is held today with every member present, its first item voted on with every
choice in play and concluded (a decision and its letter), its second item voted on and left open.
Pages are found by crawling each person's links from the dashboard (same host, GET only, no
downloads or logout), plus htmx fragments (hx-get) and a few detail pages reached by forms only.
"""

from __future__ import annotations

import io
from collections import deque
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import pytest
from django.core import mail
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from ethics.models import Notification, User
from tests.words import findings, pending_catalogue, visible_text

pytestmark = [pytest.mark.engine_independent, pytest.mark.django_db]

ROLES = ("kh_secretary", "kh_chair", "kh_member", "kh_researcher", "kh_admin")
SKIP = ("logout", "download", "/api/", "/admin/", "language", "/static/", "/media/", ".pdf")
MAX_PAGES = 200  # per person and language; the crawl stops there (and says so)
# Pages of one view differ only in their object (45 previews of the demo's documents, 17 member
# pages): a few of each show every label the template has, and keep the crawl's time in check.
PER_VIEW = 5


@pytest.fixture(autouse=True)
def _catalogue(settings, tmp_path):
    settings.DEBUG = False
    pending_catalogue(settings, tmp_path)


def _hold_meeting() -> None:
    """The rest of the journeys on top of the demo: vote, conclude, decide, letter."""
    from committees.models import Membership
    from meetings import services
    from meetings.models import Meeting
    from meetings.selectors import item_choices

    secretary = User.objects.get(username="kh_secretary")
    meeting = Meeting.objects.filter(status="scheduled").order_by("starts_at").first()
    assert meeting is not None, "the demo has no upcoming meeting"
    soon = timezone.now() + timedelta(minutes=5)
    services.meeting_reschedule(
        meeting_id=meeting.pk, starts_at=soon, reason="提前召开", actor=secretary
    )
    voters = list(
        Membership.objects.filter(
            committee=meeting.committee, role__in=("chair", "vice_chair", "member")
        )
        .select_related("user")
        .order_by("pk")
    )
    chair = next(m for m in voters if m.role == "chair")
    services.meeting_open(
        meeting_id=meeting.pk,
        present=[m.pk for m in voters],
        presiding=chair.pk,
        actor=secretary,
    )
    items = [item for item in meeting.items.order_by("position", "pk") if item.votable]
    assert items, "the upcoming meeting has nothing to vote on"
    for number, item in enumerate(items[:2]):
        choices = [c for c in item_choices(item) if c != "abstain"]
        # Most vote for the second outcome (approve after modification, where offered); one
        # member each for the others and one abstains, so every label is on the page.
        main = choices[1] if len(choices) > 1 else choices[0]
        plan = [main] * len(voters)
        for index, choice in enumerate([*choices, "abstain"]):
            if choice != main and index + 1 < len(voters):
                plan[index + 1] = choice
        for membership, choice in zip(voters, plan, strict=True):
            services.vote_cast(
                item_id=item.pk, choice=choice, membership_id=membership.pk, actor=secretary
            )
        if number == 0:
            services.item_conclude(
                item_id=item.pk, conditions="补充知情同意书中的风险说明", actor=secretary
            )


@pytest.fixture
def demo(django_capture_on_commit_callbacks, settings):
    from ethics import hooks

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_capture_on_commit_callbacks(execute=True):
        for _name, seeder in hooks.seeders():
            seeder(io.StringIO())
        _hold_meeting()
    return User.objects.all()


def _links(html: str, base: str) -> list[str]:
    import re

    found = re.findall(r'(?:href|hx-get)="([^"#]+)', html)
    out = []
    for raw in found:
        url = urljoin(base, raw.replace("&amp;", "&"))
        parts = urlsplit(url)
        if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if any(s in path for s in SKIP):
            continue
        out.append(path)
    return out


def _crawl(client, start: list[str]) -> tuple[dict[str, str], bool]:
    """Every page reachable by GET from `start`: {url: html}; and whether MAX_PAGES cut it."""
    seen: set[str] = set()
    pages: dict[str, str] = {}
    queue = deque(start)
    variants: dict[str, int] = {}
    per_view: dict[str, int] = {}
    while queue and len(pages) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        path = url.split("?")[0]
        if "?" in url:  # a few filters/pages of a list are enough
            variants[path] = variants.get(path, 0) + 1
            if variants[path] > 1:
                continue
        try:
            view = resolve(path).view_name
        except Resolver404:
            view = path
        per_view[view] = per_view.get(view, 0) + 1
        if per_view[view] > PER_VIEW:
            continue
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        pages[url] = html
        queue.extend(_links(html, url))
    return pages, bool(queue)


def _usernames() -> list[str]:
    return [u.username for u in User.objects.exclude(name="") if u.username != u.name]


def _report(problems: dict[str, list[str]]) -> str:
    lines = [f"{what}  <- {', '.join(sorted(set(where))[:3])}" for what, where in problems.items()]
    return "\n".join(sorted(lines))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_page_of_the_demo_journeys_shows_words_not_codes(client, demo, language):
    usernames = _usernames()
    problems: dict[str, list[str]] = {}
    crawled = 0
    for username in ROLES:
        user = User.objects.get(username=username)
        user.language = language
        user.save(update_fields=["language"])
        client.force_login(user)
        pages, cut = _crawl(client, [reverse("ethics:dashboard")])
        assert not cut, f"{username}: more than {MAX_PAGES} pages; raise MAX_PAGES"
        assert len(pages) > 5, f"{username} reached only {sorted(pages)}"
        crawled += len(pages)
        for url, html in pages.items():
            for finding in findings(visible_text(html), language=language, usernames=usernames):
                problems.setdefault(finding, []).append(f"{username} {url}")
        client.logout()
    assert crawled > 60
    assert not problems, f"{len(problems)} codes in visible text:\n{_report(problems)}"


def test_every_e_mail_of_the_demo_journeys_shows_words_not_codes(demo):
    from ethics import channels
    from ethics.channel_models import Delivery

    sent = list(mail.outbox)
    assert len(sent) > 5, "the journeys sent no mail"
    # Every notification once more in the other language.
    for note in Notification.objects.select_related("recipient"):
        recipient = note.recipient
        if recipient.email:
            recipient.language = "en" if recipient.language != "en" else "zh-hans"
            recipient.save(update_fields=["language"])
            # The e-mail channel's row of this message, rendered again in the other language.
            Delivery.objects.filter(key=f"notification:{note.pk}").delete()
            delivery = channels.notification_email(note)
            if delivery is not None:
                channels.deliver(delivery_id=delivery.pk)
    usernames = _usernames()
    problems: dict[str, list[str]] = {}
    for message in mail.outbox:
        language = "zh-hans" if "亲爱的" in message.body or "您好" in message.body else "en"
        text = f"{message.subject}\n{message.body}"
        for finding in findings(text, language=language, usernames=usernames):
            problems.setdefault(finding, []).append(f"{message.to[0]} «{message.subject}»")
    assert len(mail.outbox) > len(sent)
    assert not problems, f"{len(problems)} codes in e-mails:\n{_report(problems)}"


def test_every_action_and_cause_of_the_demo_journeys_has_a_label(demo):
    """What the journeys actually wrote (the static scan is tests/test_action_labels.py)."""
    from ethics.action_labels import ACTION_LABELS
    from ethics.models import AuditEvent

    actions = set(AuditEvent.objects.values_list("action", flat=True))
    causes = {c.split(" (")[0] for c in Notification.objects.values_list("cause", flat=True)}
    assert {"vote.cast", "application.decide"} <= actions
    assert actions & {"item.conclude", "item.defer"}  # the first item: concluded or deferred
    assert not actions - set(ACTION_LABELS), actions - set(ACTION_LABELS)
    codes = {c for c in causes if c and " " not in c}  # a reminder's cause is already words
    assert not codes - set(ACTION_LABELS), codes - set(ACTION_LABELS)


def test_the_detector_catches_what_it_is_for():
    html = (
        "<p>我的表决: approve_with_modifications</p><script>var a_b = 1;</script>"
        '<td>application.accept</td><p title="letter.render">批件</p><p>适用规章: ["meas"]</p>'
        '<p>kh_researcher</p><p>Submitted</p><code>code_ok</code><pre>{"x": 1}</pre>'
        "<p>见 letter.pdf，SHA-256 3fa9c0d1e2…，PDF，https://example.org/a_b，KJLL-DJ-2026-000123</p>"
    )
    found = findings(visible_text(html), language="zh-hans", usernames=["kh_researcher"])
    for expected in (
        'JSON literal ["meas"',
        "English Submitted",
        "dotted code application.accept",
        "dotted code letter.render",  # a title attribute is visible
        "snake_case approve_with_modifications",
        "snake_case kh_researcher",
        "username kh_researcher",
    ):
        assert expected in found, (expected, found)
    text = " ".join(found)
    for fine in ("a_b", "code_ok", '"x"', "pdf", "SHA", "KJLL", "example", "3fa9c0d1e2"):
        assert fine not in text, (fine, found)
    assert findings("王建国 说 wang 好", language="en", usernames=["wang"]) == ["username wang"]
    assert findings("Approve after modification", language="en") == []
