"""police.uk data in the browser: an analyst uploads the force's monthly files, follows the
import on a progress page and sees each file's searches or every problem in it; and
downloads a month as police.uk publishes it. Tasks run inline in tests (ImmediateBackend)."""

import os
import re
from datetime import date

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from pont.accounts import services as accounts
from pont.accounts.models import Organisation
from pont.accounts.roles import Role
from pont.audit.models import AuditEvent
from pont.stop_search import policeuk, policeuk_jobs, reading, services, upload_views
from pont.stop_search.models import PoliceUkImport, PublishedSearch
from pont.testing.http import post_form
from pont.testing.personas import ANALYST, FRONTLINE, TEST_PASSWORD, client_for
from pont.testing.stop_search import read_in_a_child

from .test_policeuk import DATA, GOOD_ROWS, NAME, csv_file, with_cell

PAGE = "/stop-search/policeuk"
EXPORT = "/stop-search/policeuk/export"
OCTOBER = "2019-10-dyfed-powys-stop-and-search.csv"


pytestmark = pytest.mark.usefixtures("policeuk_force")  # police.uk's "dyfed-powys" is "dpp"


def real_file(name: str = NAME) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (DATA / name).read_bytes(), content_type="text/csv")


def upload(client, *files: SimpleUploadedFile, force: str = "dyfed-powys"):  # noqa: ANN001, ANN201
    return post_form(client, PAGE, {"force": force, "csv_files": list(files)})


def job_id_of(response) -> str:  # noqa: ANN001
    assert response.status_code == 302, response.content[:300]
    match = re.fullmatch(r"/stop-search/policeuk/jobs/([0-9a-f-]{36})", response["Location"])
    assert match, response["Location"]
    return match[1]


def stored_uploads() -> set[str]:
    """Every file waiting in the uploads folder (of any test's job: storage is in memory)."""
    if not default_storage.exists(policeuk_jobs.UPLOADS):
        return set()
    folders, _files = default_storage.listdir(policeuk_jobs.UPLOADS)
    return {
        f"{folder}/{name}"
        for folder in folders
        for name in default_storage.listdir(f"{policeuk_jobs.UPLOADS}/{folder}")[1]
    }


@pytest.fixture
def kept():  # noqa: ANN201
    """Files kept in the storage by the test: none once its imports have run."""
    before = stored_uploads()
    return lambda: stored_uploads() - before


# The page ----------------------------------------------------------------------------


def test_the_analyst_sees_the_upload_and_download_forms_and_a_menu_entry(world, as_persona):
    page = as_persona(ANALYST).get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'class="govuk-file-upload"' in html
    assert 'type="file" multiple accept=".csv,text/csv"' in html
    assert 'name="force" value="dyfed-powys"' in html  # one force: not asked
    assert f'action="{EXPORT}"' in html
    assert f'href="{PAGE}"' in html  # the menu entry


def test_the_file_picker_speaks_welsh_to_a_welsh_reader(world, as_persona):
    """GOV.UK Frontend's file picker writes its own words ("Choose file", "No file chosen")
    in English unless the page gives them (data-i18n.*)."""
    from django.conf import settings

    client = as_persona(ANALYST)
    english = client.get(PAGE).content.decode()
    assert 'data-i18n.choose-files-button="Choose files"' in english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    welsh = client.get(PAGE).content.decode()
    assert 'data-i18n.choose-files-button="Dewis ffeiliau"' in welsh
    assert 'data-i18n.no-file-chosen="Dim ffeil wedi\'i dewis"' in welsh
    assert 'data-i18n.multiple-files-chosen.other="%{count} o ffeiliau' in welsh


def test_a_front_line_officer_may_neither_see_nor_upload_nor_download(world, as_persona, kept):
    client = as_persona(FRONTLINE)
    assert client.get(PAGE).status_code == 403
    assert upload(client, real_file()).status_code == 403
    export = post_form(client, EXPORT, {"force": "dyfed-powys", "month": "2019-09"})
    assert export.status_code == 403
    assert PublishedSearch.objects.count() == 0
    assert kept() == set()


# Uploading and importing -------------------------------------------------------------


def test_an_uploaded_real_file_is_imported_and_its_page_gives_the_count(world, as_persona, kept):
    client = as_persona(ANALYST)
    before = AuditEvent.objects.count()
    job_id = job_id_of(upload(client, real_file()))
    assert PublishedSearch.objects.count() == 205
    record = PoliceUkImport.objects.get()
    assert (record.force, record.month, record.rows) == ("dyfed-powys", date(2019, 9, 1), 205)
    assert record.imported_by == world.user(ANALYST)
    # The service's one collection event, by the analyst; nothing else written.
    events = list(AuditEvent.objects.order_by("sequence")[before:])
    assert [(e.operation, e.object_type, e.actor) for e in events] == [
        ("collection", "stop_search.policeukimport", world.user(ANALYST))
    ]
    page = client.get(f"/stop-search/policeuk/jobs/{job_id}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "police.uk import finished" in html
    assert "1 file imported" in html
    assert NAME in html
    assert "dyfed-powys 2019-09" in html
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">205</td>' in html
    assert "hx-trigger" not in html  # finished: no more polling
    assert kept() == set()  # the file is not kept once imported


def test_several_months_at_once_are_each_imported_and_counted(world, as_persona):
    client = as_persona(ANALYST)
    job_id = job_id_of(upload(client, real_file(), real_file(OCTOBER)))
    assert PublishedSearch.objects.count() == 205 + 241
    html = client.get(f"/stop-search/policeuk/jobs/{job_id}").content.decode()
    assert "2 files imported" in html
    assert ">205</td>" in html
    assert ">241</td>" in html


def test_a_month_uploaded_again_replaces_what_was_imported_and_says_so(world, as_persona):
    client = as_persona(ANALYST)
    job_id_of(upload(client, real_file()))
    job_id = job_id_of(upload(client, real_file()))
    assert PublishedSearch.objects.count() == 205
    job = policeuk_jobs.policeuk_job_get_for_user(user=world.user(ANALYST), job_id=job_id)
    assert job is not None
    assert [(f["status"], f["rows"], f["replaced"]) for f in job["files"]] == [
        ("imported", 205, 205)
    ]


def test_a_malformed_file_shows_every_problem_and_writes_nothing(world, as_persona, kept):
    bad = with_cell(policeuk.OUTCOME, "Given a stern look", row=2, gender="Unknown")
    client = as_persona(ANALYST)
    before = AuditEvent.objects.count()
    job_id = job_id_of(upload(client, SimpleUploadedFile(NAME, bad, content_type="text/csv")))
    assert PublishedSearch.objects.count() == 0
    assert PoliceUkImport.objects.count() == 0
    assert AuditEvent.objects.count() == before
    html = client.get(f"/stop-search/policeuk/jobs/{job_id}").content.decode()
    assert "1 file was not imported" in html
    assert "Nothing was imported from " + NAME in html
    rows = re.findall(
        r'<td class="govuk-table__cell govuk-table__cell--numeric">(\d+)</td>\s*'
        r'<td class="govuk-table__cell">([^<]*)</td>\s*<td class="govuk-table__cell">([^<]*)</td>',
        html,
    )
    assert [(row, column) for row, column, _reason in rows] == [
        ("3", policeuk.GENDER),
        ("3", policeuk.OUTCOME),
    ]
    assert "“Given a stern look” is not a police.uk value of this column." in rows[1][2].replace(
        "&ldquo;", "“"
    ).replace("&rdquo;", "”")
    assert kept() == set()


def test_a_good_file_is_imported_even_when_another_in_the_upload_is_refused(world, as_persona):
    bad = SimpleUploadedFile(OCTOBER, csv_file(*GOOD_ROWS), content_type="text/csv")  # September
    client = as_persona(ANALYST)
    job_id = job_id_of(upload(client, real_file(), bad))
    assert PublishedSearch.objects.count() == 205
    html = client.get(f"/stop-search/policeuk/jobs/{job_id}").content.decode()
    assert "1 file was not imported" in html
    assert "not in 2019-10, the month of the file name" in html


def test_a_file_of_another_force_is_refused_by_the_service(world, as_persona):
    other = SimpleUploadedFile(
        "2019-09-metropolitan-stop-and-search.csv", csv_file(*GOOD_ROWS), content_type="text/csv"
    )
    job_id = job_id_of(upload(as_persona(ANALYST), other))
    job = policeuk_jobs.policeuk_job_get_for_user(user=world.user(ANALYST), job_id=job_id)
    assert job is not None
    (entry,) = job["files"]
    assert entry["status"] == "refused"
    assert [(e["row"], e["field"]) for e in entry["errors"]] == [(None, "")]
    assert "“metropolitan”" in entry["errors"][0]["reason"]
    assert PublishedSearch.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.txt", b"Type,Date\n", "“notes.txt” is not a CSV file"),
        ("2019-09-dyfed-powys-stop-and-search.xlsx", b"PK\x03\x04", "is not a CSV file"),
        (NAME, b"", f"“{NAME}” is empty"),
    ],
)
def test_a_file_that_is_not_a_csv_is_refused_naming_the_field(
    world, as_persona, kept, name, data, message
):
    response = upload(as_persona(ANALYST), SimpleUploadedFile(name, data))
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert '<a href="#id_csv_files">' in html  # the summary links to the field
    assert 'id="id_csv_files-error"' in html
    assert message in html.replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert "<title>Error:" in html
    assert PublishedSearch.objects.count() == 0
    assert kept() == set()


def test_no_file_selected_asks_for_one(world, as_persona):
    response = post_form(as_persona(ANALYST), PAGE, {"force": "dyfed-powys"})
    assert response.status_code == 400
    assert str(upload_views.SELECT_FILES) in response.content.decode()


def test_a_file_over_the_size_limit_is_refused(world, as_persona, settings):
    settings.POLICEUK_UPLOAD_MAX_BYTES = 1000
    response = upload(as_persona(ANALYST), real_file())
    assert response.status_code == 400
    assert "is larger than 1000" in response.content.decode()
    assert PublishedSearch.objects.count() == 0


def test_a_file_over_the_limit_is_dropped_as_it_arrives_and_named(world, as_persona, settings):
    """Over DATA_UPLOAD_MAX_MEMORY_SIZE, the page takes up to its files' limit in all
    (pont.core.uploads), and a file over the limit for one is dropped before Django keeps
    more of it than a chunk: the page names it, whether or not it came alone."""
    from django.core.files.uploadhandler import MemoryFileUploadHandler

    settings.POLICEUK_UPLOAD_MAX_BYTES = 1000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    kept: dict[str, int] = {}
    original = MemoryFileUploadHandler.receive_data_chunk

    def spy(self, raw_data, start):  # noqa: ANN001, ANN202
        kept[self.file_name] = kept.get(self.file_name, 0) + len(raw_data)
        return original(self, raw_data, start)

    big = SimpleUploadedFile("big.csv", b"x" * 5000, content_type="text/csv")
    client = as_persona(ANALYST)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(MemoryFileUploadHandler, "receive_data_chunk", spy)
        alone = upload(client, big)
        big.seek(0)
        beside = upload(client, big, SimpleUploadedFile("small.csv", b"a,b\n", "text/csv"))
    assert "big.csv" not in kept  # not a byte of it kept
    for response in (alone, beside):
        assert response.status_code == 400
        page = response.content.decode()
        assert "“big.csv” is larger than 1000\xa0bytes" in page
        assert str(upload_views.SELECT_FILES) not in page
    assert PublishedSearch.objects.count() == 0
    # Over what the page takes in all (24 files at the limit, and the form): refused unread.
    settings.POLICEUK_UPLOAD_MAX_BYTES = 100
    many = [SimpleUploadedFile(f"{n}.csv", b"x" * 50_000, "text/csv") for n in range(24)]
    refused = upload(client, *many)
    assert refused.status_code == 413
    assert "What you sent is too large" in refused.content.decode()


# The progress page -------------------------------------------------------------------


def test_a_job_waiting_for_the_worker_polls_and_can_be_refreshed_without_javascript(
    world, as_persona
):
    job_id = policeuk_jobs.policeuk_job_create(
        actor=world.user(ANALYST), force="dyfed-powys", files=[real_file()]
    )
    url = f"/stop-search/policeuk/jobs/{job_id}"
    client = as_persona(ANALYST)
    html = client.get(url).content.decode()
    assert "Waiting to start" in html
    assert f'hx-get="{url}" hx-trigger="every 1s" hx-swap="outerHTML"' in html
    assert f'<a class="govuk-link" href="{url}">Refresh this page</a>' in html
    assert '<progress id="policeuk-job-progress" max="100" value="0">' in html
    # htmx asks for the progress part only.
    part = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert part.lstrip().startswith('<div id="policeuk-job"')
    assert "<html" not in part


def test_the_progress_page_shows_rows_and_bytes_read_while_the_file_is_imported(
    world, as_persona, monkeypatch
):
    """The page is asked for while the worker is in the middle of the file."""
    client = as_persona(ANALYST)
    job_id = policeuk_jobs.policeuk_job_create(
        actor=world.user(ANALYST), force="dyfed-powys", files=[real_file(OCTOBER)]
    )
    url = f"/stop-search/policeuk/jobs/{job_id}"
    seen: list[str] = []
    save = policeuk_jobs._save

    def save_and_look(job):  # noqa: ANN001, ANN202
        save(job)
        entry = job["files"][0]
        if entry["status"] == "reading" and entry["rows"] and not seen:
            seen.append(client.get(url, headers={"HX-Request": "true"}).content.decode())

    monkeypatch.setattr(services, "POLICEUK_PROGRESS_EVERY", 100)
    monkeypatch.setattr(policeuk_jobs, "PROGRESS_SECONDS", 0)
    monkeypatch.setattr(policeuk_jobs, "_save", save_and_look)
    policeuk_jobs.policeuk_job_run(job_id)
    (html,) = seen
    assert "Importing police.uk files" in html
    assert 'hx-trigger="every 1s"' in html
    assert re.search(r"\b100 rows read \([\d.]+\xa0KB of 48[.\d]*\xa0KB\)", html), html
    percent = int(re.search(r'<progress [^>]*value="(\d+)"', html)[1])  # type: ignore[index]
    assert 0 < percent < 100
    assert "Importing: " in html
    # And when it has finished:
    done = client.get(url).content.decode()
    assert "1 file imported" in done
    assert PublishedSearch.objects.count() == 241


def _aged(job_id: str, *, status: str, seconds: int) -> None:
    """The job as the worker last left it, `seconds` ago, in `status`."""
    from datetime import timedelta

    from django.core.cache import cache
    from django.utils import timezone

    job = policeuk_jobs._load(job_id)
    assert job is not None
    job["status"] = job["files"][0]["status"] = status
    job["updated_at"] = (timezone.now() - timedelta(seconds=seconds)).isoformat()
    cache.set(policeuk_jobs._key(job_id), job, policeuk_jobs.JOB_SECONDS)


def test_a_job_whose_worker_stopped_while_reading_is_shown_failed_and_nothing_written(
    world, as_persona, kept
):
    job_id = policeuk_jobs.policeuk_job_create(
        actor=world.user(ANALYST), force="dyfed-powys", files=[real_file()]
    )
    url = f"/stop-search/policeuk/jobs/{job_id}"
    client = as_persona(ANALYST)
    _aged(job_id, status="reading", seconds=policeuk_jobs.STALLED_SECONDS - 30)
    assert "Importing police.uk files" in client.get(url).content.decode()  # still going
    _aged(job_id, status="reading", seconds=policeuk_jobs.STALLED_SECONDS + 1)
    html = client.get(url).content.decode()
    assert "police.uk import finished" in html
    assert "The import stopped without finishing" in html
    assert 'hx-trigger="every 1s"' not in html  # no more polling
    job = policeuk_jobs._load(job_id)
    assert job is not None
    assert (job["status"], job["files"][0]["status"]) == ("done", "failed")  # kept so
    assert not PublishedSearch.objects.exists()


def test_a_job_waiting_ten_minutes_warns_that_no_worker_is_running(world, as_persona):
    job_id = policeuk_jobs.policeuk_job_create(
        actor=world.user(ANALYST), force="dyfed-powys", files=[real_file()]
    )
    url = f"/stop-search/policeuk/jobs/{job_id}"
    client = as_persona(ANALYST)
    assert "the task worker may not be running" not in client.get(url).content.decode()
    _aged(job_id, status="waiting", seconds=policeuk_jobs.NOT_STARTED_SECONDS + 1)
    html = client.get(url).content.decode()
    assert "the task worker may not be running" in html
    assert "Waiting to start" in html  # not failed: a worker may yet take it


def test_a_job_of_another_force_is_not_found(world, as_persona):
    other = accounts.organisation_create(
        actor=None, name="Gwent Police", slug="gwent", kind=Organisation.Kind.FORCE
    )
    analyst, _ = accounts.user_create(
        actor=None,
        username="gwent-analyst",
        given_name="Gwen",
        family_name="Analyst",
        email="gwent@example.test",
        password=TEST_PASSWORD,
    )
    accounts.membership_create(
        actor=None, user=analyst, organisation=other, role=Role.INTELLIGENCE_ANALYST
    )
    theirs = policeuk_jobs.policeuk_job_create(actor=analyst, force="gwent", files=[real_file()])
    ours = policeuk_jobs.policeuk_job_create(
        actor=world.user(ANALYST), force="dyfed-powys", files=[real_file()]
    )
    client = as_persona(ANALYST)
    assert client.get(f"/stop-search/policeuk/jobs/{theirs}").status_code == 404
    assert client.get(f"/stop-search/policeuk/jobs/{ours}").status_code == 200
    missing = "00000000-0000-4000-8000-000000000000"
    assert client.get(f"/stop-search/policeuk/jobs/{missing}").status_code == 404
    # Nor may they import into the other force by naming it.
    response = upload(client, real_file(), force="gwent")
    assert response.status_code == 400
    assert PublishedSearch.objects.count() == 0


# Downloading -------------------------------------------------------------------------


def test_the_download_is_the_services_police_uk_file_of_the_month(world, as_persona):
    analyst = world.user(ANALYST)
    with (DATA / NAME).open("rb") as stream:
        services.policeuk_import(actor=analyst, file_name=NAME, stream=stream)
    before = AuditEvent.objects.count()
    response = post_form(as_persona(ANALYST), EXPORT, {"force": "dyfed-powys", "month": "2019-09"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{NAME}"'
    downloaded = b"".join(response.streaming_content).decode()
    events = list(AuditEvent.objects.order_by("sequence")[before:])
    assert [(e.operation, e.actor, e.recipient) for e in events] == [
        ("disclosure", analyst, "data.police.uk")
    ]
    expected = "".join(
        services.policeuk_export(actor=analyst, force="dyfed-powys", month=date(2019, 9, 1))
    )
    assert downloaded == expected
    assert downloaded.count("\r\n") == 206  # the header and 205 searches


def test_a_download_without_a_good_month_names_the_field(world, as_persona):
    for month in ("", "September", "2019-13"):
        response = post_form(as_persona(ANALYST), EXPORT, {"force": "dyfed-powys", "month": month})
        assert response.status_code == 400
        html = response.content.decode()
        assert '<a href="#id_month">' in html
        assert str(upload_views.ENTER_MONTH) in html


def test_the_download_is_by_post_only(world, as_persona):
    assert as_persona(ANALYST).get(EXPORT).status_code == 405


def test_a_client_without_the_csrf_token_cannot_upload(world):
    client = client_for(world, ANALYST)
    response = client.post(PAGE, {"force": "dyfed-powys", "csv_files": [real_file()]})
    assert response.status_code == 403
    assert PublishedSearch.objects.count() == 0


def test_a_job_run_again_keeps_its_results(world, as_persona):
    job_id = job_id_of(upload(as_persona(ANALYST), real_file()))
    policeuk_jobs.policeuk_job_run(job_id)  # as a worker retrying the task would
    job = policeuk_jobs.policeuk_job_get_for_user(user=world.user(ANALYST), job_id=job_id)
    assert job is not None
    assert [(f["status"], f["rows"]) for f in job["files"]] == [("imported", 205)]
    assert PublishedSearch.objects.count() == 205


def test_a_job_whose_reading_child_died_is_shown_failed_and_nothing_written(
    world, as_persona, monkeypatch
):
    """A large file is read in a child process (reading.py); if it dies, the file is
    failed (not refused: it is not the file's fault) with nothing written."""
    read_in_a_child(monkeypatch)
    monkeypatch.setattr(reading, "_child", lambda reader, sending: os._exit(3))
    job_id = policeuk_jobs.policeuk_job_create(
        actor=world.user(ANALYST), force="dyfed-powys", files=[real_file()]
    )
    policeuk_jobs.policeuk_job_run(job_id)
    job = policeuk_jobs._load(job_id)
    assert job is not None
    assert job["files"][0]["status"] == "failed"
    html = as_persona(ANALYST).get(f"/stop-search/policeuk/jobs/{job_id}").content.decode()
    assert "Reading the file stopped unexpectedly; nothing was imported." in html
    assert not PublishedSearch.objects.exists()
