from django.core.management.base import BaseCommand
from django.db import transaction

from ethics import hooks


class Command(BaseCommand):
    help = "Load the demo institution, committees and users (idempotent) and print the logins."

    def handle(self, *args: object, **options: object) -> None:
        for name, seeder in hooks.seeders():
            with transaction.atomic():
                seeder(self.stdout)
            self.stdout.write(f"seeded: {name}")
