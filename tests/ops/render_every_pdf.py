"""Run by test_runtime_install with a fresh virtualenv that has only the runtime dependencies
(requirements.lock, no dev extras): migrate an empty SQLite database, load the demo (letters
render through the job outbox, eagerly here), render a re-review package, and check every kind of
PDF the product makes. Prints one JSON line with the counts."""

import importlib.util
import io
import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.core.management import call_command  # noqa: E402

from config.embedded import prepare  # noqa: E402

DEV_ONLY = ("pytest", "factory", "time_machine", "playwright", "mypy", "ruff")


def main() -> int:
    leaked = [name for name in DEV_ONLY if importlib.util.find_spec(name) is not None]
    if leaked:
        print(json.dumps({"dev_packages_present": leaked}))  # noqa: T201
        return 2
    prepare()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())

    from pypdf import PdfReader

    from meetings.models import Minutes
    from registry.models import FilingPackage
    from reviews import services
    from reviews.models import Decision, ReReview

    decision = Decision.objects.filter(rereview__isnull=True).order_by("id").first()
    rereview = ReReview.objects.create(
        application=decision.application, preliminary_decision=decision
    )
    services.package_render(rereview_id=rereview.pk)

    files = {
        "letter": [d.letter for d in Decision.objects.all()],
        "minutes": [m.file for m in Minutes.objects.all()],
        "filing_package": [p.pdf for p in FilingPackage.objects.all()],
        "rereview_package": [r.package for r in ReReview.objects.all()],
    }
    counts = {}
    for kind, fields in files.items():
        rendered = [f for f in fields if f]
        for field in rendered:
            with field.open("rb") as handle:
                assert len(PdfReader(handle).pages) >= 1, (kind, field.name)
        counts[kind] = len(rendered)
        counts[f"{kind}_missing"] = len(fields) - len(rendered)
    print(json.dumps(counts))  # noqa: T201
    return (
        0 if all(counts[k] for k in files) and not any(counts[f"{k}_missing"] for k in files) else 1
    )


if __name__ == "__main__":
    sys.exit(main())
