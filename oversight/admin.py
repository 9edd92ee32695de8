"""Oversight's admin: each part registers its models from its own module."""

from oversight import quality_admin  # noqa: F401 - quality control and the expert pool
