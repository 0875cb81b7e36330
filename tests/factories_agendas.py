"""Factories and sample files for the agenda and attachment tests."""

from __future__ import annotations

import io
import secrets
import zipfile
from datetime import UTC, datetime, timedelta

import factory

from app.models import AgendaItem, Attachment, Meeting, MeetingKind, MeetingStatus
from tests.factories import BaseFactory
from tests.factories_bodies import BodyFactory

STARTS = datetime(2030, 3, 5, 9, 0, tzinfo=UTC)


class MeetingFactory(BaseFactory):
    class Meta:
        model = Meeting

    body = factory.SubFactory(BodyFactory)
    kind = MeetingKind.MEETING
    title = factory.Sequence(lambda n: f"Sitzung Nummer {n}")
    starts_at = STARTS
    ends_at = STARTS + timedelta(hours=2)
    timezone = "Europe/Berlin"
    status = MeetingStatus.PLANNED


class AgendaItemFactory(BaseFactory):
    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    parent = None
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Punkt {n}")
    public = True


class AttachmentFactory(BaseFactory):
    """A row without a file: for tests of lists and counts."""

    class Meta:
        model = Attachment

    meeting = factory.SubFactory(MeetingFactory)
    agenda_item = None
    filename = factory.Sequence(lambda n: f"Vorlage {n}.pdf")
    stored_name = factory.LazyFunction(lambda: secrets.token_hex(16))
    content_type = "application/pdf"
    size = 1234


def items_of(meeting: Meeting, *titles: str) -> list[AgendaItem]:
    """Top-level items with these titles, in order."""
    return [AgendaItemFactory(meeting=meeting, position=number, title=title) for number, title in enumerate(titles, 1)]


# Sample files: the smallest content each check recognises.

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20 + b"\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8 " + b"\x00" * 14
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 60
HTML = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def odf(kind: str) -> bytes:
    """An OpenDocument file: `mimetype` first, stored uncompressed, as the standard asks."""
    mimetypes = {
        "odt": "application/vnd.oasis.opendocument.text",
        "ods": "application/vnd.oasis.opendocument.spreadsheet",
        "odp": "application/vnd.oasis.opendocument.presentation",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetypes[kind], compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>", compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
    return buffer.getvalue()


def ooxml(kind: str, macros: bool = False) -> bytes:
    """An Office Open XML file with [Content_Types].xml and its main folder."""
    folder = {"docx": "word", "xlsx": "xl", "pptx": "ppt"}[kind]
    content_types = '<Types><Override ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types if macros else "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr(f"{folder}/document.xml", "<document/>")
    return buffer.getvalue()


def ole2(stream_name: str) -> bytes:
    """An OLE2 compound file whose directory holds one stream of this name (enough for the content check)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * (512 - 8)
    encoded = stream_name.encode("utf-16-le")
    root = "Root Entry".encode("utf-16-le")
    root_entry = root.ljust(64, b"\x00") + (len(root) + 2).to_bytes(2, "little") + b"\x05" + b"\x00" * 61
    entry = encoded.ljust(64, b"\x00") + (len(encoded) + 2).to_bytes(2, "little") + b"\x02" + b"\x00" * 61
    return header + root_entry + entry + b"\x00" * 256


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()
