"""Oversight's admin pages: each part registers its models read-only from its own module
(complaints and incidents import theirs from their hooks at start-up)."""

from oversight import (
    quality_admin,  # noqa: F401 - quality control and the expert pool
    sanctions_admin,  # noqa: F401 (sanctions R57, training R10a)
)
