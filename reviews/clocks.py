"""The clocks (deadline kinds) the reviews app opens; declared with the kernel in apps.py."""

from typing import Final

DECISION: Final = "decision"  # R25, R48: decide within 30 days (72 hours in an emergency)
REREVIEW_OPINION: Final = "rereview_opinion"  # R43: the authority's expert re-review opinion
TRACKING_REVIEW: Final = "tracking_review"  # R28, R45: the next tracking review
LISTED_REGISTRATION: Final = "listed_registration"  # R51: register a listed activity
LISTED_UPDATE: Final = "listed_update"  # R51: update a listed activity's registration
