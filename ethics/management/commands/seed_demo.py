from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from ethics import hooks


class Command(BaseCommand):
    help = "Load the demo institution, committees and users (idempotent) and print the logins."

    def handle(self, *args: object, **options: object) -> None:
        # Demo people have .invalid addresses; their notifications stay in the in-app inbox.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            for name, seeder in hooks.seeders():
                with transaction.atomic():
                    seeder(self.stdout)
                self.stdout.write(f"seeded: {name}")
