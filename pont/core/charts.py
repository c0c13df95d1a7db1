"""Server-rendered, accessible SVG charts: usable in pages and PDFs, no script, no inline style.

Every chart has a title and description for assistive technology and is
always shown next to a table of the same numbers (WCAG 1.1.1): the chart is a
picture of the table, not the only way to read it.
"""

import textwrap
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


# Labels longer than this many characters wrap onto more lines (16px Arial in 212px).
LABEL_CHARACTERS = 24
LINE_HEIGHT = 18


def _label_lines(label: str) -> list[str]:
    """The label in lines that fit the label column; a single long word is never cut."""
    return textwrap.wrap(label, LABEL_CHARACTERS, break_long_words=False) or [""]


def horizontal_bar_chart(
    bars: list[Bar],
    *,
    title: str,
    description: str,
    chart_id: str,
    width: int = 640,
    scale_to_fit: bool = True,
) -> str:
    """Return SVG markup for a horizontal bar chart (labels left, wrapped; values right).

    Scaled to fit, it is as wide as its container, and its text shrinks with it (to 7px at
    320px). Not scaled (`scale_to_fit=False`), it is drawn at its own size, text at 16px: put
    it in a container that scrolls sideways on a narrow screen (`pont-table-scroll`)."""
    row_height, label_width, value_width, top = 34, 220, 60, 8
    labels = [_label_lines(bar.label) for bar in bars]
    heights = [row_height + LINE_HEIGHT * (len(lines) - 1) for lines in labels]
    height = top + sum(heights) + 8
    plot = width - label_width - value_width
    largest = max((bar.value for bar in bars), default=0) or 1
    size = 'width="100%"' if scale_to_fit else f'width="{width}" height="{height}"'
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" {size} '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'class="pont-chart" id="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    y = top
    for bar, lines, row in zip(bars, labels, heights, strict=True):
        middle = y + row / 2
        length = max(0.0, plot * bar.value / largest)
        first = middle + 5 - LINE_HEIGHT * (len(lines) - 1) / 2
        spans = "".join(
            f'<tspan x="{label_width - 8}" y="{first + LINE_HEIGHT * n:.1f}">{escape(line)}</tspan>'
            for n, line in enumerate(lines)
        )
        parts.append(
            f'<text text-anchor="end" font-size="16" fill="{TEXT}" '
            f'font-family="arial, sans-serif">{spans}</text>'
        )
        parts.append(
            f'<rect x="{label_width}" y="{middle - 12:.1f}" width="{length:.1f}" height="24" '
            f'fill="{BAR}"></rect>'
        )
        parts.append(
            f'<text x="{label_width + length + 6:.1f}" y="{middle + 5:.1f}" font-size="16" '
            f'fill="{MUTED}" font-family="arial, sans-serif">{escape(bar.shown)}</text>'
        )
        y += row
    parts.append("</svg>")
    return "".join(parts)
