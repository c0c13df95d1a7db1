"""Server-rendered, accessible SVG charts: usable in pages and PDFs, no script, no inline style.

Every chart has a title and description for assistive technology and is
always shown next to a table of the same numbers (WCAG 1.1.1): the chart is a
picture of the table, not the only way to read it.
"""

from dataclasses import dataclass
from html import escape

BAR = "#1d70b8"  # GOV.UK blue
TEXT = "#0b0c0c"
MUTED = "#505a5f"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str  # the value as printed ("42", "*" when suppressed)


def horizontal_bar_chart(
    bars: list[Bar], *, title: str, description: str, chart_id: str, width: int = 640
) -> str:
    """Return SVG markup for a horizontal bar chart (labels left, values right)."""
    row_height, label_width, value_width, top = 34, 220, 60, 8
    height = top + row_height * len(bars) + 8
    plot = width - label_width - value_width
    largest = max((bar.value for bar in bars), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'class="pont-chart" id="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for index, bar in enumerate(bars):
        y = top + index * row_height
        length = max(0.0, plot * bar.value / largest)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 21}" text-anchor="end" font-size="16" '
            f'fill="{TEXT}" font-family="arial, sans-serif">{escape(bar.label)}</text>'
        )
        parts.append(
            f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="{row_height - 10}" '
            f'fill="{BAR}"></rect>'
        )
        parts.append(
            f'<text x="{label_width + length + 6:.1f}" y="{y + 21}" font-size="16" '
            f'fill="{MUTED}" font-family="arial, sans-serif">{escape(bar.shown)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
