"""Notifications where people read them (issue 19): e-mail over real SMTP, the daily digest, and
the committees' group robots (企业微信, 钉钉, 飞书) against a local HTTP sink; each message goes out
once per channel under retries and a worker that dies between claim and send."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import urllib.parse
from datetime import timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse
from django.utils import timezone

from ethics import channels, services
from ethics.models import AuditEvent, Delivery, DeliveryState, GroupWebhook, Notification, Vendor
from tests.factories import CommitteeFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- real servers on this machine -------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    """An aiosmtpd server on a free port, and Django's SMTP backend pointed at it."""
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox
    finally:
        controller.stop()


class _Sink:
    """What the robots' servers received, and the answers to give (status, JSON) in turn."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.answers: list[tuple[int, dict]] = []


@pytest.fixture
def sink(settings):
    settings.WEBHOOK_ALLOW_LOOPBACK_HTTP = True
    state = _Sink()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            raw = self.rfile.read(length)
            parts = urllib.parse.urlsplit(self.path)
            state.requests.append(
                {
                    "path": parts.path,
                    "query": dict(urllib.parse.parse_qsl(parts.query)),
                    "body": json.loads(raw),
                    "content_type": self.headers.get("Content-Type"),
                }
            )
            status, answer = state.answers.pop(0) if state.answers else (200, {"errcode": 0})
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _hook(sink, vendor=Vendor.WECOM, secret="", committee=None) -> GroupWebhook:
    committee = committee or CommitteeFactory()
    return GroupWebhook.objects.create(
        committee_id=committee.pk, vendor=vendor, url=f"{sink.base}/robot/{vendor}", secret=secret
    )


def _post(hook, key="meeting:1:notice:0", text="会议通知：第一次会议定于 2026-12-08 14:00。"):
    channels.group_post(committee_id=hook.committee_id, key=key, text=text, url="/meetings/1/")
    return Delivery.objects.get(key=key, channel=f"webhook:{hook.pk}")


# --- e-mail over SMTP --------------------------------------------------------------------------


def test_a_notification_email_arrives_at_the_smtp_server_once(
    smtp, django_capture_on_commit_callbacks
):
    user = UserFactory(email="wang@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[user], title="Your application was received", url="/x/")
    assert len(smtp.messages) == 1
    rcpt, message = smtp.messages[0]
    assert rcpt == ["wang@example.test"]
    assert message["Subject"] == "Your application was received"
    assert message["Message-ID"].startswith("<delivery-")
    row = Delivery.objects.get()
    assert (row.state, row.channel, row.attempts) == (DeliveryState.SENT, "email", 1)
    # Done is done: neither a retry of the task nor the sweep sends it again.
    assert channels.deliver(delivery_id=row.pk) is False
    assert channels.deliveries_due() == []
    assert len(smtp.messages) == 1


def test_mail_server_down_leaves_the_email_pending_and_the_sweep_sends_it(
    settings, smtp, django_capture_on_commit_callbacks
):
    user = UserFactory(email="li@example.test")
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = _free_port()  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[user], title="Meeting moved")
    row = Delivery.objects.get()
    assert row.state == DeliveryState.PENDING
    assert row.last_error
    assert Notification.objects.filter(recipient=user).count() == 1  # the inbox has it anyway
    settings.EMAIL_PORT = port
    assert channels.deliveries_due() == [row.pk]
    assert channels.deliver(delivery_id=row.pk)
    assert len(smtp.messages) == 1
    assert Delivery.objects.get().state == DeliveryState.SENT


def test_email_off_sends_no_email_but_keeps_the_inbox(smtp, django_capture_on_commit_callbacks):
    user = UserFactory(email="zhao@example.test")
    channels.preferences_set(user=user, email=False, digest=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[user], title="Something happened")
    assert smtp.messages == []
    assert Delivery.objects.count() == 0
    assert Notification.objects.filter(recipient=user).count() == 1
    assert AuditEvent.objects.filter(action="user.channels").exists()


def test_the_daily_digest_is_one_email_listing_the_days_notifications(
    smtp, django_capture_on_commit_callbacks
):
    digest = UserFactory(email="digest@example.test")
    each = UserFactory(email="each@example.test")
    channels.preferences_set(user=digest, email=False, digest=True)  # the digest alone
    yesterday = timezone.localdate() - timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[digest, each], title="First message", url="/a/")
        services.notify(recipients=[digest, each], title="Second message", url="/b/")
    assert [r for r, _m in smtp.messages] == [["each@example.test"]] * 2
    Notification.objects.update(created_at=timezone.now() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert channels.digests_create(day=yesterday) == 1
        assert channels.digests_create(day=yesterday) == 0  # once per person and day
    rcpt, message = smtp.messages[-1]
    assert rcpt == ["digest@example.test"]
    body = message.get_payload(decode=True).decode()
    assert "First message" in body
    assert "Second message" in body
    assert "/a/" in body
    assert len(smtp.messages) == 3


# --- group robots ------------------------------------------------------------------------------


def test_wecom_gets_a_markdown_message_with_the_link(sink, settings):
    settings.SITE_URL = "https://ethics.example.edu.cn"
    hook = _hook(sink, Vendor.WECOM)
    row = _post(hook)
    assert channels.deliver(delivery_id=row.pk)
    (request,) = sink.requests
    assert request["path"] == "/robot/wecom"
    assert request["body"]["msgtype"] == "markdown"
    content = request["body"]["markdown"]["content"]
    assert "会议通知" in content
    assert "(https://ethics.example.edu.cn/meetings/1/)" in content
    assert request["content_type"].startswith("application/json")


def test_dingtalk_is_signed_with_timestamp_and_hmac(sink):
    secret = "SEC0123456789abcdef"
    hook = _hook(sink, Vendor.DINGTALK, secret=secret)
    row = _post(hook)
    assert channels.deliver(delivery_id=row.pk)
    (request,) = sink.requests
    body, query = request["body"], request["query"]
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"]
    assert "会议通知" in body["markdown"]["text"]
    stamp = query["timestamp"]
    assert abs(int(stamp) / 1000 - timezone.now().timestamp()) < 60
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"] == expected


def test_feishu_carries_timestamp_and_sign_in_the_body(sink):
    secret = "feishu-secret"
    hook = _hook(sink, Vendor.FEISHU, secret=secret)
    sink.answers.append((200, {"code": 0, "msg": "success"}))
    row = _post(hook)
    assert channels.deliver(delivery_id=row.pk)
    (request,) = sink.requests
    body = request["body"]
    assert body["msg_type"] == "text"
    assert "会议通知" in body["content"]["text"]
    expected = base64.b64encode(
        hmac.new(f"{body['timestamp']}\n{secret}".encode(), b"", hashlib.sha256).digest()
    ).decode()
    assert body["sign"] == expected


def test_a_500_is_retried_and_the_message_is_recorded_as_sent_once(sink):
    hook = _hook(sink)
    sink.answers += [(500, {}), (502, {})]
    row = _post(hook)
    for _ in range(2):
        with pytest.raises(channels.DeliveryError) as failure:
            channels.deliver(delivery_id=row.pk)
        assert failure.value.retry
    row.refresh_from_db()
    assert row.state == DeliveryState.PENDING
    assert row.last_error == "HTTP 502"
    assert channels.deliver(delivery_id=row.pk)
    assert channels.deliver(delivery_id=row.pk) is False
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == (DeliveryState.SENT, 3, "")
    assert len(sink.requests) == 3
    assert Delivery.objects.filter(state=DeliveryState.SENT).count() == 1
    assert channels.deliveries_due() == []


def test_the_celery_task_retries_a_500_then_succeeds(sink, eager_celery):
    from ethics import tasks

    hook = _hook(sink)
    sink.answers.append((503, {}))
    row = _post(hook)
    tasks.deliver_task.apply(args=[row.pk])
    row.refresh_from_db()
    assert row.state == DeliveryState.SENT
    assert len(sink.requests) == 2
    assert tasks.deliver_task.apply(args=[row.pk]).result is False
    assert len(sink.requests) == 2


def test_a_worker_dead_between_claim_and_send_is_sent_once_after_its_lease(sink, settings):
    hook = _hook(sink)
    row = _post(hook)
    now = timezone.now()
    assert channels.claim(row.pk, now)  # the worker claimed it, then died before sending
    assert channels.deliver(delivery_id=row.pk, now=now) is False  # still leased
    assert channels.deliveries_due(now) == []
    later = now + timedelta(seconds=settings.DELIVERY_LEASE_SECONDS + 1)
    assert channels.deliveries_due(later) == [row.pk]
    assert channels.deliver(delivery_id=row.pk, now=later)
    assert channels.deliver(delivery_id=row.pk, now=later) is False
    assert len(sink.requests) == 1


def test_the_same_event_posts_once_per_robot(sink, django_capture_on_commit_callbacks):
    committee = CommitteeFactory()
    first, second = _hook(sink, committee=committee), _hook(sink, committee=committee)
    GroupWebhook.objects.create(
        committee_id=committee.pk, vendor=Vendor.WECOM, url=f"{sink.base}/off", active=False
    )
    for _ in range(3):
        channels.group_post(committee_id=committee.pk, key="reminders:x", text="有 2 项待办")
    assert Delivery.objects.count() == 2
    assert {d.webhook_id for d in Delivery.objects.all()} == {first.pk, second.pk}


def test_an_error_answer_is_recorded_for_the_secretary_and_not_retried(sink):
    hook = _hook(sink, Vendor.DINGTALK, secret="SECwrong")
    sink.answers.append((200, {"errcode": 310000, "errmsg": "sign not match"}))
    row = _post(hook)
    with pytest.raises(channels.DeliveryError) as failure:
        channels.deliver(delivery_id=row.pk)
    assert not failure.value.retry
    row.refresh_from_db()
    hook.refresh_from_db()
    assert row.state == DeliveryState.FAILED
    assert "310000" in row.last_error
    assert "sign not match" in hook.last_error
    assert hook.last_error_at is not None
    assert channels.deliveries_due() == []


def test_an_unreachable_webhook_is_recorded_not_lost(settings):
    settings.WEBHOOK_ALLOW_LOOPBACK_HTTP = True
    committee = CommitteeFactory()
    hook = GroupWebhook.objects.create(
        committee_id=committee.pk, vendor=Vendor.WECOM, url=f"http://127.0.0.1:{_free_port()}/x"
    )
    row = _post(hook)
    with pytest.raises(channels.DeliveryError):
        channels.deliver(delivery_id=row.pk)
    row.refresh_from_db()
    assert row.state == DeliveryState.PENDING
    assert row.last_error.startswith("no answer")
    assert GroupWebhook.objects.get(pk=hook.pk).last_error


@pytest.mark.parametrize(
    ("url", "loopback_allowed", "ok"),
    [
        ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", False, True),
        ("https://oapi.dingtalk.com/robot/send?access_token=abc", False, True),
        ("http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", True, False),
        ("http://127.0.0.1:8080/robot", True, True),
        ("http://127.0.0.1:8080/robot", False, False),
        ("http://localhost/robot", True, True),
        ("ftp://example.com/x", True, False),
        ("https://user:pw@example.com/x", False, False),
        ("https://example.com:99999/x", False, False),
        ("not a url", False, False),
    ],
)
def test_webhook_addresses_are_https_except_loopback_when_allowed(
    settings, url, loopback_allowed, ok
):
    settings.WEBHOOK_ALLOW_LOOPBACK_HTTP = loopback_allowed
    assert (channels.webhook_url_problem(url) is None) is ok


# --- the secretary's page ------------------------------------------------------------------


def test_the_secretary_adds_a_robot_and_its_secret_is_never_shown(client, world):
    client.force_login(world.secretary)
    url = reverse("committees:webhooks", args=[world.committee.pk])
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(
        url,
        {
            "vendor": "dingtalk",
            "name": "委员群",
            "url": "https://oapi.dingtalk.com/robot/send?access_token=tok123",
            "secret": "SECtopsecret",
        },
    )
    assert response.status_code == 302
    hook = GroupWebhook.objects.get(committee_id=world.committee.pk)
    assert hook.secret == "SECtopsecret"
    page = client.get(url).content.decode()
    assert "委员群" in page
    assert "SECtopsecret" not in page
    assert "tok123" not in page
    event = AuditEvent.objects.get(action="committee.webhook_save")
    assert "SECtopsecret" not in json.dumps(event.after, default=str)
    assert "tok123" not in json.dumps(event.after, default=str)


def test_a_plain_http_address_is_a_form_error_not_a_500(client, world, settings):
    settings.WEBHOOK_ALLOW_LOOPBACK_HTTP = False
    client.force_login(world.secretary)
    url = reverse("committees:webhooks", args=[world.committee.pk])
    response = client.post(url, {"vendor": "wecom", "url": "http://example.com/hook"})
    assert response.status_code == 400
    assert "https://" in response.content.decode()
    assert not GroupWebhook.objects.exists()


def test_the_api_adds_a_robot_and_answers_without_address_or_secret(api_client, world):
    api_client.force_authenticate(world.secretary)
    response = api_client.post(
        f"/api/v1/committees/{world.committee.pk}/webhooks/",
        {
            "vendor": "feishu",
            "url": "https://open.feishu.cn/open-apis/bot/v2/hook/x1",
            "secret": "s",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["signed"] is True
    assert "url" not in response.json()
    assert "secret" not in response.json()
    bad = api_client.post(
        f"/api/v1/committees/{world.committee.pk}/webhooks/",
        {"vendor": "slack", "url": "ftp://x"},
        format="json",
    )
    assert bad.status_code == 400
    assert set(bad.json()) >= {"vendor", "url"}


@pytest.mark.parametrize("role", ["member", "outsider", "stranger", "researcher"])
def test_only_who_manages_the_committee_sees_its_robots(client, world, role):
    hook = GroupWebhook.objects.create(
        committee_id=world.committee.pk, vendor=Vendor.WECOM, url="https://example.com/h"
    )
    client.force_login(world.user(role))
    assert client.get(reverse("committees:webhooks", args=[world.committee.pk])).status_code == 404
    delete = reverse("committees:webhook-action", args=[hook.pk, "delete"])
    assert client.post(delete).status_code == 404
    assert GroupWebhook.objects.filter(pk=hook.pk).exists()


def test_the_secretary_removes_a_robot(client, world):
    hook = GroupWebhook.objects.create(
        committee_id=world.committee.pk, vendor=Vendor.WECOM, url="https://example.com/h"
    )
    client.force_login(world.secretary)
    response = client.post(reverse("committees:webhook-action", args=[hook.pk, "delete"]))
    assert response.status_code == 302
    assert not GroupWebhook.objects.exists()
    assert AuditEvent.objects.filter(action="committee.webhook_delete").exists()


def test_the_robots_page_query_count(client, world, django_assert_max_num_queries):
    for i in range(5):
        hook = GroupWebhook.objects.create(
            committee_id=world.committee.pk, vendor=Vendor.WECOM, url=f"https://example.com/{i}"
        )
        Delivery.objects.create(
            key=f"k{i}",
            channel=f"webhook:{hook.pk}",
            webhook=hook,
            subject="s",
            text="t",
            last_error="HTTP 500",
        )
    client.force_login(world.secretary)
    url = reverse("committees:webhooks", args=[world.committee.pk])
    with django_assert_max_num_queries(15):
        page = client.get(url)
    assert page.content.decode().count("HTTP 500") >= 5
