"""The course website (`make site`): builds offline with warnings as errors, no broken internal
link or anchor, a text alternative on every image, and no serious or critical axe-core
violation on any page in the real Chromium the browser tests use."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.browser.lab import CHROMIUM, CHROMIUM_ARGS, chromium_available

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.slow, pytest.mark.site]


class _Page(HTMLParser):
    """Links, ids, images and external fetches of one HTML page."""

    def __init__(self):
        super().__init__()
        self.links, self.ids, self.images, self.fetches = [], set(), [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("name"):
            self.ids.add(a["name"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "img":
            self.images.append(a)
        for attr in ("src",) if tag in {"script", "img", "iframe"} else ():
            if a.get(attr, "").startswith(("http:", "https:", "//")):
                self.fetches.append(a[attr])
        if tag == "link" and a.get("href", "").startswith(("http:", "https:", "//")) \
                and a.get("rel") not in ("canonical",):
            self.fetches.append(a["href"])


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    result = subprocess.run([sys.executable, "-m", "tools.build_site", "--out", str(out)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, f"site build failed:\n{result.stdout}\n{result.stderr}"
    return out


def _pages(site: Path) -> dict[Path, _Page]:
    pages = {}
    for path in sorted(site.rglob("*.html")):
        if "mathjax" in path.parts:
            continue
        parser = _Page()
        parser.feed(path.read_text(encoding="utf-8"))
        pages[path] = parser
    return pages


def test_site_has_every_lesson_and_homework_in_order(site):
    lessons = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert [p.stem for p in sorted((site / "lessons").glob("*.html"))] == lessons
    homework = sorted(p.stem for p in (ROOT / "assignments" / "release").glob("*/*.ipynb"))
    assert sorted(p.stem for p in (site / "homework").glob("*.html")) == homework
    index = (site / "index.html").read_text(encoding="utf-8")
    positions = [index.find(f'lessons/{stem}.html') for stem in lessons]
    assert all(p > 0 for p in positions) and positions == sorted(positions)
    for page in ("learner.html", "instructor.html"):
        assert (site / page).is_file()


def test_homework_pages_hold_no_solution(site):
    for page in (site / "homework").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, page.name


def test_nothing_is_fetched_and_math_is_local(site):
    pages = _pages(site)
    fetched = {str(p.relative_to(site)): pg.fetches for p, pg in pages.items() if pg.fetches}
    assert fetched == {}
    assert (site / "_static" / "mathjax" / "tex-svg-full.js").is_file()
    lesson = (site / "lessons" / "04_gradient_descent.html").read_text(encoding="utf-8")
    assert re.search(r'src="\.\./_static/mathjax/tex-svg-full\.js', lesson)


def test_no_broken_internal_link_or_anchor(site):
    pages = _pages(site)
    broken = []
    for path, page in pages.items():
        for href in page.links:
            parts = urlsplit(href)
            if parts.scheme or href.startswith("mailto:"):
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{path.relative_to(site)} -> {href} (no such file)")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else set()
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{path.relative_to(site)} -> {href} (no such anchor)")
    assert broken == []


def test_every_image_has_a_written_text_alternative(site):
    missing = []
    for path, page in _pages(site).items():
        for img in page.images:
            alt = (img.get("alt") or "").strip()
            if len(alt) < 10 or alt.endswith((".png", ".svg", ".jpg")) or "_images/" in alt:
                missing.append(f"{path.relative_to(site)}: {img.get('src')} alt={alt!r}")
    assert missing == [], f"{len(missing)} images without a written text alternative:\n" + \
        "\n".join(missing[:20])


def _axe_source() -> str:
    import axe_playwright_python
    path = next(Path(axe_playwright_python.__file__).parent.rglob("axe.min.js"))
    return path.read_text(encoding="utf-8")


@pytest.mark.browser
@pytest.mark.skipif(not chromium_available(), reason="Debian's chromium is not installed")
def test_axe_finds_no_serious_or_critical_violation(site):
    from playwright.sync_api import sync_playwright

    axe = _axe_source()
    report, failures, requests = {}, [], []
    pages = [p for p in sorted(site.rglob("*.html")) if "mathjax" not in p.parts
             and p.name not in {"genindex.html", "search.html"}]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
        for path in pages:
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            page.add_script_tag(content=axe)
            result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
            bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
            report[str(path.relative_to(site))] = sorted({v["id"] for v in result["violations"]})
            failures += [f"{path.relative_to(site)}: {v['id']} ({v['impact']}, {len(v['nodes'])} nodes): "
                         f"{v['help']}" for v in bad]
        browser.close()
    out = ROOT / "artifacts" / "site"
    out.mkdir(parents=True, exist_ok=True)
    (out / "axe_report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    assert requests == [], f"pages fetched from the network: {sorted(set(requests))[:10]}"
    assert failures == [], "\n".join(failures[:30])
