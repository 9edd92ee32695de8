"""The clocks (deadline kinds) the registry app opens; declared with the kernel in apps.py."""

from typing import Final

ANNUAL_REPORT: Final = "annual_report"  # R52: the annual report by 31 March
NHC_ANNUAL_REPORT: Final = "nhc_annual_report"  # N8: the NHC work report by 31 March
