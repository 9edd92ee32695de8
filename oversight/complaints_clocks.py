"""The clocks of complaints and investigations; declared with the kernel in register_complaints()."""

from typing import Final

COMPLAINT_ACKNOWLEDGE: Final = "complaint_acknowledge"  # R55: acknowledge a complaint
COMPLAINT_HANDLING: Final = "complaint_handling"  # R55: triage and handle it
CORRECTIVE_MEASURE: Final = "corrective_measure"  # R56: a corrective measure's due date
