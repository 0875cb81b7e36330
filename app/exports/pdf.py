"""HTML to PDF with WeasyPrint, reading nothing but the app's own static files.

Minutes are written by people: a link or a stylesheet in them must never make the server fetch anything (no
requests to other hosts, no reading of files outside the static folder). The fetcher below refuses all else.
"""

from __future__ import annotations

import functools
import logging
import mimetypes
from io import BytesIO
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit
from urllib.request import url2pathname

from fontTools.ttLib import woff2
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger("koop")


class RefusedURL(ValueError):
    """WeasyPrint asked for something outside the static folder."""


class StaticFilesOnly(URLFetcher):
    """Serves `file:` URLs inside one folder (the static folder: stylesheet and fonts) and refuses the rest."""

    def __init__(self, root: str | Path) -> None:
        super().__init__(allowed_protocols={"file"})
        self.root = Path(root).resolve()

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        path = self.path_of(url)
        if path.suffix == ".woff2":
            body = unpacked_font(path, path.stat().st_mtime_ns)
            return URLFetcherResponse(path.as_uri(), body, {"Content-Type": "font/ttf"})
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})

    def path_of(self, url: str) -> Path:
        """The file a URL names, if it is one of ours; else RefusedURL (logged: it means someone tried)."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            self._refuse(url)
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            self._refuse(url)
        return path

    def _refuse(self, url: str) -> NoReturn:
        logger.warning("PDF export refused to fetch %s", url[:200])
        raise RefusedURL(url)


@functools.lru_cache(maxsize=16)
def unpacked_font(path: Path, mtime_ns: int) -> bytes:
    """A WOFF2 font as plain TrueType, unpacked once per process (and again if the file changes): WeasyPrint
    would unpack it for every PDF, which takes longer than laying out the minutes."""
    unpacked = BytesIO()
    woff2.decompress(BytesIO(path.read_bytes()), unpacked)
    return unpacked.getvalue()


def render_pdf(html: str, static_folder: str | Path) -> bytes:
    """The PDF of a page whose relative URLs point into the static folder; tagged, for screen readers."""
    root = Path(static_folder).resolve()
    document = HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=StaticFilesOnly(root))
    return document.write_pdf(pdf_tags=True)
