"""The notice given to the person: complete in Welsh and English, the same bytes for the same
data, tagged for screen readers, and saying what follows a breach for this scheme."""

from datetime import UTC, date, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader

from pont.disposals.documents import Bilingual, ConditionLine, NoticeData, notice_pdf

ISSUED = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)


def notice(**overrides) -> NoticeData:
    values = {
        "reference": "OOCD-1A2B3C4D",
        "issued_at": ISSUED,
        "issued_by": "PC Gwen Morgan",
        "person_name": "Elin Parry",
        "person_date_of_birth": date(1995, 7, 30),
        "scheme": Bilingual("Conditional Caution", "Rhybudd Amodol"),
        "consequence": "prosecution",
        "offences": (Bilingual("Assault occasioning actual bodily harm", "Ymosodiad"),),
        "conditions": (
            ConditionLine(
                what=Bilingual("Attend a drug assessment", "Mynychu asesiad cyffuriau"),
                details="",
                deadline=date(2026, 12, 11),
                service="Dyfed Drug and Alcohol Service",
            ),
            ConditionLine(
                what=Bilingual("Pay compensation to the victim", "Talu iawndal i'r dioddefwr"),
                details="To Mr Jones",
                deadline=date(2026, 12, 24),
                amount_pence=4550,
            ),
        ),
    }
    values.update(overrides)
    return NoticeData(**values)


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


@pytest.fixture(scope="module")
def rendered() -> bytes:
    return notice_pdf(notice())


def test_the_notice_is_complete_in_welsh_then_english(rendered):
    text = " ".join(text_of(rendered).split())
    welsh, english = text.index("Rhybudd Amodol"), text.index("Conditional Caution")
    assert welsh < english
    for expected in (
        "OOCD-1A2B3C4D",
        "Elin Parry",
        "Attend a drug assessment",
        "Mynychu asesiad cyffuriau",
        "Dyfed Drug and Alcohol Service",
        "£45.50",
        "11 December 2026",
        "you may be prosecuted for the original offence",
    ):
        assert expected in text, expected


def test_the_same_data_gives_the_same_bytes_and_a_tagged_pdf(rendered):
    assert notice_pdf(notice()) == rendered
    reader = PdfReader(BytesIO(rendered))
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "cy"
    assert b'pdfuaid:part="1"' in catalog["/Metadata"].get_object().get_data()


@pytest.mark.parametrize(
    ("consequence", "expected"),
    [
        ("financial_penalty", "registered as a fine at court"),
        ("none", "There is no legal penalty"),
    ],
)
def test_each_scheme_says_what_follows_a_breach(consequence, expected):
    text = " ".join(text_of(notice_pdf(notice(consequence=consequence))).split())
    assert expected in text


def test_a_notice_without_its_facts_is_refused():
    with pytest.raises(ValueError, match="aware"):
        notice_pdf(notice(issued_at=datetime(2026, 11, 27, 15, 30)))  # noqa: DTZ001
    with pytest.raises(ValueError, match="consequence"):
        notice_pdf(notice(consequence="flogging"))
    with pytest.raises(ValueError, match="offence"):
        notice_pdf(notice(offences=()))
    with pytest.raises(ValueError, match="replaces one given before"):
        notice_pdf(notice(replaces=ISSUED, occasion="more_time"))
    with pytest.raises(ValueError, match="occasion"):
        notice_pdf(notice(occasion="whim"))
    # A later notice says which it replaces; the first replaces none.
    with pytest.raises(ValueError, match="not the first"):
        notice_pdf(notice(occasion="new_service"))
    with pytest.raises(ValueError, match="not the first"):
        notice_pdf(notice(replaces=datetime(2026, 11, 2, tzinfo=UTC)))


def test_a_notice_with_more_time_says_it_replaces_the_one_held_in_both_languages():
    given = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    text = " ".join(text_of(notice_pdf(notice(replaces=given, occasion="more_time"))).split())
    welsh = text[: text.index("Conditional Caution")]
    english = text[text.index("Conditional Caution") :]
    assert "This notice replaces the one given to you on 2 November 2026." in english
    assert "the deadlines and services below are the ones that count now" in english
    assert "Conditions you have already done are not listed." in english
    assert "Mae'r hysbysiad hwn yn cymryd lle'r un a roddwyd i chi ar 2 Tachwedd 2026." in welsh
    assert "Nid yw'r amodau rydych eisoes wedi'u gwneud wedi'u rhestru." in welsh
    first = " ".join(text_of(notice_pdf(notice())).split())
    assert "replaces" not in first
    assert "not listed" not in first


def test_a_notice_for_a_condition_sent_elsewhere_says_which_services_will_call():
    given = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    text = " ".join(text_of(notice_pdf(notice(replaces=given, occasion="new_service"))).split())
    welsh = text[: text.index("Conditional Caution")]
    english = text[text.index("Conditional Caution") :]
    assert "This notice replaces the one given to you on 2 November 2026." in english
    assert "A condition has been sent to another service" in english
    assert "more time" not in english
    assert "Mae'r hysbysiad hwn yn cymryd lle'r un a roddwyd i chi ar 2 Tachwedd 2026." in welsh
    assert "Mae amod wedi'i anfon at wasanaeth arall" in welsh
