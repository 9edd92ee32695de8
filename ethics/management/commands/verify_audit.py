from django.core.management.base import BaseCommand, CommandError

from ethics.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the audit hash chain and report the first broken link."

    def handle(self, *args: object, **options: object) -> None:
        checked, broken = verify_chain()
        if broken is not None:
            raise CommandError(
                f"audit chain broken at event {broken.event_id}: {broken.problem} "
                f"({checked} events verified before it)"
            )
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {checked} events"))
