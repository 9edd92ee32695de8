"""Quality control's clock kinds (B1), declared with the kernel in quality_hooks.register_quality."""

from typing import Final

CORRECTIVE_ACTION: Final = "quality_corrective_action"  # B1
