"""The project's one PDF renderer: a Django template in, PDF bytes out.

WeasyPrint's default URL fetcher follows any URL in the HTML. Given hostile content it made
HTTP requests to internal addresses and embedded local files as PDF attachments
(PERF_SECURITY.md, WeasyPrint). Our documents contain text people typed in, so the fetcher here
serves only ``data:`` URIs and files found by the staticfiles finders, and refuses every other
URL: no network, no ``file:``, nothing outside the static folders.
"""

import mimetypes
import posixpath
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Relative URLs in templates resolve against this origin. ".invalid" never resolves in DNS
# (RFC 2606), so only StaticFileFetcher can answer for it.
BASE_URL = "https://pdf.invalid/"
# Building these per render costs ~18 ms (PERF_SECURITY.md): one per process.
FONT_CONFIG = FontConfiguration()


class RefusedURLError(ValueError):
    """A URL the PDF renderer will not fetch."""


class StaticFileFetcher(URLFetcher):
    """Serve ``data:`` URIs and static files under STATIC_URL; refuse every other URL."""

    def __init__(self) -> None:
        # The parent class only ever sees data: URIs, and would refuse anything else too.
        super().__init__(allowed_protocols={"data"}, allow_redirects=False)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url[:5].lower() == "data:":
            return super().fetch(url, headers)
        absolute_url = urljoin(BASE_URL, url)
        file_path = static_file(static_path_for_url(absolute_url))
        content_type = mimetypes.guess_type(file_path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(absolute_url, file_path.read_bytes(), {"Content-Type": content_type})


def _static_root() -> SplitResult:
    return urlsplit(urljoin(BASE_URL, settings.STATIC_URL))


def static_path_for_url(url: str) -> str:
    """Map an absolute URL under STATIC_URL to a path relative to the static folders."""
    root, parts = _static_root(), urlsplit(url)
    if (parts.scheme, parts.netloc) != (root.scheme, root.netloc) or not parts.path.startswith(root.path):
        raise RefusedURLError(f"Not a static file URL: {url}")
    return unquote(parts.path.removeprefix(root.path))


def static_file(relative_path: str) -> Path:
    """The file the staticfiles finders find for ``relative_path``, refusing any way out."""
    normalised = posixpath.normpath(relative_path)
    if ".." in normalised.split("/") or normalised.startswith("/") or normalised == ".":
        raise RefusedURLError(f"Not a static file path: {relative_path}")
    found = finders.find(normalised)
    if found is None or not Path(found).is_file():
        raise RefusedURLError(f"No such static file: {relative_path}")
    return Path(found)


URL_FETCHER = StaticFileFetcher()


@lru_cache(maxsize=32)
def _stylesheet(relative_path: str) -> CSS:
    return CSS(
        filename=static_file(relative_path),
        base_url=urljoin(_static_root().geturl(), relative_path),
        url_fetcher=URL_FETCHER,
        font_config=FONT_CONFIG,
    )


def render_pdf(*, template: str, context: dict[str, Any], stylesheets: list[str]) -> bytes:
    """Render ``template`` with ``context`` to PDF, styled by the given static stylesheets."""
    html = HTML(string=render_to_string(template, context), base_url=BASE_URL, url_fetcher=URL_FETCHER)
    return html.write_pdf(stylesheets=[_stylesheet(path) for path in stylesheets], font_config=FONT_CONFIG)
