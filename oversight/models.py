"""Oversight's models. Each part keeps its models in its own module; this module gathers them."""

from oversight.models_quality import *  # noqa: F403 - quality control and the expert pool
