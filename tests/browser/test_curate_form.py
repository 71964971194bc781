"""`gonghui serve --curate` in a real browser: an archivist opens a person's page, adds the other
printing of the name to the prefilled merge, submits, sees it written; the next build applies it,
and the merged-away page's IRI then leads to the kept person. Skipped without chromium."""
import shutil
from pathlib import Path

import httpx
import pytest
from servers import running_serve

from gonghui.curate import load
from gonghui.publish import build

webdriver = pytest.importorskip("selenium.webdriver")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMEDRIVER and shutil.which("chromium")),
                                reason="chromium and chromium-driver (apt-get install chromium chromium-driver)")
PAGES = Path(__file__).parents[1] / "data" / "curate"
SHOTS = Path(__file__).parents[2] / "bench" / "out" / "screenshots"


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1400"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def test_an_archivist_merges_two_printings_of_a_name(tmp_path, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen
    from selenium.webdriver.support.ui import WebDriverWait
    shutil.copytree(PAGES, tmp_path / "seeds")
    assert build(tmp_path / "seeds", tmp_path / "lod", workers=1)
    with running_serve("--curate", cwd=tmp_path) as served:
        hits = httpx.get(served.url + "/search", params={"q": "zhou jianping", "format": "json"}).json()["results"]
        other = next(h["iri"] for h in hits if h["label"] == "周建平")
        browser.get(served.url + "/search?q=zhou+jianping")
        browser.find_element(By.XPATH, "//a[bdi[text()='周建萍']] | //a[text()='周建萍']").click()
        WebDriverWait(browser, 10).until(seen.presence_of_element_located((By.CSS_SELECTOR, "section.curate form")))
        old = browser.find_element(By.CSS_SELECTOR, "p.iri code").text
        form = browser.find_element(By.CSS_SELECTOR, "section.curate form")
        assert form.find_element(By.NAME, "op").get_attribute("value") == "merge"
        people = form.find_element(By.NAME, "people")
        assert people.get_attribute("value").strip() == old
        people.send_keys("周建平")
        form.find_element(By.NAME, "by").send_keys("Li Hua")
        form.find_element(By.NAME, "note").send_keys("the same secretary, printed two ways")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        status = WebDriverWait(browser, 10).until(seen.visibility_of_element_located((By.CSS_SELECTOR, ".curated")))
        assert "Written to the corrections file" in status.text
        browser.execute_script("arguments[0].scrollIntoView()", status)
        SHOTS.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(SHOTS / "curate.png"))
        assert [e["message"] for e in browser.get_log("browser")
                if e["level"] == "SEVERE" and "favicon.ico" not in e["message"]] == []
    (fix,) = load(tmp_path / "corrections")
    assert (fix.op, fix.people, fix.by) == ("merge", (old, "周建平"), "Li Hua")
    printed = []
    assert build(tmp_path / "seeds", tmp_path / "lod", workers=1, corrections=tmp_path / "corrections",
                 echo=lambda line, err=False: printed.append(line))
    assert "corrections: 1 applied, 0 stale, of 1" in "\n".join(printed)
    with running_serve(cwd=tmp_path) as served:
        browser.get(served.url + "/id/" + other.split("/id/", 1)[1])        # the person merged away …
        assert browser.find_element(By.CSS_SELECTOR, "h1").text == "周建萍"     # … leads to the one kept (301)
        assert browser.current_url == served.url + "/id/" + old.split("/id/", 1)[1]
        assert browser.find_element(By.CSS_SELECTOR, "p.iri code").text == old
