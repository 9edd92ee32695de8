"""Oversight's models. Each part keeps its models in its own module; this module gathers them."""

from oversight.models_sanctions import Measure, ResearcherTraining, Sanction, SubjectKind  # noqa: F401 (R57, R10a)
