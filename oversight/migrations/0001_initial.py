from django.db import migrations


class Migration(migrations.Migration):
    """The oversight app's starting point; each part adds its own migration after this one."""

    initial = True

    dependencies: list = []

    operations: list = []
