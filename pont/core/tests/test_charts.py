"""The SVG bar chart: labelled for assistive technology, escaped, long labels wrapped."""

import re
import xml.etree.ElementTree as ET

from pont.core.charts import LABEL_CHARACTERS, Bar, horizontal_bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def _chart(*bars: Bar) -> ET.Element:
    markup = horizontal_bar_chart(
        list(bars), title="Tests <by> suite", description="How many & where", chart_id="c1"
    )
    return ET.fromstring(markup)  # noqa: S314 - our own markup, parsed to check it is well-formed


def test_the_chart_names_itself_for_screen_readers_and_escapes_text():
    svg = _chart(Bar(label="Llanelli <suite>", value=3, shown="3"))
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c1-title c1-desc"
    assert svg.find(f"{SVG}title").text == "Tests <by> suite"
    assert svg.find(f"{SVG}desc").text == "How many & where"
    assert [t.text for t in svg.iter(f"{SVG}tspan")] == ["Llanelli <suite>"]


def test_bars_are_in_proportion_and_a_suppressed_value_is_shown_as_printed():
    svg = _chart(Bar("A", 10, "10"), Bar("B", 5, "5"), Bar("C", 0, "*"))
    widths = [float(rect.get("width")) for rect in svg.iter(f"{SVG}rect")]
    assert widths[0] == 2 * widths[1] > 0
    assert widths[2] == 0
    values = [t.text for t in svg.iter(f"{SVG}text") if t.text]
    assert values == ["10", "5", "*"]


def test_a_long_label_wraps_onto_lines_that_fit_and_the_chart_grows_to_hold_them():
    short = _chart(Bar("Attended", 81, "81"))
    label = "Attended (out of those with a recorded outcome)"
    wrapped = _chart(Bar(label, 81, "81"))
    lines = [t.text for t in wrapped.iter(f"{SVG}tspan")]
    assert len(lines) > 1
    assert " ".join(lines) == label
    assert all(len(line) <= LABEL_CHARACTERS for line in lines)

    def height(svg: ET.Element) -> float:
        return float(re.split(r"\s+", svg.get("viewBox"))[3])

    assert height(wrapped) > height(short)
    # Lines sit one under the other, never on top of each other.
    ys = [float(t.get("y")) for t in wrapped.iter(f"{SVG}tspan")]
    assert ys == sorted(ys)
    assert len(set(ys)) == len(ys)


def test_no_bars_gives_an_empty_chart_not_an_error():
    svg = _chart()
    assert list(svg.iter(f"{SVG}rect")) == []


def test_a_chart_not_scaled_to_fit_keeps_its_own_size_so_its_text_stays_16px():
    """Scaled to a 320px screen a 640-wide chart's 16px text would be 7px: drawn at its own
    size instead (in a region that scrolls sideways), width and height match its viewBox."""
    fitted = _chart(Bar("A", 1, "1"))
    assert fitted.get("width") == "100%"
    fixed = ET.fromstring(  # noqa: S314 - our own markup
        horizontal_bar_chart(
            [Bar("A", 1, "1")], title="t", description="d", chart_id="c2", scale_to_fit=False
        )
    )
    _x, _y, width, height = fixed.get("viewBox").split()
    assert (fixed.get("width"), fixed.get("height")) == (width, height) == ("640", height)
    assert {t.get("font-size") for t in fixed.iter(f"{SVG}text")} == {"16"}
