"""The HTML report in a real browser: Debian's Chromium driven by Playwright, on the report
the README's quick start writes for the bundled example project.

A support engineer attaches it as it is: it is short as it opens, prints on a few pages,
its tables keep numbers and words whole, it fits a phone, it shows each piece of evidence
once and nothing of the tool's insides. Screenshots (desktop, phone, every printed page)
go to artifacts/screenshots/ (kept by CI as artifacts).
"""
from __future__ import annotations

import json
import re
import subprocess
import time

import pytest
from playwright.sync_api import expect, sync_playwright

from conftest import REPO, base_env

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = REPO / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
MAX_HEIGHT_PX = 6000  # the page as it opens at 1280 px
MAX_PAGES = 8  # printed on A4
PACKAGES = ("checks", "diagnostics", "reports", "manage_commands")


@pytest.fixture(scope="module")
def browser():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)  # whichever test runs first
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def example_reports(tmp_path_factory):
    """report.html and report.md as the README's quick start writes them (the example
    project diagnosed against the local ImageKit emulator), and the same run's JSON."""
    out = tmp_path_factory.mktemp("quickstart")
    proc = subprocess.run([str(REPO / ".venv/bin/python"), str(REPO / "examples/quickstart.py"),
                           "--format", "json"], cwd=out, env=base_env(), capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
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


def _open(browser, example_reports, viewport, **options) -> Page:
    context = browser.new_context(viewport=viewport, color_scheme="light", **options)
    view = Page(context, (example_reports / "report.html").as_uri())
    assert view.errors == []
    return view


def _report(example_reports) -> dict:
    return json.loads((example_reports / "report.json").read_text(encoding="utf-8"))


def _serious(report) -> list[dict]:
    return [f for c in report["checks"] for f in c["findings"]
            if f["level"] in ("warning", "error", "critical")]


# Words broken across lines inside table cells: each run of non-space characters of each
# cell, measured where the browser laid it out.
BROKEN_WORDS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll("td, th")) {
    if (!cell.getClientRects().length) continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node; (node = walker.nextNode());) {
      for (const m of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].filter(r => r.width > 0)
                             .map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""

# Elements reaching past the viewport that no scrolling box inside it holds.
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth, out = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (!r.width || (r.right <= width + 0.5 && r.left >= -0.5)) continue;
    let box = el.parentElement;
    while (box && !(["auto", "scroll"].includes(getComputedStyle(box).overflowX)
                    && box.getBoundingClientRect().right <= width + 0.5)) {
      box = box.parentElement;
    }
    if (!box) out.push(el.tagName + " " + el.className + ": " + el.textContent.slice(0, 60));
  }
  return out;
}"""

# Each evidence table's rows as text, and each finding's code excerpts.
EVIDENCE = """() => ({
  tables: [...document.querySelectorAll(".finding table")].map(t =>
    [...t.querySelectorAll("tbody tr, tr")].map(tr => tr.innerText.trim()).join("\\n")),
  excerpts: [...document.querySelectorAll(".finding")].map(f =>
    [...f.querySelectorAll(":scope > figure.code pre")].map(p => p.innerText)),
  cells: [...document.querySelectorAll(".finding td, .finding th")].map(c => c.innerText.trim()),
})"""


def test_the_report_as_it_opens_is_short_and_starts_with_the_layers(browser, example_reports):
    view = _open(browser, example_reports, DESKTOP)
    page = view.page
    assert view.requests == [view.url], "the report may fetch nothing"
    height = page.evaluate("document.documentElement.scrollHeight")
    page.screenshot(path=str(SCREENSHOTS / "report-desktop.png"), full_page=True)
    print(f"page height as it opens at 1280 px: {height} px")
    assert height <= MAX_HEIGHT_PX

    # Under the verdict, one line per layer with its status and why; the first screen
    # shows them, and each names the finding it comes from, one click away.
    report = _report(example_reports)
    layers = page.locator("ol.layers li")
    assert layers.count() == len(report["summary"]["layers"]) == 5
    for i, layer in enumerate(report["summary"]["layers"]):
        item = layers.nth(i)
        assert item.locator(".badge").inner_text().lower() == layer["status"]
        assert layer["title"] in item.inner_text() and layer["reason"] in item.inner_text()
        assert item.locator(".badge").bounding_box()["y"] < DESKTOP["height"]
    by_layer = {layer["layer"]: layer for layer in report["summary"]["layers"]}
    assert by_layer["code"]["status"] == "fail" and by_layer["platform"]["status"] == "pass"
    page.locator("ol.layers a", has_text=by_layer["upload"]["code"]).click()
    target = page.locator(f"#f-{by_layer['upload']['check']}-{by_layer['upload']['finding']}"
                          .replace(".", "\\."))
    expect(target).to_be_visible()
    assert by_layer["upload"]["code"] in target.locator("h3").inner_text()

    # The counts say what they count: findings by level, checks by status.
    counts = page.locator("header .counts").inner_text()
    assert re.search(r"Findings by level: \d+ errors? .*Checks by status: \d+ failed", counts)

    # Failed and warned findings are open with their evidence; information is folded.
    for finding in _serious(report):
        assert page.get_by_text(finding["message"], exact=False).first.is_visible()
    assert not any(_visible(page, ".more article.finding"))
    assert not page.locator("#group-passed .check").first.is_visible()


def test_printed_on_at_most_eight_pages(browser, example_reports, tmp_path):
    view = _open(browser, example_reports, DESKTOP)
    page = view.page
    page.emulate_media(media="print")
    # Paper shows every failed and warned finding with its evidence, information findings
    # as one line, one line per passed or skipped check, and no toolbar.
    for article in page.locator("#group-failed article.finding, "
                                "#group-warnings article.finding").all():
        assert article.locator("h3").is_visible()
        information = article.evaluate("a => !!a.closest('.more')")
        evidence = article.locator(":scope > .scroll, :scope > figure, :scope > details")
        for i in range(evidence.count()):
            assert evidence.nth(i).is_visible() is not information
    for check in page.locator("#group-passed .check, #group-skipped .check").all():
        assert check.locator("summary").is_visible()
        assert not any(check.locator("article.finding").nth(i).is_visible()
                       for i in range(check.locator("article.finding").count()))
    assert not page.locator(".tools").is_visible()
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout).group(1))
    for old in SCREENSHOTS.glob("report-print-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(pdf),
                    str(SCREENSHOTS / "report-print")], check=True)
    print(f"printed on {pages} A4 pages")
    assert pages <= MAX_PAGES
    # What is printed is the text a reader needs: every failed and warned finding, every
    # check's id.
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    report = _report(example_reports)
    for finding in _serious(report):
        assert finding["code"] in text
    for check in report["checks"]:
        assert check["id"] in text


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_table_cells_keep_numbers_and_words_whole(browser, example_reports, viewport):
    page = _open(browser, example_reports, viewport).page
    page.click("text=Expand all")
    cells = page.locator("main td").count()
    assert cells > 100
    assert page.evaluate(BROKEN_WORDS) == []


def test_nothing_is_wider_than_a_phone_except_inside_a_scrolling_box(browser, example_reports):
    page = _open(browser, example_reports, PHONE).page
    page.screenshot(path=str(SCREENSHOTS / "report-phone.png"), full_page=True)
    page.click("text=Expand all")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.evaluate(OVERFLOWING) == []
    # Key-value evidence stacks, wide tables scroll sideways in their own box.
    assert page.evaluate("getComputedStyle(document.querySelector('.finding table.kv th'))"
                         ".display") == "block"
    wide = page.evaluate("""[...document.querySelectorAll('.finding .scroll')]
        .filter(b => b.scrollWidth > b.clientWidth).length""")
    assert wide >= 1


def test_evidence_is_shown_once_and_names_nothing_of_the_tool(browser, example_reports):
    page = _open(browser, example_reports, DESKTOP).page
    page.click("text=Expand all")
    shown = page.evaluate(EVIDENCE)
    assert len(shown["tables"]) > 10
    repeated = {t for t in shown["tables"] if shown["tables"].count(t) > 1}
    assert not repeated, repeated
    for excerpts in shown["excerpts"]:
        assert len(excerpts) == len(set(excerpts))
    # Related findings point at the evidence instead: the nginx location, the gunicorn
    # launch, the worker timeout.
    report = _report(example_reports)
    refs = [e for c in report["checks"] for f in c["findings"] for e in f["evidence"]
            if e["type"] == "ref"]
    assert {"server.nginx", "server.config"} <= {r["check"] for r in refs}
    assert page.locator(".finding .see a").count() == len(refs)

    # Values are written for people, the same in every format.
    assert not {"True", "False", "None"} & set(shown["cells"])
    assert not [c for c in shown["cells"] if re.fullmatch(r"\d+\.0( s)?", c)]
    texts = {"html": page.locator("body").inner_text(),
             "md": (example_reports / "report.md").read_text(encoding="utf-8")}
    text = subprocess.run([str(REPO / ".venv/bin/python"), "-m",
                           "upload_diagnostics.manage_commands", "--from-json",
                           example_reports / "report.json", "-v", "2"],
                          env=base_env(), capture_output=True, text=True, timeout=120)
    texts["text"] = text.stdout
    internal = _internal_names(report)
    for fmt, body in texts.items():
        found = sorted(name for name in internal if name in body)
        assert not found, f"{fmt}: {found}"


def _internal_names(report: dict) -> set[str]:
    """The tool's own module paths (as files and as dotted names) and the names of the
    facts its checks publish (but a check's id, which the report shows, even when a fact
    carries the name of the check that publishes it: server.limits)."""
    names = {fact for c in report["checks"] for fact in c.get("facts", {})}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            rel = path.relative_to(REPO)
            names.add(rel.as_posix())
            dotted = ".".join(("upload_diagnostics", *rel.with_suffix("").parts))
            if not dotted.endswith("__init__"):
                names.add(dotted)
    from upload_diagnostics.diagnostics import facts

    names |= {v.name for v in vars(facts).values() if isinstance(v, facts.Fact)}
    return names - {"upload_diagnostics.manage_commands.__main__"} \
        - {c["id"] for c in report["checks"]}


def test_toolbar_links_and_security_in_chromium(browser, example_reports):
    url = (example_reports / "report.html").as_uri()
    context = browser.new_context(viewport=DESKTOP, color_scheme="light")
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    view = Page(context, url)
    page = view.page
    assert view.errors == []
    findings = page.locator("article.finding")
    n = findings.count()
    assert n == sum(len(c["findings"]) for c in _report(example_reports)["checks"])

    # The failed group comes first, open, with its findings visible.
    assert page.locator("main > section").first.get_attribute("id") == "group-failed"
    failed = page.locator("#group-failed article.finding")
    assert failed.count() >= 1 and failed.first.is_visible()
    assert page.locator("#group-failed .finding .ref a").first.is_visible()

    # The reference link opens the entry inside the report, folded as it is.
    assert not page.locator("#reference .refentry").first.is_visible()
    page.locator("#group-failed .finding .ref a").first.click()
    assert page.evaluate("location.hash").startswith("#ref-")
    entry = page.locator(page.evaluate("location.hash").replace(".", "\\."))
    expect(entry).to_be_visible()
    if entry.locator(".examples").count():
        assert entry.locator(".examples figcaption").all_inner_texts() == ["Before", "After"]

    page.click("text=Collapse all")
    assert not any(_visible(page, "article.finding"))
    page.click("text=Expand all")
    assert all(_visible(page, "article.finding")) and len(_visible(page, "article.finding")) == n

    page.click("text=Copy JSON")
    expect(page.locator("#copied")).to_have_text("JSON copied")
    copied = json.loads(page.evaluate("navigator.clipboard.readText()"))
    assert copied == _report(example_reports)

    page.click("text=Copy Markdown")
    expect(page.locator("#copied")).to_have_text("Markdown copied")
    assert page.evaluate("navigator.clipboard.readText()") == \
        (example_reports / "report.md").read_text()

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
    assert page.locator("ol.layers").is_visible()
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(22, 23, 26)"  # the dark palette
    page.screenshot(path=str(SCREENSHOTS / "report-dark-nojs.png"), full_page=False)
    context.close()


def test_five_thousand_findings_stay_usable(browser, tmp_path):
    from upload_diagnostics.reports import render
    from test_reports import synthetic_report  # (which declares the built-in codes)

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


def test_the_limit_ladder_chart_renders_inline(browser, project):
    """server.limits draws its ladder as inline SVG: visible, within a phone's width, the
    binding bar in the failure colour, nothing fetched, the CSP as every report has it."""
    from test_server_ladder import NGINX, form

    root = project("", files={"deploy/nginx.conf": NGINX, "testsite/forms.py": form(
        25 * 1024 * 1024, "25 MB"), "Dockerfile": 'FROM python:3.12\nCMD ["gunicorn", '
        '"testsite.wsgi"]\n'})
    html = root / "report.html"
    run = subprocess.run([str(REPO / ".venv/bin/python"), "-m", "upload_diagnostics."
                          "manage_commands", "server.config", "server.limits", "--settings",
                          "testsite.settings", "--format", "html", "--output", str(html)],
                         cwd=root, env=base_env(), capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stderr  # E040: the form's 25 MB behind nginx's 10m
    for viewport in (DESKTOP, PHONE):
        context = browser.new_context(viewport=viewport, color_scheme="light")
        view = Page(context, html.as_uri())
        page = view.page
        assert view.errors == [] and view.requests == [html.as_uri()]
        assert "default-src 'none'" in page.locator(
            "meta[http-equiv='Content-Security-Policy']").get_attribute("content")
        charts = page.locator("figure.ladder svg")
        assert charts.count() == 2  # size limits, time limits
        box = charts.first.bounding_box()
        assert box["width"] >= 560 and box["height"] >= 48  # (12 px text: readable)
        frame = page.locator("figure.ladder .scroll").first.bounding_box()
        assert frame["x"] + frame["width"] <= viewport["width"]  # a phone scrolls it
        binding = page.locator("figure.ladder g.binding rect").first
        other = page.locator("figure.ladder g.bar:not(.binding) rect").first
        fill = binding.evaluate("r => getComputedStyle(r).fill")
        assert fill == "rgb(198, 40, 40)"  # --fail
        assert other.evaluate("r => getComputedStyle(r).fill") != fill
        assert page.locator("figure.ladder g.binding text").first.text_content().startswith(
            "nginx client_max_body_size")
        page.screenshot(path=str(SCREENSHOTS / f"ladder-{viewport['width']}.png"))
        context.close()
