"""A body larger than its address takes is refused before anything reads it (ASVS 5.2.1), and
a file over its view's limit is dropped as it arrives (pont.core.uploads).

Without these, a POST of any size to any address, signed in or not, was written whole to a
temporary file by the first middleware that read the form, before CSRF or sign-in refused it.
"""

import html
import io

import pytest
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.http import multipartparser
from django.test import Client

LIMIT = 10_000  # DATA_UPLOAD_MAX_MEMORY_SIZE in these tests


@pytest.fixture
def small_limit(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = LIMIT


@pytest.fixture
def kept(monkeypatch) -> dict[str, int]:
    """Bytes Django's own handlers received (kept in memory or in a temporary file), by file,
    and how many times a multipart body was parsed at all."""
    received: dict[str, int] = {"parsed": 0}
    for handler in (MemoryFileUploadHandler, TemporaryFileUploadHandler):
        original = handler.receive_data_chunk

        def spy(self, raw_data, start, original=original):  # noqa: ANN001, ANN202
            received[self.file_name] = received.get(self.file_name, 0) + len(raw_data)
            return original(self, raw_data, start)

        monkeypatch.setattr(handler, "receive_data_chunk", spy)
    parse = multipartparser.MultiPartParser.parse

    def counted(self):  # noqa: ANN001, ANN202
        received["parsed"] += 1
        return parse(self)

    monkeypatch.setattr(multipartparser.MultiPartParser, "parse", counted)
    return received


def _file(size: int, name: str = "big.bin") -> io.BytesIO:
    data = io.BytesIO(b"x" * size)
    data.name = name
    return data


@pytest.mark.django_db
def test_a_large_form_to_a_page_is_refused_unread_before_sign_in(small_limit, kept):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/sign-in", {"username": "a", "file": _file(3 * LIMIT)})
    assert response.status_code == 413
    page = response.content.decode()
    assert "What you sent is too large" in page
    assert "Mae'r hyn a anfonoch yn rhy fawr" in html.unescape(page)  # both languages
    assert "9.8\xa0KB" in page  # the limit, as the reader reads sizes
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cache-Control"] == "no-store, max-age=0"
    assert kept == {"parsed": 0}  # not parsed, nothing kept


@pytest.mark.django_db
def test_a_large_body_to_the_api_is_refused_unread_in_its_error_shape(small_limit, kept):
    client = Client()
    response = client.post("/api/v1/referrals/", {"file": _file(3 * LIMIT)})
    assert response.status_code == 413
    assert response.json()["extra"] == {"max_bytes": LIMIT}
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert kept == {"parsed": 0}


@pytest.mark.django_db
def test_a_body_within_the_limit_is_read_as_before(small_limit, kept):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/sign-in", {"username": "a", "file": _file(LIMIT // 2)})
    assert response.status_code == 403  # refused by the CSRF check, as any form without it
    assert kept["parsed"] == 1
