"""Issue 18: the meetings list writes its calendar and its rows in Python (meetings/rows.py).
The HTML must be what the template's loops wrote, in both languages: meetings in two months,
with and without a title, a place and a presiding member, in different states, an empty page
(filtered or not) and markup in the names."""

import datetime as dt

import pytest
from django.template import engines
from django.utils import timezone, translation

from meetings import rows, selectors
from meetings.models import Meeting
from tests.meetings.conftest import opened, schedule

pytestmark = pytest.mark.django_db

OLD_CALENDAR = """{% load i18n %}
  {% for month, meetings in calendar.items %}
    <h3>{{ month|date:"Y-m" }}</h3>
    <ul>{% for meeting in meetings %}<li><a href="{% url 'meetings:meeting-detail' meeting.pk %}">{{ meeting.starts_at|date:"m-d H:i" }}</a> {{ meeting.committee.name }} · {{ meeting.get_mode_display }} · <span class="pill">{{ meeting.get_status_display }}</span></li>{% endfor %}</ul>
  {% empty %}<p class="muted">{% translate "No meetings yet." %}</p>{% endfor %}"""

OLD_ROWS = """{% load i18n %}
  {% for meeting in page %}
    <tr data-meeting="{{ meeting.pk }}"><td><a href="{% url 'meetings:meeting-detail' meeting.pk %}">{{ meeting.starts_at|date:"Y-m-d H:i" }}</a></td>
      <td>{{ meeting.title|default:"—" }}</td>
      <td>{{ meeting.committee.name }}</td><td>{{ meeting.get_mode_display }}</td><td>{{ meeting.place|default:"—" }}</td>
      <td><span class="pill">{{ meeting.get_status_display }}</span></td><td>{{ meeting.presiding.user.display_name|default:"—" }}</td></tr>
  {% empty %}<tr><td colspan="7" class="muted">{% if filterset.is_bound %}{% translate "No meetings match." %}{% else %}{% translate "No meetings yet." %}{% endif %}</td></tr>{% endfor %}"""


class _Bound:
    def __init__(self, bound: bool) -> None:
        self.is_bound = bound


def _old(template: str, **context) -> str:
    return engines["django"].from_string(template).render(context)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_meeting_rows_are_the_templates(world, language):
    opened(world)  # presided by the chair, in progress
    later = timezone.localtime() + dt.timedelta(days=40)
    schedule(world, starts_at=later, title="<b>第二次</b> & 会议", place="")
    video = schedule(world, starts_at=later + dt.timedelta(days=1))
    Meeting.objects.filter(pk=video.pk).update(mode="video")  # a label other than the default
    world.committee.name = "<委员会> & 伦理"
    world.committee.save(update_fields=["name"])
    meetings = list(selectors.meetings_for_user(world.secretary))
    assert len(meetings) >= 3
    assert any(m.presiding_id for m in meetings)
    assert any(m.presiding_id is None for m in meetings)
    assert len({timezone.localtime(m.starts_at).month for m in meetings}) >= 2
    # what the page reads: the columns a line shows, in the list's order
    values = list(selectors.meetings_for_user(world.secretary).values_list(*rows.MEETING_VALUES))
    assert [v[0] for v in values] == [m.pk for m in meetings]
    with translation.override(language):
        for page, values_page in ((meetings, values), ([], [])):
            new_rows = rows.meeting_rows_of_values(values_page)
            assert "\n  " + rows.meeting_calendar_html(selectors.calendar_rows(new_rows)) == _old(
                OLD_CALENDAR, calendar=selectors.calendar_rows(page)
            )
            for bound in (False, True):
                old = _old(OLD_ROWS, page=page, filterset=_Bound(bound))
                assert "\n  " + rows.meeting_rows_html(new_rows, filtered=bound) == old
    assert Meeting.objects.count() == len(meetings)
