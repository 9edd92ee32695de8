"""The clocks of incidents and the risk register (declared with the kernel in incidents_hooks)."""

from typing import Final

# R30: the follow-up report on an incident, from its report; met by the first follow-up entry.
INCIDENT_FOLLOWUP: Final = "incident_followup"
# R45 / BJ 五（一）: a risk register entry's next review.
RISK_REVIEW: Final = "risk_review"
