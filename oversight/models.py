"""Oversight's models. Each part keeps its models in its own module; this module gathers them."""

from oversight.models_complaints import (  # noqa: F401  complaints and investigations (R55, R56)
    Complaint,
    ComplaintMessage,
    CorrectiveMeasure,
    Evidence,
    Investigation,
    InvestigationStep,
    ReferralPackage,
)
from oversight.models_incidents import *  # noqa: F403 - incidents, risk register, funding (R59)
from oversight.models_quality import *  # noqa: F403 - quality control and the expert pool
from oversight.models_sanctions import Measure, ResearcherTraining, Sanction, SubjectKind  # noqa: F401 (R57, R10a)
