"""Oversight's admin pages: each part registers its models read-only from its own module."""

from oversight import sanctions_admin  # noqa: F401 (sanctions R57, training R10a)
