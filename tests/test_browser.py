"""The generated pages in real headless Chromium with the network blocked, as an officer opens them.

Needs Debian's ``chromium`` (installed by ``.ci/run``) and the ``playwright``
Python package (a test dependency; its own browser download is never used).
Screenshots go to ``test-artifacts/`` at the repository root.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
from pathlib import Path

import pytest

from gapmap.render import la_map, study_map
from gapmap.render.symbols import KIND_SYMBOLS

CHROMIUM = os.environ.get("GAPMAP_CHROMIUM") or next(
    (path for path in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if path), None)
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

#: Flags for a headless Chromium on a machine with no network but the package registries.
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]

playwright = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (apt-get install chromium; .ci/run does it): browser tests skipped",
)

EVIL = "<img src=x onerror=alert(2)><script>alert(1)</script>"


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield chromium
        chromium.close()


class Page:
    """A page with the network blocked that records console errors, dialogs and outside requests."""

    def __init__(self, browser, *, width: int = 1400, height: int = 950) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def open_map(self, path: Path) -> None:
        self.page.goto(path.as_uri())
        self.page.wait_for_selector("html[data-gapmap-ready]", timeout=15_000)

    def canvas_signature(self) -> tuple[int, int]:
        """(painted pixels, checksum) of the map's vector canvas."""
        return tuple(self.page.evaluate("""() => {
            const canvas = document.querySelector('.leaflet-overlay-pane canvas');
            const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0, sum = 0;
            for (let i = 3; i < data.length; i += 4) {
                if (data[i] > 0) {
                    painted++;
                    sum = (sum * 31 + data[i - 3] + data[i - 2] * 7 + data[i - 1] * 13) % 1000000007;
                }
            }
            return [painted, sum];
        }"""))

    def click_a_marker(self, fill: str) -> None:
        """Click, with the mouse, the centre of the first marker of colour ``fill`` that nothing covers."""
        x, y = self.page.evaluate("""(fill) => {
            for (const path of document.querySelectorAll(`.leaflet-marker-pane .gapmap-icon path[fill="${fill}"]`)) {
                const icon = path.closest('.gapmap-icon');
                const box = icon.getBoundingClientRect();
                const x = box.left + box.width / 2, y = box.top + box.height / 2;
                if (document.elementFromPoint(x, y)?.closest('.gapmap-icon') === icon) { return [x, y]; }
            }
            return [null, null];
        }""", fill)
        assert x is not None, "every marker is covered"
        self.page.mouse.click(x, y)

    def click_an_area(self) -> None:
        """Click, with the mouse, inside an LSOA where no marker, label or panel covers the map."""
        x, y = self.page.evaluate("""() => {
            const map = window.gapmap.maps[0];
            const layer = map._gapmap.choropleths.find(l => map.hasLayer(l));
            for (const path of layer.content().getLayers()) {
                const p = map.latLngToContainerPoint(path.getBounds().getCenter());
                const box = map.getContainer().getBoundingClientRect();
                const x = box.left + p.x, y = box.top + p.y;
                if (document.elementFromPoint(x, y)?.tagName === 'CANVAS') { return [x, y]; }
            }
            return [null, null];
        }""")
        assert x is not None, "no LSOA is clear of markers and panels"
        self.page.mouse.click(x, y)

    def boxes(self, *selectors: str) -> dict[str, tuple[float, float, float, float]]:
        """Bounding boxes (left, top, right, bottom) of the first element matching each selector."""
        return {s: tuple(self.page.evaluate(
            "(s) => { const r = document.querySelector(s).getBoundingClientRect(); "
            "return [r.left, r.top, r.right, r.bottom]; }", s)) for s in selectors}

    def toggle(self, layer_name: str) -> None:
        self.page.locator(".leaflet-control-layers label", has_text=layer_name).locator("input").click()
        self.page.wait_for_timeout(150)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def page(browser):
    opened = Page(browser)
    yield opened
    opened.close()


def test_overview_map_renders_offline_and_responds(page, ne_build):
    page.open_map(ne_build / "map.html")
    assert page.errors == [] and page.outside == []
    painted, before = page.canvas_signature()
    assert painted > 100_000, "LSOA polygons drawn on the canvas"
    icons = page.page.locator(".leaflet-marker-pane .gapmap-icon")
    shown = icons.count()
    assert shown >= 57 + 11, "special schools and AP are shown when the map opens"

    page.toggle("Local authority boundaries")
    assert page.canvas_signature()[1] != before, "hiding the LA boundaries changes the drawing"
    page.toggle("Local authority boundaries")
    assert page.canvas_signature()[1] == before
    page.toggle("Special schools")
    assert icons.count() == shown - 57
    page.toggle("Special schools")

    page.page.locator(".leaflet-control-layers label",
                      has_text="Straight-line distance to nearest alternative provision").locator("input").click()
    assert page.canvas_signature()[1] != before, "another metric recolours the LSOAs"
    assert "alternative provision" in page.page.locator(".gapmap-legend h2").inner_text()

    page.click_a_marker(KIND_SYMBOLS["special"].colour)
    popup = page.page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    assert "URN" in popup.inner_text() and "Places" in popup.inner_text()
    page.page.mouse.move(5, 400)
    page.page.wait_for_timeout(400)  # the popup fades in
    ARTIFACTS.mkdir(exist_ok=True)
    page.page.screenshot(path=str(ARTIFACTS / "map-overview-popup.png"))
    assert page.errors == [] and page.outside == []


def test_kind_map_search_finds_a_school_and_an_lsoa(page, ne_build, ne_results):
    page.open_map(ne_build / "map-special.html")
    ARTIFACTS.mkdir(exist_ok=True)
    page.page.screenshot(path=str(ARTIFACTS / "map-special.png"))
    page.toggle("Mainstream primary schools")
    # Dense kinds are clustered (the layer is built when first shown: wait for it, not for a fixed time).
    page.page.wait_for_function("document.querySelectorAll('.marker-cluster').length > 0", timeout=20_000)
    page.page.screenshot(path=str(ARTIFACTS / "map-special-clusters.png"))
    school = ne_results.provision.loc[ne_results.provision["kind"] == "special", "name"].iloc[0]
    search = page.page.locator(".gapmap-search input")
    search.fill(school)
    search.press("Enter")
    page.page.wait_for_function(
        f"[...document.querySelectorAll('.leaflet-popup-content')].some(e => e.innerText.includes({school!r}))",
        timeout=20_000,
    )
    popup = page.page.locator(".leaflet-popup-content").last
    lsoa = ne_results.lsoa["lsoa_name"].iloc[100]
    search.fill(lsoa)
    search.press("Enter")
    page.page.wait_for_function(
        f"[...document.querySelectorAll('.leaflet-popup-content')].some(e => e.innerText.includes({lsoa!r}))",
        timeout=20_000,
    )
    assert "Children aged 0-15" in popup.inner_text()
    assert page.errors == [] and page.outside == []


def test_a_hostile_school_name_shows_as_text(page, ne_results, tmp_path):
    provision = ne_results.provision.copy()
    provision.loc[provision["kind"] == "ap", "name"] = EVIL
    results = dataclasses.replace(ne_results, provision=provision)
    path = tmp_path / "map-ap.html"
    study_map(results, kind="ap", tiles=None).save(str(path))
    page.open_map(path)
    search = page.page.locator(".gapmap-search input")
    search.fill(EVIL)
    search.press("Enter")
    popup = page.page.locator(".leaflet-popup-content h4")
    popup.wait_for(timeout=5_000)
    assert popup.inner_text() == EVIL
    assert page.dialogs == [] and page.errors == []


def test_data_still_draws_when_base_tiles_cannot_load(page, ne_results, tmp_path):
    path = tmp_path / "map.html"
    study_map(ne_results, tiles="OpenStreetMap").save(str(path))
    page.open_map(path)
    assert page.canvas_signature()[0] > 100_000
    assert page.outside and all("tile.openstreetmap.org" in url for url in page.outside)


def test_summary_page_links_and_images_work_offline(page, ne_build):
    page.page.goto((ne_build / "index.html").as_uri())
    page.page.wait_for_load_state("load")
    broken = page.page.evaluate("() => [...document.images].filter(i => !i.naturalWidth).map(i => i.src)")
    assert broken == [] and page.errors == [] and page.outside == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.page.screenshot(path=str(ARTIFACTS / "index.png"), full_page=True)


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


#: The map's panels that must never cover each other.
PANELS = (".gapmap-legend", ".leaflet-control-layers", ".gapmap-search", ".gapmap-title")


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)])
def test_panels_stay_clear_of_each_other_and_every_la_is_named(browser, ne_build, ne_inputs, width, height):
    opened = Page(browser, width=width, height=height)
    opened.open_map(ne_build / "map.html")
    page = opened.page
    page.wait_for_timeout(300)
    boxes = opened.boxes(*PANELS)
    for i, a in enumerate(PANELS):
        for b in PANELS[i + 1:]:
            assert not _overlap(boxes[a], boxes[b]), f"{a} overlaps {b} at {width}x{height}: {boxes}"
        assert 0 <= boxes[a][0] and boxes[a][2] <= width and 0 <= boxes[a][1] and boxes[a][3] <= height, a
    labels = page.evaluate("""() => [...document.querySelectorAll('.gapmap-label-la')]
        .filter(e => e.parentNode.style.visibility !== 'hidden')
        .map(e => { const r = e.getBoundingClientRect(); return [e.textContent, r.left, r.top, r.right, r.bottom]; })""")
    shown = {name for name, *box in labels if 0 <= box[0] and box[2] <= width and 0 <= box[1] and box[3] <= height}
    assert shown == set(ne_inputs.las["la_name"]), "every LA is named on the map, inside the window"
    if width < 640:
        assert "leaflet-control-layers-expanded" not in page.locator(".leaflet-control-layers").get_attribute("class")
        page.locator(".leaflet-control-layers-toggle").click()
        page.wait_for_timeout(150)
        boxes = opened.boxes(*PANELS)
        assert not _overlap(boxes[".leaflet-control-layers"], boxes[".gapmap-legend"]), "opened, still clear"
        page.locator(".gapmap-fold").click()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"map-overview-{width}x{height}.png"))
    assert opened.errors == [] and opened.outside == []
    opened.close()


def test_a_click_or_tap_on_an_area_opens_its_popup(page, ne_build):
    page.open_map(ne_build / "map.html")
    page.click_an_area()
    popup = page.page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    text = popup.inner_text()
    assert "Children aged 0-15" in text and "Local authority" in text
    assert page.errors == [] and page.outside == []


def test_a_national_map_draws_las_and_names_the_command_for_lsoas(page, ne_results, tmp_path, monkeypatch):
    monkeypatch.setattr(la_map, "LA_MAP_ABOVE", 100)  # the North East drawn as England is (one area per LA)
    path = tmp_path / "map.html"
    study_map(ne_results, tiles=None).save(str(path))
    page.open_map(path)
    assert page.canvas_signature()[0] > 100_000, "the LAs are drawn"
    assert page.page.locator(".leaflet-marker-pane .gapmap-icon").count() == 0, "sites wait in the layer list"
    assert "Figures by local authority (7 LAs)" in page.page.locator(".gapmap-title").inner_text()
    assert page.page.locator(".gapmap-search input").get_attribute("placeholder") == "Find a school or local authority"
    page.click_an_area()
    popup = page.page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    assert re.search(r"gapmap build --la E0[68]\d{6} maps its neighbourhoods", popup.inner_text())
    page.page.mouse.move(5, 400)
    page.page.wait_for_timeout(400)  # the popup fades in
    ARTIFACTS.mkdir(exist_ok=True)
    page.page.screenshot(path=str(ARTIFACTS / "map-by-la-popup.png"))
    assert page.errors == [] and page.outside == []


def test_report_travels_alone_with_its_images(page, ne_build, tmp_path):
    alone = tmp_path / "forwarded" / "report.html"
    alone.parent.mkdir()
    shutil.copyfile(ne_build / "report.html", alone)
    page.page.goto(alone.as_uri())
    page.page.wait_for_load_state("load")
    images = page.page.evaluate("() => [...document.images].map(i => [i.naturalWidth, i.alt])")
    assert len(images) >= 8 and all(width > 0 for width, _ in images), images
    assert page.errors == [] and page.outside == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.page.screenshot(path=str(ARTIFACTS / "report-first-screen.png"))


def test_each_key_finding_leads_to_its_table_or_chart(page, ne_build):
    page.page.goto((ne_build / "index.html").as_uri())
    links = page.page.locator("#key-findings li a")
    assert 5 <= links.count() <= 8
    for i in range(links.count()):
        target = links.nth(i).get_attribute("href")
        links.nth(i).click()
        assert page.page.evaluate("() => location.hash") == target
        assert page.page.locator(target).is_visible()
        assert page.page.evaluate(f"() => document.querySelector('{target}').getBoundingClientRect().top") < 60
        page.page.evaluate("() => window.scrollTo(0, 0)")
    assert page.errors == [] and page.outside == []


def test_every_map_draws_its_areas_from_the_one_shared_geometry_file(page, ne_build, tmp_path):
    loaded: list[str] = []
    page.page.on("request", lambda request: loaded.append(request.url))
    page.open_map(ne_build / "map-special.html")
    assert [url for url in loaded if url.endswith(".js")] == [(ne_build / "lsoa-geometry.js").as_uri()]
    assert page.canvas_signature()[0] > 100_000, "LSOA polygons drawn from the shared file"
    assert page.page.locator(".gapmap-problem").count() == 0
    assert page.errors == [] and page.outside == []

    alone = tmp_path / "map-special.html"
    shutil.copyfile(ne_build / "map-special.html", alone)
    page.open_map(alone)
    problem = page.page.locator(".gapmap-problem")
    assert problem.count() == 1 and "lsoa-geometry.js" in problem.inner_text() and "missing" in problem.inner_text()
    assert page.page.locator(".leaflet-marker-pane .gapmap-icon").count() > 0, "the schools still draw"
