#!/usr/bin/env python
"""Drive a running embedded server (`make run`: SQLite, web + worker + beat) with concurrent
API clients writing at once, then wait for every decision's letter.

    .venv/bin/python scripts/embedded_load.py --url http://127.0.0.1:8000 --clients 8 --rounds 3

Each client runs the simplified procedure end to end through /api/v1/, `--rounds` times: the
researcher creates a project and an application, uploads every checklist document and submits;
the secretary accepts; the chair assigns two members; each declares no conflict and gives an
opinion; the chair decides. With `--meetings 1` (the default) each client then runs one meeting
review: the secretary accepts for a meeting, schedules it, builds the agenda, opens it with the
members present, records every vote, concludes the items and closes it. Then the script polls
until every decision has its letter and every meeting its minutes (rendered by the worker) or
`--letter-timeout` runs out, and prints one line:

    requests=... 5xx=0 4xx=... decisions=32 expected=32 letters_missing=0 meetings=8
    minutes_missing=0 write_seconds=... seconds_to_letters=... failures=0

It needs the demo data (`manage.py seed_demo`) and talks only to the URL given (loopback).
Exit status 0 when there was no 5xx, no client failed and nothing is missing.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from typing import Any

PASSWORD = "demo-pass-2026"  # noqa: S105 - the published demo password (seed_demo)
COMMITTEE = "北京康华研究型医院科技伦理委员会"
# A valid one-page PDF (ethics.uploads.blank_pdf("load test document")): uploads are parsed.
PDF = (
    b"%PDF-1.4\n% load test document\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n3 0 obj\n<< /Type /Page "
    b"/Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> >>\nendobj\nxref\n0 4\n"
    b"0000000000 65535 f \n0000000030 00000 n \n0000000079 00000 n \n0000000136 00000 n \n"
    b"trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n224\n%%EOF\n"
)
# The demo roster's ordinary members (committees/demo.py): the reviewers the chair assigns.
REVIEWERS = "kh_member,kh_liufang,kh_yangjing,kh_zhaolei,kh_huangli,kh_zhouqiang"
# The load's projects are in one Art. 2 category; a reviewer answers every R22 worksheet
# criterion of that scope (reviews.checklist.criteria_for), no more and none left to a default.
SCOPE = ["human_data_samples"]
WORKSHEET = dict.fromkeys(
    ("principles", "value", "risk_control", "recruitment", "privacy", "vulnerable", "consent",
     "data", "ai_fairness", "ai_transparency", "ai_control", "biosafety"),
    "met",
)  # fmt: skip


class Client:
    """One user's token session; counts every response status in the shared counter."""

    def __init__(self, base: str, username: str, password: str, stats: Stats) -> None:
        self.base = base.rstrip("/")
        self.stats = stats
        self.token = ""
        body = self.call(
            "POST", "/api/v1/auth/token/", {"username": username, "password": password}
        )
        self.token = body["token"]

    def call(
        self, method: str, path: str, data: Any = None, *, files: dict[str, Any] | None = None
    ) -> Any:
        headers = {"Accept": "application/json"}
        payload = None
        if files is not None:
            boundary = uuid.uuid4().hex
            payload = _multipart(boundary, data or {}, files)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif data is not None:
            payload = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        request = urllib.request.Request(  # noqa: S310 - the operator's own server
            self.base + path, data=payload, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                status, text = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read()
        self.stats.count(status, method, path, text)
        try:
            return json.loads(text) if text else {}
        except ValueError:
            return {"_raw": text[:200].decode(errors="replace"), "_status": status}

    def status(self, method: str, path: str) -> int:
        """A request whose body is not JSON (a PDF download): only the status."""
        request = urllib.request.Request(  # noqa: S310 - the operator's own server
            self.base + path, method=method, headers={"Authorization": f"Token {self.token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                response.read()
                status = int(response.status)
        except urllib.error.HTTPError as error:
            status = error.code
        self.stats.count(status, method, path, b"")
        return status


def _multipart(boundary: str, fields: dict[str, str], files: dict[str, Any]) -> bytes:
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, content) in files.items():
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'
            ).encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter[int] = Counter()
        self.server_errors: list[str] = []
        self.decisions: list[int] = []
        self.meetings: list[int] = []
        self.failures: list[str] = []

    def count(self, status: int, method: str, path: str, text: bytes) -> None:
        with self.lock:
            self.statuses[status] += 1
            if status >= 500:
                self.server_errors.append(f"{status} {method} {path}: {text[:200]!r}")


def _expect(body: Any, key: str, step: str) -> Any:
    if not isinstance(body, dict) or key not in body:
        raise RuntimeError(f"{step}: {str(body)[:300]}")
    return body[key]


def _new_application(n: int, researcher: Client, committee: int) -> int:
    project = researcher.call(
        "POST",
        "/api/v1/projects/",
        {"title": f"并发测试项目 {n} {uuid.uuid4().hex[:6]}", "committee": committee,
         "scope": SCOPE, "team": [], "listed_item": None},
    )  # fmt: skip
    app = researcher.call(
        "POST",
        "/api/v1/applications/",
        {"project": _expect(project, "id", "project"), "kind": "initial"},
    )
    app_id = int(_expect(app, "id", "application"))
    missing = researcher.call("POST", f"/api/v1/applications/{app_id}/submit/")
    for problem in missing.get("problems", []):
        researcher.call(
            "POST",
            f"/api/v1/applications/{app_id}/documents/",
            {"slot": problem["slot"]},
            files={"file": (f"{problem['slot']}.pdf", PDF)},
        )
    _expect(researcher.call("POST", f"/api/v1/applications/{app_id}/submit/"), "status", "submit")
    return app_id


def _determine(app_id: int, secretary: Client, chair: Client) -> None:
    """R37: the secretary proposes "not listed", the chair confirms with reasons."""
    url = f"/api/v1/applications/{app_id}/"
    secretary.call("POST", f"{url}propose_listing/", {"listing": "not_listed"})
    confirmed = chair.call("POST", f"{url}confirm_listing/", {"reasons": "不属于附件清单"})
    _expect(confirmed, "status", "confirm_listing")


def one_meeting(
    n: int, researcher: Client, secretary: Client, committee: int, present: list[int], chair: int,
    chair_client: Client,
) -> tuple[int, int]:  # fmt: skip
    """Meeting review: agenda, open with a quorum, the secretary records every vote, conclude,
    close; returns (decision id, meeting id)."""
    app_id = _new_application(n, researcher, committee)
    _determine(app_id, secretary, chair_client)
    accepted = secretary.call(
        "POST", f"/api/v1/applications/{app_id}/accept/", {"procedure": "meeting"}
    )
    _expect(accepted, "status", "accept (meeting)")
    # A meeting opens only on its scheduled day (Asia/Shanghai) and is never scheduled in the
    # past: it is scheduled for now, Beijing time, whatever the machine's time zone.
    starts = time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(time.time() + 8 * 3600))
    meeting = secretary.call(
        "POST",
        "/api/v1/meetings/",
        {"committee": committee, "starts_at": starts, "place": "会议室"},
    )
    url = f"/api/v1/meetings/{_expect(meeting, 'id', 'schedule')}/"
    item = secretary.call("POST", f"{url}items/", {"application": app_id})
    item_url = f"{url}items/{_expect(item, 'id', 'agenda')}/"
    _expect(
        secretary.call("POST", f"{url}open/", {"present": present, "presiding": chair}),
        "status",
        "open",
    )
    for member in present:
        secretary.call("POST", f"{item_url}votes/", {"member": member, "choice": "approve"})
    concluded = secretary.call("POST", f"{item_url}conclude/", {"confirm": True})
    decision = _expect(concluded, "decision", "conclude")
    # Simplified decisions since the last meeting are on the agenda for the record (R35).
    for other in secretary.call("GET", url).get("items", []):
        if other["status"] == "pending":
            secretary.call("POST", f"{url}items/{other['id']}/conclude/", {"confirm": True})
    _expect(secretary.call("POST", f"{url}close/"), "status", "close")
    return int(decision), int(meeting["id"])


def one_application(
    n: int, researcher: Client, secretary: Client, chair: Client, reviewers: list[tuple[int, Client]],
    committee: int,
) -> int:  # fmt: skip
    """The simplified procedure from project to decision; returns the decision id."""
    project = researcher.call(
        "POST",
        "/api/v1/projects/",
        {"title": f"并发测试项目 {n} {uuid.uuid4().hex[:6]}", "committee": committee,
         "scope": SCOPE, "team": [], "listed_item": None},
    )  # fmt: skip
    app = researcher.call(
        "POST",
        "/api/v1/applications/",
        {"project": _expect(project, "id", "project"), "kind": "initial"},
    )
    app_id = _expect(app, "id", "application")
    missing = researcher.call("POST", f"/api/v1/applications/{app_id}/submit/")
    for problem in missing.get("problems", []):
        researcher.call(
            "POST",
            f"/api/v1/applications/{app_id}/documents/",
            {"slot": problem["slot"]},
            files={"file": (f"{problem['slot']}.pdf", PDF)},
        )
    _expect(researcher.call("POST", f"/api/v1/applications/{app_id}/submit/"), "status", "submit")
    _determine(int(app_id), secretary, chair)
    accepted = secretary.call(
        "POST",
        f"/api/v1/applications/{app_id}/accept/",
        {"procedure": "simplified", "grounds": "minimal_risk"},
    )
    _expect(accepted, "status", "accept")
    chosen = [reviewers[n % len(reviewers)], reviewers[(n + 1) % len(reviewers)]]
    assigned = chair.call(
        "POST", f"/api/v1/applications/{app_id}/assign/", {"reviewers": [m for m, _ in chosen]}
    )
    _expect(assigned, "status", "assign")
    for _, member in chosen:
        member.call("POST", f"/api/v1/applications/{app_id}/declare/", {"conflicted": False})
        opinion = member.call(
            "POST",
            f"/api/v1/applications/{app_id}/opinion/",
            {"verdict": "approve", "comments": "同意", "worksheet": WORKSHEET},
        )
        _expect(opinion, "status", "opinion")
    decision = chair.call("POST", f"/api/v1/applications/{app_id}/decide/", {"outcome": "approve"})
    return int(_expect(decision, "id", "decide"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--password", default=PASSWORD)
    parser.add_argument("--reviewers", default=REVIEWERS, help="comma-separated member logins")
    parser.add_argument(
        "--meetings", type=int, default=1, help="1: each client also runs one meeting review"
    )
    parser.add_argument("--letter-timeout", type=float, default=300.0)
    args = parser.parse_args()

    stats = Stats()
    login = lambda name: Client(args.url, name, args.password, stats)  # noqa: E731
    secretary, chair = login("kh_secretary"), login("kh_chair")
    committees = secretary.call("GET", "/api/v1/committees/")["results"]
    committee = next(c["id"] for c in committees if c["name"] == COMMITTEE)
    members = secretary.call("GET", f"/api/v1/committees/{committee}/members/")
    members = members["results"] if isinstance(members, dict) else members
    user_ids = {}
    for name in args.reviewers.split(","):
        user_ids[login(name).call("GET", "/api/v1/users/me/")["id"]] = name
    reviewer_rows = [(m["id"], user_ids[m["user"]]) for m in members if m["user"] in user_ids]
    voting = [m for m in members if m["role"] in {"chair", "vice_chair", "member"}]
    present = [m["id"] for m in voting if not m["ended_on"]]
    chair_membership = next(m["id"] for m in voting if m["role"] == "chair")

    start = time.monotonic()

    def client(i: int) -> None:
        try:
            # Each client has its own sessions: concurrent logins write tokens too.
            own = {
                "researcher": login("kh_researcher"),
                "secretary": login("kh_secretary"),
                "chair": login("kh_chair"),
            }
            reviewers = [(membership, login(name)) for membership, name in reviewer_rows]
            for r in range(args.rounds):
                decision = one_application(
                    i * args.rounds + r, own["researcher"], own["secretary"], own["chair"],
                    reviewers, committee,
                )  # fmt: skip
                with stats.lock:
                    stats.decisions.append(decision)
            if args.meetings:
                decision, meeting = one_meeting(
                    i * args.rounds + args.rounds, own["researcher"], own["secretary"], committee,
                    present, chair_membership, own["chair"],
                )  # fmt: skip
                with stats.lock:
                    stats.decisions.append(decision)
                    stats.meetings.append(meeting)
        except Exception as exc:
            with stats.lock:
                stats.failures.append(f"client {i}: {exc}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writes_done = time.monotonic()

    missing = set(stats.decisions)
    minutes_missing = set(stats.meetings)
    deadline = time.monotonic() + args.letter_timeout
    while (missing or minutes_missing) and time.monotonic() < deadline:
        for decision in list(missing):
            body = chair.call("GET", f"/api/v1/decisions/{decision}/")
            if body.get("letter_hash"):
                missing.discard(decision)
        for meeting in list(minutes_missing):
            if secretary.status("GET", f"/api/v1/meetings/{meeting}/minutes.pdf") == 200:
                minutes_missing.discard(meeting)
        if missing or minutes_missing:
            time.sleep(1.0)
    letters_seconds = time.monotonic() - writes_done

    expected = args.clients * (args.rounds + (1 if args.meetings else 0))
    server_errors = sum(n for status, n in stats.statuses.items() if status >= 500)
    client_errors = sum(n for status, n in stats.statuses.items() if 400 <= status < 500)
    for line in stats.server_errors[:20] + stats.failures[:20]:
        print(line, file=sys.stderr)  # noqa: T201
    print(  # noqa: T201
        f"requests={sum(stats.statuses.values())} 5xx={server_errors} 4xx={client_errors} "
        f"decisions={len(stats.decisions)} expected={expected} "
        f"letters_missing={len(missing)} meetings={len(stats.meetings)} "
        f"minutes_missing={len(minutes_missing)} write_seconds={writes_done - start:.1f} "
        f"seconds_to_letters={letters_seconds:.1f} failures={len(stats.failures)}"
    )
    ok = not server_errors and not missing and not minutes_missing and not stats.failures
    return 0 if ok and len(stats.decisions) == expected else 1


if __name__ == "__main__":
    sys.exit(main())
