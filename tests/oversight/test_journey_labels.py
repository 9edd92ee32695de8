"""The states read as states: the bare msgid "Accepted" is the application page's moment of
acceptance ("受理时间"), so a complaint accepted for handling (R55) and a team invitation the
invitee accepted say so with their own words, not "受理时间"."""

import pytest
from django.utils import translation

from oversight.complaints_forms import TriageForm
from oversight.models_complaints import ComplaintStatus
from reviews.models import InvitationState
from tests.words import pending_catalogue


@pytest.fixture(autouse=True)
def _catalogue(settings, tmp_path):
    pending_catalogue(settings, tmp_path)  # the new-*.po strings, as after the lead's merge


def test_complaint_accepted_reads_as_a_status_r55():
    with translation.override("zh-hans"):
        assert str(ComplaintStatus.ACCEPTED.label) == "已受理"
        choices = dict(TriageForm().fields["outcome"].choices)
        assert str(choices[ComplaintStatus.ACCEPTED]) == "已受理"


def test_invitation_accepted_reads_as_a_state():
    with translation.override("zh-hans"):
        assert str(InvitationState.ACCEPTED.label) == "已接受"


def test_the_moment_of_acceptance_keeps_its_label():
    with translation.override("zh-hans"):
        assert translation.gettext("Accepted") == "受理时间"
