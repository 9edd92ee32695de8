"""Words, not codes: what a person reads on a page or in an e-mail, and what must not be in it.

`visible_text(html)` keeps the text a reader sees: text nodes, and the title/alt/placeholder/
aria-label attributes and the value of buttons; it drops scripts, styles, other attribute values
and <code>/<pre> (which legitimately show codes, such as a verification code).

`findings(text, language=..., usernames=...)` lists what a reader must never see there: a
snake_case token (`approve_with_modifications`), a dotted code (`application.accept`), a JSON
literal (`["meas"]`), a bare username where a person's name belongs, and, on a Chinese page,
English words (an untranslated msgid) outside a short allow-list (PDF, API, SHA-256, URLs, ...).

`pending_catalogue(settings, tmp_path)` compiles django.po with the branches' pending new-*.po
files into a temporary locale directory, as the lead's merge will (the new strings live only there
until then).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings

LOCALE = Path(django_settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"

HIDDEN_TAGS = {"script", "style", "code", "pre", "template", "noscript"}
VOID_TAGS = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
}  # fmt: skip
VISIBLE_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label")


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        # Django's admin icons carry untranslated alt texts (a boolean's True/False, the search
        # field's "Search"); the icon is what a reader sees.
        admin_icon = tag == "img" and "/admin/img/" in str(values.get("src") or "")
        if not self.hidden and not admin_icon:
            for name in VISIBLE_ATTRIBUTES:
                if values.get(name):
                    self.parts.append(str(values[name]))
            if (
                tag == "input"
                and values.get("type") in ("submit", "button")
                and values.get("value")
            ):
                self.parts.append(str(values["value"]))
        if tag in HIDDEN_TAGS and tag not in VOID_TAGS:
            self.hidden.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HIDDEN_TAGS:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self.hidden and self.hidden[-1] == tag:
            self.hidden.pop()

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return "\n".join(part.strip() for part in parser.parts if part.strip())


# File names, addresses and links are not codes.
_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+|/[\w\-./?=&%#]+|\b[\w\-]+/[\w\-./]+")
_FILE = re.compile(
    r"[\w\-\u4e00-\u9fff]+\.(?:pdf|json|xlsx?|csv|docx?|zip|png|jpe?g|txt|eml|ico|invalid|com|cn|"
    r"org|net|local|test)\b",
    re.IGNORECASE,
)
# Hashes and reference numbers (KJLL-2026-0001, DJ20260001) are not words.
_HEX = re.compile(r"\b[0-9a-fA-F]{16,}\b|SHA-256\s*[0-9a-fA-F]+")
_REFERENCE = re.compile(r"\b[A-Z]{2,}(?:-[A-Z]+)*-?\d[\w-]*")
SNAKE = re.compile(r"(?<![\w-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w-])")
DOTTED = re.compile(r"(?<![\w.])[a-z][a-z_]*\.[a-z][a-z_]*(?![\w.])")
JSON_LITERAL = re.compile(r"[\[{]\s*\"[^\"]*\"|\[\s*\]|\{\s*\}")
ENGLISH = re.compile(r"[A-Za-z][A-Za-z'’]+")
#: ASCII words a Chinese page may show: abbreviations, units, standards and product names.
ALLOWED_WORDS = {
    "pdf", "api", "sha", "url", "urls", "id", "qr", "csv", "json", "xlsx", "http", "https", "ip",
    "uscc", "utc", "gmt", "cst", "pm", "am", "otp", "totp", "mfa", "js", "css", "html", "ok", "no",
    "ai", "gb", "mb", "kb", "zh", "hans", "en", "english", "xxxx", "ci", "pi", "it", "iso",
    "csrf", "django", "celery", "redis", "postgresql", "sqlite", "weasyprint", "github",
    "email", "mail", "smtp", "hmac", "app", "apps", "rss", "vs", "sop", "excel", "word", "jpeg", "png",
    "opendocument", "doc", "docx", "odt", "google", "microsoft", "authenticator", "freeotp",
    # DingTalk's and Feishu's own words for a group robot's address and its secret's prefix.
    "webhook", "sec", "openid", "connect", "cas", "ldap",
}  # fmt: skip


def findings(text: str, *, language: str, usernames: Iterable[str] = ()) -> list[str]:
    """What must not be in `text` (the visible text of one page or message)."""
    text = _REFERENCE.sub(" ", _HEX.sub(" ", _FILE.sub(" ", _URL.sub(" ", text))))
    found: list[str] = []
    found += [f"snake_case {m}" for m in SNAKE.findall(text)]
    found += [f"dotted code {m}" for m in DOTTED.findall(text)]
    found += [f"JSON literal {m}" for m in JSON_LITERAL.findall(text)]
    for name in usernames:
        if re.search(rf"(?<![\w@.-]){re.escape(name)}(?![\w@-])", text):
            found.append(f"username {name}")
    if language.startswith("zh"):
        words = {w for w in ENGLISH.findall(text) if w.lower().strip("'’") not in ALLOWED_WORDS}
        found += [f"English {w}" for w in sorted(words)]
    return sorted(set(found))


def pending_catalogue(settings, tmp_path: Path) -> None:
    """Use django.po plus the pending new-*.po files (compiled into tmp_path) for zh_Hans."""
    pending = sorted(LOCALE.glob("new-*.po"))
    if not pending:
        return
    msgcat, msgfmt = shutil.which("msgcat"), shutil.which("msgfmt")
    if not (msgcat and msgfmt):
        pytest.skip("gettext's msgcat/msgfmt are needed to compile the pending catalogue")
    out = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
    out.mkdir(parents=True)
    merged = out / "django.po"
    subprocess.run(  # noqa: S603 - fixed arguments, local files
        [msgcat, "--use-first", "-o", str(merged), str(LOCALE / "django.po"), *map(str, pending)],
        check=True,
    )
    subprocess.run(  # noqa: S603
        [msgfmt, "--check-format", "-o", str(out / "django.mo"), str(merged)], check=True
    )
    settings.LOCALE_PATHS = [tmp_path / "locale"]  # resets the loaded catalogues
