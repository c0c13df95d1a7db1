"""The out-of-court disposals scrutiny panel: monthly samples and the panel's reviews."""

from pont.disposals.models import ScrutinySample


def scrutiny_samples_draw_due() -> list[ScrutinySample]:
    """Draw last month's sample of each force that has none yet (to be built)."""
    return []
