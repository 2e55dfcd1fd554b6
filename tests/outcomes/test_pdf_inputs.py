"""Every PDF Steady makes goes through html_to_pdf, and WeasyPrint then reads nothing but our static files:
no local file, no loopback service, no cloud metadata address, no data: URL, whatever the HTML asks for."""

import ast
import socket
import urllib.request
from pathlib import Path

import pytest

from outcomes import reports

FORBIDDEN = [
    "file:///etc/passwd",
    "http://127.0.0.1:6379/",
    "http://localhost:8000/admin/",
    "http://[::1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "data:text/css,body{color:red}",
]


VIAS = ("link", "attachment", "import", "font", "background", "before", "img", "object", "embed", "svg")


def hostile_html(url: str) -> str:
    """``url`` referenced in every way a document can make WeasyPrint fetch something, each way tagged
    (``?via=img``...) so the refusals can be told apart; a data: URL is left as it is."""

    def u(via):
        return url if url.startswith("data:") else f"{url}?via={via}"

    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<link rel="stylesheet" href="{u("link")}">
<link rel="stylesheet" href="https://report.steady.invalid/static/css/report.css">
<link rel="attachment" href="{u("attachment")}">
<style>
@import url("{u("import")}");
@font-face {{ font-family: "Evil"; src: url("{u("font")}"); }}
body {{ background: url("{u("background")}"); font-family: "Evil", sans-serif; }}
h1::before {{ content: url("{u("before")}"); }}
</style></head><body>
<h1>Report</h1>
<img src="{u("img")}" alt="">
<object data="{u("object")}"></object>
<embed src="{u("embed")}">
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">
<image href="{u("svg")}" width="10" height="10"/></svg>
<p>Hello</p></body></html>"""


@pytest.fixture
def network(monkeypatch):
    """Records (and refuses) every attempt to resolve a name, connect or open a URL."""
    attempts = []

    def refuse(what):
        def call(*args, **kwargs):
            attempts.append((what, args[:2]))
            raise OSError(f"{what} is not allowed in this test")

        return call

    monkeypatch.setattr(socket, "create_connection", refuse("socket.create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("socket.getaddrinfo"))
    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(urllib.request, "urlopen", refuse("urllib.request.urlopen"))
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse("urllib OpenerDirector.open"))
    return attempts


@pytest.fixture
def fetchers(monkeypatch):
    """The fetchers html_to_pdf makes, to see what each was asked for."""
    made = []
    real = reports.static_files_only_fetcher

    def keep():
        made.append(real())
        return made[-1]

    monkeypatch.setattr(reports, "static_files_only_fetcher", keep)
    return made


@pytest.fixture
def opened_files(monkeypatch):
    """Paths WeasyPrint's own URL opener would read (it is never used: file: URLs go to our fetcher)."""
    from weasyprint import urls

    calls = []
    real = urls.URLFetcher.fetch

    def spy(self, url, *args, **kwargs):
        calls.append(url)
        return real(self, url, *args, **kwargs)

    monkeypatch.setattr(urls.URLFetcher, "fetch", spy)
    return calls


@pytest.mark.parametrize("url", FORBIDDEN)
def test_a_pdf_is_made_without_fetching_a_forbidden_url(url, network, fetchers, opened_files):
    pdf = reports.html_to_pdf(hostile_html(url))
    assert pdf.startswith(b"%PDF-")
    assert network == []
    assert opened_files == []  # the default fetcher (file:, http:, data:) was never reached
    (fetcher,) = fetchers
    assert fetcher.served == ["https://report.steady.invalid/static/css/report.css"]
    if url.startswith("data:"):
        assert fetcher.refused and all(refused.startswith("data:") for refused in fetcher.refused)
    else:
        assert sorted(fetcher.refused) == sorted(f"{url}?via={via}" for via in VIAS)


def test_a_relative_url_resolves_against_the_report_origin_not_the_disk(network, fetchers, opened_files):
    pdf = reports.html_to_pdf(hostile_html("../../../../etc/passwd"))
    assert pdf.startswith(b"%PDF-")
    assert network == [] and opened_files == []
    assert all(url.startswith(reports.REPORT_BASE_URL) for url in fetchers[0].refused)
    assert fetchers[0].refused


def test_the_guard_would_see_a_fetcher_that_reaches_out(network):
    from weasyprint import HTML

    HTML(string='<img src="http://169.254.169.254/latest/meta-data/" alt="">').write_pdf()
    assert network  # WeasyPrint's own fetcher tried; the test above would have failed on it


def test_every_pdf_goes_through_html_to_pdf():
    """No module but outcomes.reports imports WeasyPrint: every PDF uses the static-files-only fetcher."""
    root = Path(__file__).resolve().parents[2]
    importers = set()
    folders = [folder for folder in root.iterdir() if (folder / "__init__.py").exists() and folder.name != "tests"]
    for path in (path for folder in folders for path in folder.rglob("*.py")):
        source = path.read_text()
        if "weasyprint" not in source.lower():
            continue
        for node in ast.walk(ast.parse(source, str(path))):
            names = [alias.name for alias in getattr(node, "names", [])] + [getattr(node, "module", None) or ""]
            if isinstance(node, ast.Import | ast.ImportFrom) and any(n.split(".")[0] == "weasyprint" for n in names):
                importers.add(str(path.relative_to(root)))
    assert importers == {"outcomes/reports.py"}
