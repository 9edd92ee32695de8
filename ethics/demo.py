"""Demo data of the kernel: the site administrator. Apps register their own seeders."""

from typing import Any

from ethics.models import User

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - printed by make run; demo data only


def demo_user(username: str, name: str, **fields: Any) -> User:
    """Create or update a demo account with the shared demo password."""
    user, created = User.objects.get_or_create(username=username, defaults={"name": name, **fields})
    if created:
        user.email = user.email or f"{username}@demo.invalid"
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def seed(stdout: Any) -> None:
    demo_user("admin", "系统管理员", is_staff=True, is_superuser=True)
    stdout.write(f"demo logins share the password {DEMO_PASSWORD}:")
    stdout.write("  admin          site administrator, Django admin at /admin/ (系统管理员)")
