"""The demo, loaded in a test as `make run` loads it, with stand-in PDFs."""

import pytest

from pont.demo.data import load_demo
from pont.disposals import documents as disposal_documents
from pont.drug_testing import documents

FAKE_PDF = b"%PDF-1.7\n% a stand-in: the notices themselves are tested in drug_testing\n%%EOF\n"


@pytest.fixture
def demo(db, settings, monkeypatch):
    """The demo loaded once, with stand-in PDFs (rendering a year's notices takes a minute)."""
    settings.PONT_DEMO_TOOLS = True
    monkeypatch.setattr(documents, "notice_pdf", lambda data: FAKE_PDF)
    monkeypatch.setattr(documents, "breach_pack_pdf", lambda data: FAKE_PDF)
    monkeypatch.setattr(disposal_documents, "notice_pdf", lambda data: FAKE_PDF)
    return load_demo()
