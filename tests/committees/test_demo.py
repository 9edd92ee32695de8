import io

import pytest
from django.utils import timezone

from committees import demo, selectors
from committees.models import Committee, Membership
from ethics import demo as kernel_demo
from ethics.models import AuditEvent, Deadline


@pytest.mark.django_db
def test_seed_is_realistic_and_idempotent():
    kernel_demo.seed(io.StringIO())
    out = io.StringIO()
    demo.seed(out)
    counts = (
        Committee.objects.count(),
        Membership.objects.count(),
        Deadline.objects.count(),
        AuditEvent.objects.count(),
    )
    demo.seed(io.StringIO())
    assert (
        Committee.objects.count(),
        Membership.objects.count(),
        Deadline.objects.count(),
        AuditEvent.objects.count(),
    ) == counts
    main = Committee.objects.get(name=demo.MAIN_COMMITTEE)
    short = Committee.objects.get(name=demo.SHORT_COMMITTEE)
    today = timezone.localdate()
    assert selectors.composition_of(main, today).valid
    assert selectors.composition_of(main, today).members_in_term == 9
    short_result = selectors.composition_of(short, today)
    assert [p.code for p in short_result.problems] == ["too_few_members"]
    text = out.getvalue()
    for username in ["kh_admin", "kh_secretary", "kh_chair", "kh_member", "kh_researcher"]:
        assert username in text
    main.institution.full_clean()
