import base64
import http.client
import re
import secrets
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pypdfium2 as pdfium
import pytest

from core.pdf import URL_FETCHER, RefusedURLError, render_pdf

# A 1×1 red PNG.
PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
PNG_BYTES = base64.b64decode(PNG_BASE64)
PNG_DATA_URI = f"data:image/png;base64,{PNG_BASE64}"

STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)


def decompressed_streams(pdf: bytes) -> list[bytes]:
    streams = []
    for raw in STREAM.findall(pdf):
        try:
            streams.append(zlib.decompress(raw))
        except zlib.error:
            streams.append(raw)
    return streams


def pdf_text(pdf: bytes) -> str:
    """The text drawn in a PDF, page after page, read by PDFium (each font's own ToUnicode map: a
    table merged across the fonts' subsets garbled a glyph id two subsets used for different
    characters). A line's end is no separator, so a phrase the layout wrapped reads as one."""
    document = pdfium.PdfDocument(pdf)
    try:
        return "".join(page.get_textpage().get_text_range().replace("\r\n", "") for page in document)
    finally:
        document.close()


@pytest.fixture
def render(settings):
    """Render an HTML body through render_pdf from a locmem template."""

    def render(body: str, context: dict | None = None, stylesheets: list[str] | None = None) -> bytes:
        html = f"<html><body>{body}</body></html>"
        settings.TEMPLATES = [
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", {"test_pdf.html": html})]},
            }
        ]
        return render_pdf(template="test_pdf.html", context=context or {}, stylesheets=stylesheets or [])

    return render


@pytest.fixture
def extra_static(settings, tmp_path) -> Path:
    """A further STATICFILES_DIRS folder the test can write files into."""
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, tmp_path]
    return tmp_path


@pytest.fixture
def http_requests() -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on 127.0.0.1; yields its base URL and the paths it was asked for."""
    received: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            received.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(PNG_BYTES)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", received
    server.shutdown()
    server.server_close()
    thread.join()


def test_render_pdf_renders_template_with_context(render):
    pdf = render("<p>Certificate for {{ organisation }}</p>", {"organisation": "Acme Widgets"})

    assert pdf.startswith(b"%PDF")
    assert "Certificate for Acme Widgets" in pdf_text(pdf)


def test_render_pdf_applies_static_stylesheets(render, extra_static):
    (extra_static / "test_pdf").mkdir()
    (extra_static / "test_pdf" / "marker.css").write_text('p::after { content: " styled by marker" }')

    pdf = render("<p>Body</p>", stylesheets=["css/print/gap_analysis.css", "test_pdf/marker.css"])

    assert "Body styled by marker" in pdf_text(pdf)


def test_render_pdf_fetches_linked_static_stylesheet_and_image(render, extra_static):
    (extra_static / "test_pdf").mkdir()
    (extra_static / "test_pdf" / "linked.css").write_text('p::after { content: " linked" }')
    (extra_static / "test_pdf" / "dot.png").write_bytes(PNG_BYTES)

    pdf = render(
        '<link rel="stylesheet" href="/static/test_pdf/linked.css"><p>Text</p>'
        '<img src="/static/test_pdf/dot.png" style="width: 10px">'
    )

    assert "Text linked" in pdf_text(pdf)
    assert b"/Subtype /Image" in pdf


def test_render_pdf_embeds_data_uri_image_and_attachment(render):
    pdf = render(f'<img src="{PNG_DATA_URI}"><a rel="attachment" href="data:text/plain,note">n</a>')

    assert b"/Subtype /Image" in pdf
    assert b"/EmbeddedFile" in pdf


def test_render_pdf_does_not_embed_local_files(render, tmp_path):
    passwd = Path("/etc/passwd").read_bytes()
    # A marker long enough never to occur in PDF bytes by chance (a short host name such as "vm" did).
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"local-secret-" + secrets.token_hex(16).encode())

    pdf = render(
        '<a rel="attachment" href="file:///etc/passwd">passwd</a>'
        f'<img src="file://{secret}"><img src="/static/%2e%2e/pyproject.toml">'
        '<link rel="stylesheet" href="/static/css/../../pyproject.toml">'
    )

    assert b"/EmbeddedFile" not in pdf
    assert b"/Subtype /Image" not in pdf
    contents = b"".join([pdf, *decompressed_streams(pdf)])
    assert passwd.splitlines()[0] not in contents
    assert secret.read_bytes() not in contents


def test_render_pdf_makes_no_network_requests(render, http_requests):
    base, received = http_requests

    pdf = render(
        f'<img src="{base}/img.png"><img src="http://127.0.0.1:9/x.png">'
        f'<link rel="stylesheet" href="{base}/style.css"><a rel="attachment" href="{base}/attachment">a</a>'
        f'<p style="background: url({base}/background.png)">Hello</p>'
        f"<style>@import url({base}/import.css);"
        f" @font-face {{ font-family: X; src: url({base}/font.ttf) }}</style>"
    )

    assert received == []
    assert pdf.startswith(b"%PDF") and b"/Subtype /Image" not in pdf
    connection = http.client.HTTPConnection("127.0.0.1", urlsplit(base).port, timeout=2)
    connection.request("GET", "/control")
    connection.getresponse().read()
    assert received == ["/control"]


@pytest.mark.parametrize(
    "url",
    [
        "/static/css/app.css",
        "static/css/app.css",
        "https://pdf.invalid/static/css/app.css",
        "/static/css/app.css?v=2#top",
        "/static/vendor/bootstrap/LICENSE",
    ],
)
def test_fetcher_serves_static_files(settings, url):
    relative_path = url.split("static/", 1)[1].split("?")[0]
    expected = (Path(settings.BASE_DIR) / "static" / relative_path).read_bytes()

    response = URL_FETCHER.fetch(url)

    assert response.read() == expected
    assert response.url.startswith("https://pdf.invalid/static/")


def test_fetcher_serves_css_as_text_css():
    assert URL_FETCHER.fetch("/static/css/app.css").content_type == "text/css"


def test_fetcher_serves_data_uris():
    response = URL_FETCHER.fetch("data:text/plain;base64,aGVsbG8=")

    assert (response.content_type, response.read()) == ("text/plain", b"hello")


@pytest.mark.parametrize(
    "url",
    [
        "/static/../pyproject.toml",
        "/static/%2e%2e/pyproject.toml",
        "/static/css/%2E%2E/%2E%2E/pyproject.toml",
        "/static//etc/passwd",
        "/static/",
        "/static/css",
        "/static/css/missing.css",
        "/pyproject.toml",
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://127.0.0.1:9/x.png",
        "https://example.com/static/css/app.css",
        "//example.com/static/css/app.css",
        "http://pdf.invalid/static/css/app.css",
        "ftp://127.0.0.1/x",
        "gopher://127.0.0.1/x",
        "javascript:alert(1)",
    ],
)
def test_fetcher_refuses_everything_else(url):
    with pytest.raises(RefusedURLError):
        URL_FETCHER.fetch(url)
