"""Attachment files on disk: storing under random names, recognising the type by content, safe download names."""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
import zipfile
from pathlib import Path
from typing import IO
from urllib.parse import quote

from flask import current_app

CHUNK = 64 * 1024

# Extension -> the kind of file it promises.
EXTENSION_KINDS = {
    "pdf": "pdf",
    "png": "png",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "gif": "gif",
    "webp": "webp",
    "odt": "odt",
    "ods": "ods",
    "odp": "odp",
    "doc": "doc",
    "xls": "xls",
    "ppt": "ppt",
    "docx": "docx",
    "xlsx": "xlsx",
    "pptx": "pptx",
}

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

ODF_MIMETYPES = {CONTENT_TYPES[kind]: kind for kind in ("odt", "ods", "odp")}
OOXML_FOLDERS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
# The stream each old binary Office format keeps its content in (names of OLE2 directory entries).
OLE2_STREAMS = {"WordDocument": "doc", "Workbook": "xls", "PowerPoint Document": "ppt"}

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ZIP_SIGNATURE = b"PK\x03\x04"

MAX_FILENAME = 200


def folder() -> Path:
    """Where attachments live: ATTACHMENT_FOLDER, by default instance/attachments (never under static/)."""
    configured = current_app.config.get("ATTACHMENT_FOLDER")
    path = Path(configured) if configured else Path(current_app.instance_path) / "attachments"
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(stored_name: str) -> Path:
    return folder() / stored_name


class TooLarge(Exception):
    """The stream was longer than allowed; nothing was kept."""


def store(stream: IO[bytes], max_bytes: int) -> tuple[str, int]:
    """Copy the stream to a new file with a random name; (name, size). Over max_bytes: no file, TooLarge."""
    stored_name = secrets.token_hex(16)
    path = path_of(stored_name)
    size = 0
    try:
        with open(path, "xb") as target:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge
                target.write(chunk)
    except BaseException:
        remove([stored_name])
        raise
    return stored_name, size


def remove(stored_names: list[str]) -> None:
    """Delete stored files; one already gone is no error."""
    for name in stored_names:
        try:
            path_of(name).unlink()
        except FileNotFoundError:
            pass


def _zip_kinds(path: Path) -> set[str]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "mimetype" in names and archive.getinfo("mimetype").file_size <= 200:
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                return {ODF_MIMETYPES[mimetype]} if mimetype in ODF_MIMETYPES else set()
            if "[Content_Types].xml" in names and archive.getinfo("[Content_Types].xml").file_size <= 1024 * 1024:
                # Macro-enabled documents (docm, xlsm, pptm) carry code: not wanted as a plain .docx.
                if b"macroEnabled" in archive.read("[Content_Types].xml"):
                    return set()
                return {kind for prefix, kind in OOXML_FOLDERS.items() if any(n.startswith(prefix) for n in names)}
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, RuntimeError, NotImplementedError, EOFError):
        return set()  # damaged, encrypted or exotic archives are not documents we accept
    return set()


def _ole2_kinds(path: Path) -> set[str]:
    """The binary Office formats whose main stream is a directory entry of this compound file."""
    data = path.read_bytes()
    kinds = set()
    for stream_name, kind in OLE2_STREAMS.items():
        encoded = stream_name.encode("utf-16-le")
        start = data.find(encoded, 512)
        while start != -1:
            # A directory entry is 128 bytes at a multiple of 128; its name length (with the NUL) is at +64.
            if start % 128 == 0 and int.from_bytes(data[start + 64 : start + 66], "little") == len(encoded) + 2:
                kinds.add(kind)
                break
            start = data.find(encoded, start + 1)
    return kinds


def content_kinds(path: Path) -> set[str]:
    """The kinds of file the content is (by its first bytes and, for containers, their members); empty: unknown."""
    with open(path, "rb") as source:
        head = source.read(16)
    if head.startswith(b"%PDF-"):
        return {"pdf"}
    if head.startswith(PNG_SIGNATURE):
        return {"png"}
    if head.startswith(b"\xff\xd8\xff"):
        return {"jpeg"}
    if head.startswith((b"GIF87a", b"GIF89a")):
        return {"gif"}
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return {"webp"}
    if head.startswith(ZIP_SIGNATURE):
        return _zip_kinds(path)
    if head.startswith(OLE2_SIGNATURE):
        return _ole2_kinds(path)
    return set()


def extension_of(filename: str) -> str:
    return os.path.splitext(filename)[1].lower().lstrip(".")


def display_filename(filename: str) -> str:
    """The name a person gave the file, without any path, control characters or excess length."""
    name = re.split(r"[/\\]", filename or "")[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(char for char in name if not unicodedata.category(char).startswith("C"))
    name = " ".join(name.split()).strip(" .")
    if len(name) > MAX_FILENAME:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) <= 10:
            name = stem[: MAX_FILENAME - len(extension) - 1] + dot + extension
        else:
            name = name[:MAX_FILENAME]
    return name


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the exact name as RFC 5987 `filename*`."""
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    fallback = re.sub(r"[^A-Za-z0-9._()+ -]", "_", fallback).strip()
    stem, dot, extension = fallback.rpartition(".") if "." in fallback else (fallback, "", "")
    if not re.search(r"[A-Za-z0-9]", stem):
        fallback = "attachment" + dot + extension
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
