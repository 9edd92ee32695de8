"""Issue 18: the application page's documents table is written in Python
(``reviews.rows.checklist_rows_html``). Its text must be what the page's template loop wrote, in
both languages and in the time zone of the page, for every state a document row can be in: missing,
one version or several, PDF (with its preview link) or not, quarantined (R20a: active content,
secretaries only), a correction requested (R14), names and notes that need escaping. A reader
who may not open the materials gets no row from either."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import engines
from django.utils import timezone, translation

from reviews.checklist import Slot
from reviews.models import Document, DocumentVersion
from reviews.rows import checklist_rows_html
from reviews.selectors import ChecklistRow

# The loop of reviews/application_detail.html before its rows were written in Python.
OLD_LOOP = """{% load i18n %}{% for row in rows %}{% if materials_open %}
  <tr data-slot="{{ row.slot }}" data-present="{{ row.current|yesno:'yes,no' }}">
    <td>{{ row.label }}{% if row.required %} *{% endif %}
      {% if row.document.correction_requested %}<div class="problem" data-correction="{{ row.slot }}">{% translate "Correction requested" %}: {{ row.document.correction_note }}</div>{% endif %}</td>
    <td class="muted">{{ row.rule }}</td>
    <td>{% with v=row.current %}{% if v %}{% if materials_open %}<a href="{% url 'reviews:document-download' v.pk %}">v{{ v.version }} {{ v.original_name }}</a>{% if v.content_type == "application/pdf" and not v.quarantine %} <a class="preview-link" data-preview="{{ v.pk }}" href="{% url 'reviews:document-preview' v.pk %}">{% translate "Preview" %}</a>{% endif %}{% else %}v{{ v.version }}{% endif %}
        <div class="muted">{{ v.uploaded_at|date:"Y-m-d H:i" }} · SHA-256 {{ v.sha256|truncatechars:14 }}</div>{% if v.quarantine %}<div class="pill bad" data-quarantine="{{ v.pk }}">{% blocktranslate with found=v.quarantine %}Quarantined: this file contains active content ({{ found }}); only the committee's secretaries can download it.{% endblocktranslate %}</div>{% endif %}{% else %}<span class="muted">{% translate "Missing" %}</span>{% endif %}{% endwith %}</td>
    <td>{% for v in row.versions %}{% if not forloop.first %}{% if materials_open %}<a href="{% url 'reviews:document-download' v.pk %}">v{{ v.version }}</a>{% else %}v{{ v.version }}{% endif %} {% endif %}{% endfor %}</td>
  </tr>{% endif %}{% endfor %}"""

# The template now writes the function's text where the loop was.
NEW = "{% if materials_open %}{{ html }}{% endif %}"

# 23:59 on the last day of November in Shanghai is 15:59 UTC: a date or minute written in UTC
# would differ.
LATE = dt.datetime(2026, 11, 30, 15, 59, 30, tzinfo=dt.UTC)
EARLY = dt.datetime(2026, 11, 2, 0, 5, tzinfo=ZoneInfo("Asia/Shanghai"))


def _version(pk, number, *, name="protocol.pdf", kind="application/pdf", quarantine="", at=LATE):
    return DocumentVersion(
        pk=pk,
        version=number,
        original_name=name,
        content_type=kind,
        quarantine=quarantine,
        sha256=f"{pk:02x}" * 32,
        size=1024,
        uploaded_at=at,
    )


def _rows():
    corrected = Document(
        slot=Slot.PLAN, correction_requested=True, correction_note='Page 3 <b>"risk"</b> & R14'
    )
    plain = Document(slot=Slot.OVERVIEW)
    return [
        # several versions of a PDF, the newest first: preview link and two earlier links
        ChecklistRow(
            Slot.OVERVIEW,
            Slot.OVERVIEW.label,
            "R13(1)",
            True,
            plain,
            [_version(13, 3), _version(12, 2, at=EARLY), _version(11, 1)],
        ),
        # a correction asked on a document whose one version is not a PDF, with a name to escape
        ChecklistRow(
            Slot.PLAN,
            Slot.PLAN.label,
            "R13(2) & R14",
            True,
            corrected,
            [_version(21, 1, name="plan <v1> & 'final'.docx", kind="application/msword")],
        ),
        # a quarantined PDF: no preview link, the warning naming what was found
        ChecklistRow(
            Slot.FUNDING,
            Slot.FUNDING.label,
            "R13(4)",
            False,
            Document(slot=Slot.FUNDING),
            [_version(31, 2, quarantine="/JavaScript <script>"), _version(30, 1)],
        ),
        # missing, optional, never uploaded
        ChecklistRow(Slot.CONSENT, Slot.CONSENT.label, "R13(6)", False, None, []),
        # a correction asked before any upload
        ChecklistRow(
            Slot.COI,
            Slot.COI.label,
            "R13(5)",
            True,
            Document(slot=Slot.COI, correction_requested=True, correction_note="sign it"),
            [],
        ),
    ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("materials_open", [True, False])
def test_the_documents_table_is_what_the_template_loop_wrote(language, materials_open):
    engine = engines["django"]
    rows = _rows()
    with translation.override(language), timezone.override(ZoneInfo("Asia/Shanghai")):
        old = engine.from_string(OLD_LOOP).render({"rows": rows, "materials_open": materials_open})
        html = checklist_rows_html(rows) if materials_open else ""
        new = engine.from_string(NEW).render({"html": html, "materials_open": materials_open})
    assert new == old
    if materials_open:
        # the comparison saw every state: the links, the local minute, the escaped text
        assert 'href="/reviews/documents/13/preview/"' in new
        assert 'href="/reviews/documents/11/download/">v1</a>' in new
        assert "2026-11-30 23:59" in new
        assert "2026-11-02 00:05" not in new
        assert "plan &lt;v1&gt; &amp; &#x27;final&#x27;.docx" in new
        assert 'data-quarantine="31"' in new
        assert "/JavaScript &lt;script&gt;" in new
        assert 'data-correction="coi"' in new
    else:
        assert new == ""


def test_an_empty_checklist_writes_nothing():
    assert checklist_rows_html([]) == ""
