from django.core.management.base import BaseCommand

from ethics import services


class Command(BaseCommand):
    help = "Run one deadline scan (the beat task) and send the due reminders in this process."

    def handle(self, *args: object, **options: object) -> None:
        result = services.deadlines_scan()
        sent = sum(services.reminder_send(reminder_id=rid) for rid in result.to_send)
        self.stdout.write(
            f"overdue={result.marked_overdue} created={result.reminders_created} sent={sent}"
        )
