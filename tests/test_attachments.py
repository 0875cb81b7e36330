"""Attachments: content checks, size limits, storage, and serving behind the visibility of what they belong to."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app.attachments import files, services
from app.errors import ConflictError, DomainError
from app.extensions import db
from app.models import Attachment, MeetingStatus, MembershipRole, Visibility
from tests.factories import AccountFactory, AdminFactory, OrganiserFactory
from tests.factories_agendas import (
    EXE,
    GIF,
    HTML,
    JPEG,
    PDF,
    PNG,
    SVG,
    WEBP,
    AgendaItemFactory,
    MeetingFactory,
    odf,
    ole2,
    ooxml,
    plain_zip,
)
from tests.factories_bodies import BodyFactory, MembershipFactory, count_rows, html, log_in, log_out

GOOD_FILES = [
    ("Einladung.pdf", PDF, "application/pdf"),
    ("Foto.png", PNG, "image/png"),
    ("Foto.JPG", JPEG, "image/jpeg"),
    ("Foto.jpeg", JPEG, "image/jpeg"),
    ("Logo.gif", GIF, "image/gif"),
    ("Bild.webp", WEBP, "image/webp"),
    ("Bericht.odt", odf("odt"), "application/vnd.oasis.opendocument.text"),
    ("Haushalt.ods", odf("ods"), "application/vnd.oasis.opendocument.spreadsheet"),
    ("Folien.odp", odf("odp"), "application/vnd.oasis.opendocument.presentation"),
    ("Bericht.docx", ooxml("docx"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("Haushalt.xlsx", ooxml("xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("Folien.pptx", ooxml("pptx"), "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("Alt.doc", ole2("WordDocument"), "application/msword"),
    ("Alt.xls", ole2("Workbook"), "application/vnd.ms-excel"),
    ("Alt.ppt", ole2("PowerPoint Document"), "application/vnd.ms-powerpoint"),
]


@pytest.fixture(autouse=True)
def english(app):
    """The messages are checked in English, whatever the catalogue holds (accounts default to German)."""
    app.extensions["babel"].locale_selector = lambda: "en"


@pytest.fixture(autouse=True)
def attachment_folder(app, tmp_path: Path) -> Path:
    """Each test keeps its attachments in a folder of its own."""
    folder = tmp_path / "attachments"
    app.config["ATTACHMENT_FOLDER"] = str(folder)
    return folder


@pytest.fixture
def body(app):
    return BodyFactory(code="ITKR", visibility=Visibility.PUBLIC)


@pytest.fixture
def meeting(body):
    return MeetingFactory(body=body)


@pytest.fixture
def secretary(body):
    return MembershipFactory(body=body, role=MembershipRole.SECRETARY).account


@pytest.fixture
def member(body):
    return MembershipFactory(body=body, role=MembershipRole.MEMBER).account


def stored_files(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.exists() else []


# The services


class TestUpload:
    @pytest.fixture(autouse=True)
    def request_context(self, app, attachment_folder):
        with app.test_request_context():
            yield

    @pytest.mark.parametrize(("filename", "content", "content_type"), GOOD_FILES, ids=[f[0] for f in GOOD_FILES])
    def test_allowed_types_are_kept_under_a_random_name(
        self, meeting, secretary, attachment_folder, filename, content, content_type
    ):
        attachment = services.upload_attachment(secretary, meeting, None, filename, io.BytesIO(content))
        assert (attachment.filename, attachment.content_type, attachment.size) == (filename, content_type, len(content))
        assert attachment.uploaded_by is secretary and attachment.meeting is meeting
        assert len(attachment.stored_name) == 32 and attachment.stored_name not in filename
        assert (attachment_folder / attachment.stored_name).read_bytes() == content

    def test_an_attachment_on_an_agenda_item(self, meeting, secretary):
        item = AgendaItemFactory(meeting=meeting)
        attachment = services.upload_attachment(secretary, meeting, item, "Vorlage.pdf", io.BytesIO(PDF))
        assert attachment.agenda_item is item

    def test_an_item_of_another_meeting_is_refused(self, meeting, secretary):
        item = AgendaItemFactory(meeting=MeetingFactory(body=meeting.body))
        with pytest.raises(DomainError):
            services.upload_attachment(secretary, meeting, item, "Vorlage.pdf", io.BytesIO(PDF))

    @pytest.mark.parametrize(
        ("filename", "content", "message"),
        [
            ("setup.exe", EXE, "not allowed"),
            ("seite.html", HTML, "not allowed"),
            ("bild.svg", SVG, "not allowed"),
            ("ohne-endung", PDF, "not allowed"),
            ("archiv.zip", plain_zip(), "not allowed"),
            ("Einladung.pdf", PNG, "does not match"),
            ("Bild.png", PDF, "does not match"),
            ("Einladung.pdf", HTML, "does not match"),
            ("Einladung.pdf", EXE, "does not match"),
            ("Bild.jpg", GIF, "does not match"),
            ("Bericht.docx", odf("odt"), "does not match"),
            ("Bericht.odt", ooxml("docx"), "does not match"),
            ("Haushalt.xlsx", ooxml("docx"), "does not match"),
            ("Haushalt.ods", odf("odt"), "does not match"),
            ("Bericht.docx", plain_zip(), "does not match"),
            ("Bericht.docx", ooxml("docx", macros=True), "does not match"),
            ("Alt.doc", ole2("Workbook"), "does not match"),
            ("Alt.xls", ole2("SummaryInformation"), "does not match"),
            ("Bericht.docx", b"PK\x03\x04 not really a zip", "does not match"),
            ("Leer.pdf", b"", "empty"),
        ],
        ids=[
            "exe",
            "html",
            "svg",
            "no-extension",
            "zip",
            "pdf-that-is-png",
            "png-that-is-pdf",
            "pdf-that-is-html",
            "pdf-that-is-exe",
            "jpg-that-is-gif",
            "docx-that-is-odt",
            "odt-that-is-docx",
            "xlsx-that-is-docx",
            "ods-that-is-odt",
            "docx-that-is-plain-zip",
            "docx-with-macros",
            "doc-that-is-xls",
            "xls-without-workbook",
            "broken-zip",
            "empty",
        ],
    )
    def test_bad_files_are_refused_and_leave_nothing_behind(
        self, meeting, secretary, attachment_folder, filename, content, message
    ):
        with pytest.raises(DomainError) as caught:
            services.upload_attachment(secretary, meeting, None, filename, io.BytesIO(content))
        assert caught.value.field == "file" and message in caught.value.message
        assert count_rows(Attachment) == 0 and stored_files(attachment_folder) == []

    def test_a_lying_extension_names_the_extension(self, meeting, secretary):
        with pytest.raises(DomainError) as caught:
            services.upload_attachment(secretary, meeting, None, "Einladung.pdf", io.BytesIO(PNG))
        assert caught.value.message == "The content of the file does not match its extension .pdf."

    def test_twenty_megabytes_are_allowed_and_one_byte_more_is_not(self, meeting, secretary, attachment_folder):
        limit = 20 * 1024 * 1024
        content = PDF + b"\x00" * (limit - len(PDF))
        attachment = services.upload_attachment(secretary, meeting, None, "Gross.pdf", io.BytesIO(content))
        assert attachment.size == limit
        with pytest.raises(DomainError) as caught:
            services.upload_attachment(secretary, meeting, None, "Zu gross.pdf", io.BytesIO(content + b"\x00"))
        assert caught.value.message == "The file is larger than 20 MB."
        assert count_rows(Attachment) == 1 and stored_files(attachment_folder) == [
            attachment_folder / attachment.stored_name
        ]

    def test_the_filename_loses_paths_and_control_characters(self, meeting, secretary):
        attachment = services.upload_attachment(
            secretary, meeting, None, "C:\\Users\\x\\..\\Prüfbericht\x00\n  2031.pdf", io.BytesIO(PDF)
        )
        assert attachment.filename == "Prüfbericht 2031.pdf"
        attachment = services.upload_attachment(
            secretary, meeting, None, "../../etc/" + "a" * 300 + ".pdf", io.BytesIO(PDF)
        )
        assert attachment.filename.endswith(".pdf") and len(attachment.filename) == 200

    def test_no_filename_is_refused(self, meeting, secretary):
        with pytest.raises(DomainError) as caught:
            services.upload_attachment(secretary, meeting, None, "", io.BytesIO(PDF))
        assert caught.value.message == "Please choose a file."

    def test_a_held_meetings_files_stay(self, meeting, secretary, attachment_folder):
        attachment = services.upload_attachment(secretary, meeting, None, "Einladung.pdf", io.BytesIO(PDF))
        meeting.status = MeetingStatus.HELD
        db.session.commit()
        with pytest.raises(ConflictError):
            services.upload_attachment(secretary, meeting, None, "Nachtrag.pdf", io.BytesIO(PDF))
        with pytest.raises(ConflictError):
            services.delete_attachment(secretary, attachment)
        assert count_rows(Attachment) == 1 and len(stored_files(attachment_folder)) == 1

    def test_delete_removes_row_and_file(self, meeting, secretary, attachment_folder):
        attachment = services.upload_attachment(secretary, meeting, None, "Einladung.pdf", io.BytesIO(PDF))
        services.delete_attachment(secretary, attachment)
        assert count_rows(Attachment) == 0 and stored_files(attachment_folder) == []

    def test_a_failed_commit_leaves_no_file(self, meeting, secretary, attachment_folder, monkeypatch):
        def broken_commit():
            raise RuntimeError("database gone")

        monkeypatch.setattr(db.session, "commit", broken_commit)
        with pytest.raises(RuntimeError):
            services.upload_attachment(secretary, meeting, None, "Einladung.pdf", io.BytesIO(PDF))
        monkeypatch.undo()
        assert count_rows(Attachment) == 0 and stored_files(attachment_folder) == []

    def test_the_folder_defaults_to_the_instance_folder(self, app):
        app.config.pop("ATTACHMENT_FOLDER")
        assert files.folder() == Path(app.instance_path) / "attachments"
        assert "static" not in files.folder().parts


@pytest.mark.parametrize(
    ("filename", "header"),
    [
        ("Einladung.pdf", "attachment; filename=\"Einladung.pdf\"; filename*=UTF-8''Einladung.pdf"),
        (
            'Prüfbericht; "neu".pdf',
            "attachment; filename=\"Prufbericht_ _neu_.pdf\"; filename*=UTF-8''Pr%C3%BCfbericht%3B%20%22neu%22.pdf",
        ),
        ("日本.pdf", "attachment; filename=\"attachment.pdf\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.pdf"),
        ("\r\nX-Evil: 1.pdf", "attachment; filename=\"__X-Evil_ 1.pdf\"; filename*=UTF-8''%0D%0AX-Evil%3A%201.pdf"),
    ],
    ids=["ascii", "umlaut-quote-semicolon", "cjk", "header-injection"],
)
def test_content_disposition_is_safe(filename, header):
    assert files.content_disposition(filename) == header
    assert "\r" not in header and "\n" not in header


# The routes


def upload(client, meeting, filename, content, item=None, **extra):
    """Post the file as the browser would; the body is built in memory (the test client's own spills to an
    unclosed temporary file above 500 KB)."""
    url = f"/attachments/meetings/{meeting.id}" + (f"/items/{item.id}" if item else "")
    fields = {"file": FileStorage(io.BytesIO(content), filename=filename), **extra}
    boundary, body = encode_multipart(MultiDict(fields))
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def download(client, url):
    """GET a file and close the response (it holds the open file)."""
    with client.get(url) as response:
        response.get_data()
        return response


@pytest.fixture
def uploaded(app, meeting, secretary, attachment_folder):
    """A file on the meeting and one on a non-public item."""
    with app.test_request_context():
        secret = AgendaItemFactory(meeting=meeting, title="Personalangelegenheit", public=False)
        on_meeting = services.upload_attachment(secretary, meeting, None, "Einladung.pdf", io.BytesIO(PDF))
        on_secret = services.upload_attachment(secretary, meeting, secret, "Prüfbericht.pdf", io.BytesIO(PDF))
    return on_meeting, on_secret


def test_upload_through_the_agenda_page(client, meeting, secretary, attachment_folder):
    log_in(client, secretary)
    response = upload(client, meeting, "Einladung.pdf", PDF)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/agendas/{meeting.id}")
    assert count_rows(Attachment) == 1
    page = html(client.get(f"/agendas/{meeting.id}"))
    assert "Einladung.pdf has been attached." in page and "Einladung.pdf</a>" in page


def test_upload_onto_an_item_returns_to_the_item(client, meeting, secretary, attachment_folder):
    item = AgendaItemFactory(meeting=meeting)
    log_in(client, secretary)
    response = upload(client, meeting, "Folien.pptx", ooxml("pptx"), item=item)
    assert response.headers["Location"].endswith(f"/agendas/{meeting.id}/items/{item.id}/edit")
    page = html(client.get(response.headers["Location"]))
    assert "Folien.pptx</a>" in page


def test_upload_returns_to_a_local_next_page_only(client, meeting, secretary, attachment_folder):
    log_in(client, secretary)
    response = upload(client, meeting, "Einladung.pdf", PDF, next=f"/meetings/{meeting.id}")
    assert response.headers["Location"].endswith(f"/meetings/{meeting.id}")
    response = upload(client, meeting, "Einladung.pdf", PDF, next="https://evil.example/")
    assert response.headers["Location"].endswith(f"/agendas/{meeting.id}")


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("setup.exe", EXE, "Files of the type .exe are not allowed."),
        ("seite.html", HTML, "Files of the type .html are not allowed."),
        ("bild.svg", SVG, "Files of the type .svg are not allowed."),
        ("Einladung.pdf", PNG, "The content of the file does not match its extension .pdf."),
        ("Leer.pdf", b"", "The file is empty."),
    ],
    ids=["exe", "html", "svg", "lying-extension", "empty"],
)
def test_bad_uploads_show_a_message(client, meeting, secretary, attachment_folder, filename, content, message):
    log_in(client, secretary)
    response = upload(client, meeting, filename, content)
    assert response.status_code == 302
    assert message in html(client.get(response.headers["Location"]))
    assert count_rows(Attachment) == 0 and stored_files(attachment_folder) == []


def test_no_file_chosen(client, meeting, secretary):
    log_in(client, secretary)
    response = client.post(f"/attachments/meetings/{meeting.id}", data={}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert "Please choose a file." in html(client.get(response.headers["Location"]))


def test_a_file_of_21_megabytes_gets_a_message(client, meeting, secretary, attachment_folder):
    log_in(client, secretary)
    response = upload(client, meeting, "Gross.pdf", PDF + b"\x00" * (21 * 1024 * 1024))
    assert response.status_code == 302
    assert "The file is larger than 20 MB." in html(client.get(response.headers["Location"]))
    assert stored_files(attachment_folder) == []


def test_a_request_over_25_megabytes_is_413(client, meeting, secretary, attachment_folder):
    log_in(client, secretary)
    response = upload(client, meeting, "Riesig.pdf", PDF + b"\x00" * (25 * 1024 * 1024))
    assert response.status_code == 413
    assert count_rows(Attachment) == 0 and stored_files(attachment_folder) == []


def test_upload_needs_the_csrf_token(csrf_app, client, meeting, secretary, attachment_folder):
    log_in(client, secretary)
    assert upload(client, meeting, "Einladung.pdf", PDF).status_code == 400
    assert count_rows(Attachment) == 0


def test_upload_and_delete_on_a_held_meeting_are_409(client, meeting, secretary, uploaded):
    meeting.status = MeetingStatus.HELD
    db.session.commit()
    log_in(client, secretary)
    assert upload(client, meeting, "Nachtrag.pdf", PDF).status_code == 409
    assert client.post(f"/attachments/{uploaded[0].id}/delete").status_code == 409
    assert count_rows(Attachment) == 2


def test_download_headers(client, meeting, uploaded):
    on_meeting, _ = uploaded
    response = download(client, f"/attachments/{on_meeting.id}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert (
        response.headers["Content-Disposition"]
        == "attachment; filename=\"Einladung.pdf\"; filename*=UTF-8''Einladung.pdf"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in response.headers["Cache-Control"]


def test_download_of_a_non_public_items_file(client, meeting, member, uploaded):
    _, on_secret = uploaded
    url = f"/attachments/{on_secret.id}"
    assert download(client, url).status_code == 404  # anonymous
    log_in(client, AccountFactory())
    assert download(client, url).status_code == 404  # logged in, not a member
    log_in(client, member)
    response = download(client, url)
    assert response.status_code == 200 and response.data == PDF
    assert "filename*=UTF-8''Pr%C3%BCfbericht.pdf" in response.headers["Content-Disposition"]
    for insider in (OrganiserFactory(), AdminFactory()):
        log_in(client, insider)
        assert download(client, url).status_code == 200


def test_a_file_under_a_non_public_item_is_hidden_too(app, client, meeting, secretary, attachment_folder):
    secret = AgendaItemFactory(meeting=meeting, public=False)
    sub = AgendaItemFactory(meeting=meeting, parent=secret, position=1, public=True)
    with app.test_request_context():
        attachment = services.upload_attachment(secretary, meeting, sub, "Anlage.pdf", io.BytesIO(PDF))
    log_in(client, AccountFactory())
    assert download(client, f"/attachments/{attachment.id}").status_code == 404


def test_download_follows_the_meetings_visibility(app, client, attachment_folder):
    internal = BodyFactory(visibility=Visibility.INTERNAL)
    confidential = BodyFactory(visibility=Visibility.CONFIDENTIAL)
    organiser = OrganiserFactory()
    ids = {}
    with app.test_request_context():
        for name, body in (("internal", internal), ("confidential", confidential)):
            meeting = MeetingFactory(body=body)
            ids[name] = services.upload_attachment(organiser, meeting, None, "a.pdf", io.BytesIO(PDF)).id
    response = download(client, f"/attachments/{ids['internal']}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert download(client, f"/attachments/{ids['confidential']}").status_code == 404
    log_in(client, AccountFactory())
    assert download(client, f"/attachments/{ids['internal']}").status_code == 200
    assert download(client, f"/attachments/{ids['confidential']}").status_code == 404
    log_in(client, MembershipFactory(body=confidential).account)
    assert download(client, f"/attachments/{ids['confidential']}").status_code == 200


def test_unknown_attachment_and_missing_file_are_404(client, meeting, uploaded, attachment_folder):
    assert download(client, "/attachments/999999").status_code == 404
    (attachment_folder / uploaded[0].stored_name).unlink()
    assert download(client, f"/attachments/{uploaded[0].id}").status_code == 404


def test_delete_permissions(client, meeting, body, member, uploaded, attachment_folder):
    on_meeting, on_secret = uploaded
    url = f"/attachments/{on_meeting.id}/delete"
    response = client.post(url)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    log_in(client, AccountFactory())
    assert client.post(url).status_code == 403
    assert client.post(f"/attachments/{on_secret.id}/delete").status_code == 404  # not even seen
    log_in(client, member)
    assert client.post(url).status_code == 403
    assert download(client, url).status_code == 405
    assert client.post("/attachments/999999/delete").status_code == 404
    assert count_rows(Attachment) == 2
    log_in(client, OrganiserFactory())
    response = client.post(url)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/agendas/{meeting.id}")
    response = client.post(f"/attachments/{on_secret.id}/delete")
    assert response.headers["Location"].endswith(f"/agendas/{meeting.id}/items/{on_secret.agenda_item_id}/edit")
    assert count_rows(Attachment) == 0 and stored_files(attachment_folder) == []


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("outsider", 403),
        ("member", 403),
        ("secretary", 302),
        ("chair", 302),
        ("deputy", 302),
        ("organiser", 302),
        ("admin", 302),
    ],
)
def test_upload_permissions(client, meeting, body, attachment_folder, who, status):
    accounts = {
        "outsider": lambda: AccountFactory(),
        "member": lambda: MembershipFactory(body=body).account,
        "secretary": lambda: MembershipFactory(body=body, role=MembershipRole.SECRETARY).account,
        "chair": lambda: MembershipFactory(body=body, role=MembershipRole.CHAIR).account,
        "deputy": lambda: MembershipFactory(body=body, role=MembershipRole.DEPUTY_CHAIR).account,
        "organiser": lambda: OrganiserFactory(),
        "admin": lambda: AdminFactory(),
    }
    if who in accounts:
        log_in(client, accounts[who]())
    else:
        log_out(client)
    response = upload(client, meeting, "Einladung.pdf", PDF)
    assert response.status_code == status
    assert count_rows(Attachment) == (1 if who not in ("anonymous", "outsider", "member") else 0)
    if who == "anonymous":
        assert "/auth/login" in response.headers["Location"]


def test_upload_to_unknown_or_hidden_things_is_404(client, meeting, secretary, attachment_folder):
    log_in(client, secretary)
    assert client.post("/attachments/meetings/999999", data={}).status_code == 404
    other = AgendaItemFactory(meeting=MeetingFactory(body=meeting.body))
    assert upload(client, meeting, "a.pdf", PDF, item=other).status_code == 404
    confidential = MeetingFactory(body=BodyFactory(visibility=Visibility.CONFIDENTIAL))
    assert upload(client, confidential, "a.pdf", PDF).status_code == 404
    assert count_rows(Attachment) == 0
