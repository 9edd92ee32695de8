"""Real identity servers for the single sign-on tests, started by the tests themselves.

- `slapd`: OpenLDAP (Debian package `slapd`, installed by `scripts/install-system-deps test`) as
  an ordinary process on a free port with a temporary `slapd.conf` and an mdb database loaded by
  `slapadd` from an LDIF of test people. Missing slapd fails the test under CI, skips elsewhere.
- `OIDCProvider`: a small OpenID Connect provider on a thread (discovery, authorize, token with
  PKCE, userinfo, JWKS); ID tokens are RS256 JWTs signed with joserfc.
- `CASServer`: a CAS 3 endpoint on a thread: `/login` redirects back with a service ticket,
  `/p3/serviceValidate` answers the CAS XML, each ticket valid once for its service.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse
from xml.sax.saxutils import escape

import pytest

SUFFIX = "dc=example,dc=org"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "admin-secret-1"
PEOPLE = f"ou=people,{SUFFIX}"
LDAP_PASSWORD = "ldap-pass-2026"

LDIF = f"""dn: {SUFFIX}
objectClass: top
objectClass: dcObject
objectClass: organization
o: Example University
dc: example

dn: {PEOPLE}
objectClass: organizationalUnit
ou: people

dn: uid=zhangsan,{PEOPLE}
objectClass: inetOrgPerson
uid: zhangsan
cn: 张三
sn: 张
mail: zhangsan@example.org
userPassword: {LDAP_PASSWORD}

dn: uid=lisi,{PEOPLE}
objectClass: inetOrgPerson
uid: lisi
cn: 李四
sn: 李
mail: lisi@example.org
userPassword: {LDAP_PASSWORD}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _slapd_paths() -> tuple[str, str] | None:
    slapd = shutil.which("slapd") or (
        "/usr/sbin/slapd" if os.path.exists("/usr/sbin/slapd") else ""
    )
    slapadd = shutil.which("slapadd") or (
        "/usr/sbin/slapadd" if os.path.exists("/usr/sbin/slapadd") else ""
    )
    if slapd and slapadd and os.path.isdir("/etc/ldap/schema"):
        return slapd, slapadd
    return None


@dataclass
class Slapd:
    uri: str
    process: subprocess.Popen[bytes]

    def entry_uuid(self, uid: str) -> str:
        import ldap

        conn = ldap.initialize(self.uri)
        conn.simple_bind_s(ADMIN_DN, ADMIN_PASSWORD)
        [(_dn, attrs)] = conn.search_s(
            f"uid={uid},{PEOPLE}", ldap.SCOPE_BASE, attrlist=["entryUUID"]
        )
        conn.unbind_s()
        return str(attrs["entryUUID"][0].decode())


@pytest.fixture(scope="session")
def slapd(tmp_path_factory):
    paths = _slapd_paths()
    if paths is None:
        reason = "OpenLDAP slapd is not installed (apt-get install slapd)"
        if os.environ.get("CI"):
            pytest.fail(f"the LDAP tests must run in CI: {reason}")
        pytest.skip(reason)
    slapd_bin, slapadd_bin = paths
    root: Path = tmp_path_factory.mktemp("slapd")
    (root / "db").mkdir()
    conf = root / "slapd.conf"
    conf.write_text(
        "\n".join(
            [
                *(
                    f"include /etc/ldap/schema/{name}.schema"
                    for name in ("core", "cosine", "inetorgperson", "nis")
                ),
                "modulepath /usr/lib/ldap",
                "moduleload back_mdb",
                f"pidfile {root / 'slapd.pid'}",
                "database mdb",
                "maxsize 10485760",
                f'suffix "{SUFFIX}"',
                f'rootdn "{ADMIN_DN}"',
                f"rootpw {ADMIN_PASSWORD}",
                f"directory {root / 'db'}",
                "access to attrs=userPassword by anonymous auth by * none",
                "access to * by * read",
                "",
            ]
        ),
        encoding="utf-8",
    )
    (root / "people.ldif").write_text(LDIF, encoding="utf-8")
    subprocess.run(  # noqa: S603 - our own temporary directory
        [slapadd_bin, "-f", str(conf), "-l", str(root / "people.ldif")],
        check=True,
        capture_output=True,
    )
    port = free_port()
    uri = f"ldap://127.0.0.1:{port}"
    process = subprocess.Popen(  # noqa: S603
        [slapd_bin, "-f", str(conf), "-h", f"{uri}/", "-d", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"slapd stopped: {process.stderr.read().decode() if process.stderr else ''}"
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError("slapd did not start listening")
    yield Slapd(uri=uri, process=process)
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


# --- a small HTTP server on a thread ------------------------------------------------------------


class _Server:
    def __init__(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                owner.handle("GET", self)

            def do_POST(self) -> None:
                owner.handle("POST", self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def handle(self, method: str, request: BaseHTTPRequestHandler) -> None:
        raise NotImplementedError

    @staticmethod
    def reply(
        request: BaseHTTPRequestHandler,
        status: int,
        body: bytes = b"",
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(body)


# --- OIDC ----------------------------------------------------------------------------------------


@dataclass
class OIDCProvider(_Server):
    client_id: str = "ethics-test"
    client_secret: str = "oidc-client-secret-1"
    #: Claims of the person who "signs in" at the provider next.
    person: dict[str, Any] = field(default_factory=dict)
    #: Tampering for the refusal tests: a wrong nonce or audience in the ID token.
    nonce_override: str | None = None
    audience_override: str | None = None
    expired: bool = False
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        from joserfc.jwk import RSAKey

        _Server.__init__(self)
        self.key = RSAKey.generate_key(
            2048, parameters={"kid": "test-key", "alg": "RS256", "use": "sig"}, private=True
        )

    @property
    def issuer(self) -> str:
        return self.url

    def settings(self) -> dict[str, Any]:
        return {
            "OIDC_ENABLED": True,
            "OIDC_RP_CLIENT_ID": self.client_id,
            "OIDC_RP_CLIENT_SECRET": self.client_secret,
            "OIDC_RP_SIGN_ALGO": "RS256",
            "OIDC_OP_ISSUER": self.issuer,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.url}/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.url}/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.url}/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.url}/jwks",
        }

    def handle(self, method: str, request: BaseHTTPRequestHandler) -> None:
        url = urlparse(request.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/.well-known/openid-configuration":
            self.reply(request, 200, json.dumps(self.discovery()).encode())
        elif url.path == "/jwks":
            self.reply(
                request, 200, json.dumps({"keys": [self.key.as_dict(private=False)]}).encode()
            )
        elif url.path == "/authorize" and method == "GET":
            self.authorize(request, query)
        elif url.path == "/token" and method == "POST":
            length = int(request.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(request.rfile.read(length).decode()).items()}
            self.token(request, form)
        elif url.path == "/userinfo":
            bearer = (request.headers.get("Authorization") or "").removeprefix("Bearer ")
            claims = self.tokens.get(bearer)
            if claims is None:
                self.reply(request, 401, b'{"error": "invalid_token"}')
            else:
                self.reply(request, 200, json.dumps(claims).encode())
        else:
            self.reply(request, 404, b"{}")

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def authorize(self, request: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            self.reply(request, 400, b'{"error": "invalid_request"}')
            return
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "nonce": query.get("nonce"),
            "challenge": query.get("code_challenge"),
            "redirect_uri": query["redirect_uri"],
            "person": dict(self.person),
        }
        location = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        self.reply(request, 302, b"", headers={"Location": location})

    def token(self, request: BaseHTTPRequestHandler, form: dict[str, str]) -> None:
        from joserfc import jwt

        self.token_requests.append(form)
        grant = self.codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .decode()
            .rstrip("=")
        )
        if (
            grant is None
            or form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
            or form.get("redirect_uri") != grant["redirect_uri"]
            or challenge != grant["challenge"]
        ):
            self.reply(request, 400, b'{"error": "invalid_grant"}')
            return
        now = int(time.time())
        person = grant["person"]
        claims = {
            "iss": self.issuer,
            "sub": person["sub"],
            "aud": self.audience_override or self.client_id,
            "iat": now,
            "exp": now - 60 if self.expired else now + 300,
            "nonce": self.nonce_override or grant["nonce"],
        }
        id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self.key)
        access_token = secrets.token_urlsafe(24)
        self.tokens[access_token] = person
        body = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }
        self.reply(request, 200, json.dumps(body).encode())


@pytest.fixture
def oidc_provider():
    provider = OIDCProvider()
    yield provider
    provider.stop()


# --- CAS -----------------------------------------------------------------------------------------


@dataclass
class CASServer(_Server):
    #: The CAS user and attributes of the person who "signs in" next.
    user: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    tickets: dict[str, dict[str, Any]] = field(default_factory=dict)
    validations: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        _Server.__init__(self)

    def settings(self) -> dict[str, Any]:
        return {"CAS_ENABLED": True, "CAS_SERVER_URL": f"{self.url}/cas/", "CAS_VERSION": "3"}

    def handle(self, method: str, request: BaseHTTPRequestHandler) -> None:
        url = urlparse(request.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/cas/login":
            ticket = f"ST-{secrets.token_hex(12)}"
            self.tickets[ticket] = {
                "service": query["service"],
                "user": self.user,
                "attributes": dict(self.attributes),
            }
            sep = "&" if "?" in query["service"] else "?"
            location = f"{query['service']}{sep}{urlencode({'ticket': ticket})}"
            self.reply(request, 302, b"", headers={"Location": location})
        elif url.path == "/cas/p3/serviceValidate":
            self.validations.append(query)
            grant = self.tickets.pop(query.get("ticket", ""), None)
            if grant is None or grant["service"] != query.get("service"):
                body = (
                    '<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">'
                    '<cas:authenticationFailure code="INVALID_TICKET">'
                    "Ticket not recognized</cas:authenticationFailure></cas:serviceResponse>"
                )
            else:
                attributes = "".join(
                    f"<cas:{name}>{escape(value)}</cas:{name}>"
                    for name, value in grant["attributes"].items()
                )
                body = (
                    '<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">'
                    "<cas:authenticationSuccess>"
                    f"<cas:user>{escape(grant['user'])}</cas:user>"
                    f"<cas:attributes>{attributes}</cas:attributes>"
                    "</cas:authenticationSuccess></cas:serviceResponse>"
                )
            self.reply(request, 200, body.encode(), content_type="text/xml; charset=utf-8")
        else:
            self.reply(request, 404, b"")


@pytest.fixture
def cas_server():
    server = CASServer()
    yield server
    server.stop()
