"""The HTML report in a real browser: Debian's Chromium driven by Playwright.

Screenshots go to artifacts/screenshots/ (kept by CI as artifacts).
"""
from __future__ import annotations

import json
import time

import pytest
from playwright.sync_api import expect, sync_playwright

from conftest import REPO, run_cli

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = REPO / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def example_reports(tmp_path_factory):
    """HTML, JSON and Markdown of one real offline diagnosis of the example project."""
    import shutil

    from conftest import EXAMPLE

    root = tmp_path_factory.mktemp("browser") / "photoapp"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("db.sqlite3", "media",
                                                                  "__pycache__"))
    out = root / "out"
    run = run_cli("--settings", "photosite.settings", "--offline", "--format", "html",
                  "--format", "json", "--format", "md", "--output", out, cwd=root)
    assert run.returncode == 1, run.output  # the example carries real bugs
    return out


class Page:
    """A page with every request and console error recorded; nothing leaves the machine."""

    def __init__(self, context, url):
        self.requests, self.errors = [], []
        context.route("**/*", lambda route: route.continue_()
                      if route.request.url.startswith("file://") else route.abort())
        self.page = context.new_page()
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url)
        self.url = url


def _visible(page, selector) -> list[bool]:
    items = page.locator(selector)
    return [items.nth(i).is_visible() for i in range(items.count())]


def test_example_report_in_chromium(browser, example_reports):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    url = (example_reports / "report.html").as_uri()
    context = browser.new_context(viewport=DESKTOP, color_scheme="light")
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    view = Page(context, url)
    page = view.page

    assert view.errors == []
    assert view.requests == [url], "the report may fetch nothing"
    findings = page.locator("article.finding")
    n = findings.count()
    assert n == sum(len(c["findings"]) for c in
                    json.loads((example_reports / "report.json").read_text())["checks"])

    # The failed group comes first, open, with its findings visible.
    assert page.locator("main > section").first.get_attribute("id") == "group-failed"
    failed = page.locator("#group-failed article.finding")
    assert failed.count() >= 1 and failed.first.is_visible()
    assert page.locator("#group-failed .finding .ref a").first.is_visible()
    page.screenshot(path=str(SCREENSHOTS / "report-desktop.png"), full_page=True)

    # The reference link leads to the entry inside the report.
    page.locator("#group-failed .finding .ref a").first.click()
    assert page.evaluate("location.hash").startswith("#ref-")
    assert page.locator(page.evaluate("location.hash").replace(".", "\\.")).is_visible()

    page.click("text=Collapse all")
    assert not any(_visible(page, "article.finding"))
    page.click("text=Expand all")
    assert all(_visible(page, "article.finding")) and len(_visible(page, "article.finding")) == n

    page.click("text=Copy JSON")
    expect(page.locator("#copied")).to_have_text("JSON copied")
    copied = json.loads(page.evaluate("navigator.clipboard.readText()"))
    assert copied == json.loads((example_reports / "report.json").read_text())

    page.click("text=Copy Markdown")
    expect(page.locator("#copied")).to_have_text("Markdown copied")
    assert page.evaluate("navigator.clipboard.readText()") == \
        (example_reports / "report.md").read_text()

    # Printing shows every finding, even of collapsed groups (passed, skipped).
    page.click("text=Collapse all")
    page.emulate_media(media="print")
    assert all(_visible(page, "article.finding")) and len(_visible(page, "article.finding")) == n
    assert not page.locator(".tools").is_visible()
    page.emulate_media(media="screen")

    # Phone width: nothing wider than the screen, the verdict readable.
    page.set_viewport_size(PHONE)
    page.click("text=Expand all")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator("h1").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "report-phone.png"), full_page=True)

    # The CSP forbids fetching anything, even from a script.
    blocked = page.evaluate("fetch('http://127.0.0.1:9/').then(() => 'fetched', "
                            "() => 'blocked')")
    assert blocked == "blocked"
    assert view.requests == [url]
    # ...and runs no script but its own (the CSP names it by hash).
    injected = page.evaluate("""() => { const s = document.createElement('script');
        s.textContent = 'window.injected = true'; document.body.appendChild(s);
        return window.injected === true; }""")
    assert injected is False
    context.close()


def test_readable_without_javascript_and_in_dark_mode(browser, example_reports):
    url = (example_reports / "report.html").as_uri()
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False,
                                  color_scheme="dark")
    view = Page(context, url)
    page = view.page
    assert view.errors == [] and view.requests == [url]
    assert not page.locator(".tools").is_visible()  # buttons need the script
    assert page.locator("#group-failed article.finding").first.is_visible()
    assert page.locator("#environment").is_visible()
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(22, 23, 26)"  # the dark palette
    page.screenshot(path=str(SCREENSHOTS / "report-dark-nojs.png"), full_page=False)
    context.close()


def test_five_thousand_findings_stay_usable(browser, tmp_path):
    import upload_diagnostics.checks  # noqa: F401 - loads the reference entries, as a real run does
    from upload_diagnostics.reports import render
    from test_reports import synthetic_report

    path = tmp_path / "big.html"
    path.write_text(render("html", synthetic_report(5000)), encoding="utf-8")
    context = browser.new_context(viewport=DESKTOP)
    started = time.perf_counter()
    view = Page(context, path.as_uri())
    page = view.page
    loaded = time.perf_counter() - started
    assert view.errors == []
    # Checks start collapsed, the failed group open: a list one can scan.
    assert page.locator("#group-failed details.check").first.is_visible()
    assert not page.locator("#group-failed article.finding").first.is_visible()
    assert "checks start collapsed" in page.locator(".notice").inner_text()
    page.click("text=Expand all")
    assert page.locator("#group-failed article.finding").first.is_visible()
    assert page.locator("article.finding").count() == 5000 + 3
    last = page.locator("article.finding").last
    last.scroll_into_view_if_needed()
    assert last.is_visible()
    print(f"5,000-finding report: {path.stat().st_size / 1e6:.1f} MB, loaded in {loaded:.2f} s")
    context.close()
