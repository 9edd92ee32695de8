"""The clocks (deadline kinds) the committees app opens; declared with the kernel in apps.py."""

from typing import Final

COMMITTEE_REGISTRATION: Final = "committee_registration"  # R50: register within 30 days
COMMITTEE_UPDATE: Final = "committee_update"  # R50: registered content changed
MEMBER_TERM: Final = "member_term"  # R7: a member's term ends
NHC_FILING: Final = "nhc_filing"  # N7: file a medical committee with the health authority
