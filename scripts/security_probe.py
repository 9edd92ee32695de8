#!/usr/bin/env python3
# ruff: noqa: T201 - a command-line probe prints its report
"""Probe a running instance as an attacker would (issue 13) and print the figures.

    make run                      # or any deployment; then, in another shell:
    .venv/bin/python scripts/security_probe.py --base http://127.0.0.1:8000 \
        --username kh_liufang --password demo-pass-2026

What it does, in this order (the token endpoint and the login pages share one per-address budget,
so it waits a minute between the phases):

1. the response headers of the login page;
2. the schema and the API docs without signing in;
3. 220 wrong passwords on `POST /api/v1/auth/token/` for a made-up username, counted by answer;
4. 20 wrong passwords on the login page for `--username`, then the right one: does it log in?

It leaves `--username` locked for the cool-off (AXES_COOLOFF_MINUTES); an administrator unlocks it
(`POST /api/v1/users/{id}/unlock/`, or Axes > Access attempts in the admin). Standard library only.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any

HEADERS = (
    "Content-Security-Policy",
    "Permissions-Policy",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Strict-Transport-Security",
)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def opener() -> tuple[urllib.request.OpenerDirector, http.cookiejar.CookieJar]:
    jar = http.cookiejar.CookieJar()
    return (
        urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect()),
        jar,
    )


def call(
    client: urllib.request.OpenerDirector,
    url: str,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    method: str | None = None,
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)  # noqa: S310
    try:
        with client.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def csrf(jar: http.cookiejar.CookieJar) -> str:
    return next((cookie.value or "" for cookie in jar if cookie.name == "csrftoken"), "")


def page_attempt(base: str, username: str, password: str) -> tuple[int, str]:
    """One password POST to the login page in a fresh browser: (status, what happened)."""
    client, jar = opener()
    login = f"{base}/accounts/login/"
    call(client, login)
    body = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": csrf(jar)}
    ).encode()
    status, _headers, content = call(
        client,
        login,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Referer": login},
    )
    text = content.decode("utf-8", "replace")
    if status == 302 and "sessionid" in {cookie.name for cookie in jar}:
        return status, "logged in"
    if status == 429:
        return status, "locked" if "锁定" in text or "locked" in text else "throttled"
    return status, "refused"


def counted(results: list[tuple[int, str]]) -> str:
    runs: list[list[Any]] = []
    for item in results:
        if runs and runs[-1][0] == item:
            runs[-1][1] += 1
        else:
            runs.append([item, 1])
    return ", then ".join(f"{n} × {status} {what}" for (status, what), n in runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--username", default="kh_liufang")
    parser.add_argument("--password", default="demo-pass-2026")
    parser.add_argument("--token-attempts", type=int, default=220)
    parser.add_argument("--page-attempts", type=int, default=20)
    parser.add_argument("--wait", type=int, default=61, help="seconds between the phases")
    args = parser.parse_args()
    base = args.base.rstrip("/")

    client, _jar = opener()
    status, headers, _ = call(client, f"{base}/accounts/login/")
    print(f"1. headers of /accounts/login/ ({status}):")
    lowered = {key.lower(): value for key, value in headers.items()}
    for name in HEADERS:
        print(f"   {name}: {lowered.get(name.lower(), '(absent)')}")

    schema, _, _ = call(client, f"{base}/api/schema/")
    docs, docs_headers, _ = call(client, f"{base}/api/docs/")
    where = docs_headers.get("Location", "")
    print(f"2. anonymous /api/schema/: {schema}; /api/docs/: {docs} {where}".rstrip())

    nobody = f"probe-{uuid.uuid4().hex[:8]}"
    answers: list[tuple[int, str]] = []
    for _ in range(args.token_attempts):
        status, _, content = call(
            client,
            f"{base}/api/v1/auth/token/",
            data=json.dumps({"username": nobody, "password": "wrong-password"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            code = json.loads(content or b"{}").get("code") or "invalid"
        except ValueError:
            code = "not json"
        answers.append((status, str(code)))
    server_errors = sum(1 for status, _ in answers if status >= 500)
    print(f"3. {args.token_attempts} wrong passwords on the token endpoint: {counted(answers)}")
    print(f"   server errors: {server_errors}")

    if args.wait:
        print(f"   (waiting {args.wait} s: the login pages share the address's budget)")
        time.sleep(args.wait)
    results = [page_attempt(base, args.username, f"wrong-{i}") for i in range(args.page_attempts)]
    right = page_attempt(base, args.username, args.password)
    print(f"4. {args.page_attempts} wrong passwords on the login page: {counted(results)}")
    print(f"   then the right password: {right[0]} {right[1]}")
    ok = right[1] != "logged in" and server_errors == 0 and schema in {401, 403}
    print("result:", "resisted" if ok else "NOT resisted")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
