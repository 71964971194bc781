"""The HTML pages in a real browser (Debian's chromium and chromium-driver) against a real
`gonghui serve`: the query page works under the content security policy, and data text with bidi
controls cannot reorder what is shown after it. Skipped where chromium is not installed."""
import shutil
from pathlib import Path

import pytest
from servers import running_serve

from gonghui.publish import build

webdriver = pytest.importorskip("selenium.webdriver")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMEDRIVER and shutil.which("chromium")),
                                reason="chromium and chromium-driver (apt-get install chromium chromium-driver)")
HOSTILE = Path(__file__).parents[1] / "hostile"
SHOTS = Path(__file__).parents[2] / "bench" / "out" / "screenshots"     # looked at, not committed


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    (root / "seeds").mkdir()
    shutil.copy(HOSTILE / "bidi.txt", root / "seeds" / "bidi.txt")
    assert build(root / "seeds", root / "lod", workers=1)
    with running_serve(cwd=root) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def shot(browser, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SHOTS / f"{name}.png"))


def csp_violations(browser) -> list[str]:
    return [e["message"] for e in browser.get_log("browser") if "Content Security Policy" in e["message"]]


def test_the_query_page_runs_an_example_under_the_policy(served, browser):
    """YASGUI loads and answers an example with no policy violation, and a headline with a bidi
    override keeps its @zh after it in the results table."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen
    from selenium.webdriver.support.ui import WebDriverWait
    browser.get(served.url + "/")
    WebDriverWait(browser, 20).until(seen.presence_of_element_located((By.CSS_SELECTOR, ".yasqe .CodeMirror")))
    browser.find_elements(By.CSS_SELECTOR, "button[data-example]")[0].click()
    browser.find_element(By.CSS_SELECTOR, ".tabPanel.active .yasqe_queryButton").click()
    WebDriverWait(browser, 20).until(seen.presence_of_element_located(
        (By.CSS_SELECTOR, ".tabPanel.active .yasr .dataTable tbody tr")))
    shot(browser, "query-page")
    headline = next(c for c in browser.find_elements(By.CSS_SELECTOR, ".tabPanel.active .yasr tbody td span.nonIri")
                    if "\u202e" in c.get_attribute("textContent"))
    box = "return arguments[0].getBoundingClientRect()"
    literal, tag = headline.find_element(By.TAG_NAME, "bdi"), headline.find_element(By.TAG_NAME, "sup")
    assert browser.execute_script(box, tag)["left"] >= browser.execute_script(box, literal)["right"] - 1
    assert csp_violations(browser) == []
    # Result IRIs open this server's pages, with the published IRI on hover; following one works.
    links = [a for a in browser.find_elements(By.CSS_SELECTOR, ".tabPanel.active .yasr tbody td a[href]")
             if "w3.org" not in a.get_attribute("href")]          # datatype links stay as they are
    hrefs = [a.get_attribute("href") for a in links]
    assert len(hrefs) >= 2 and all(h.startswith(served.url + "/id/") for h in hrefs), hrefs
    assert links[0].get_attribute("title").startswith("https://w3id.org/gonghui/id/")
    browser.get(hrefs[0])
    assert browser.find_element(By.CSS_SELECTOR, "p.iri code").text == links_title(hrefs[0], served.url)


def links_title(href: str, root: str) -> str:
    return "https://w3id.org/gonghui/id/" + href[len(root + "/id/"):]


def test_a_bidi_override_in_a_headline_stays_inside_it(served, browser):
    """The headline holds U+202E with no closing U+202C: unisolated, everything after it in the
    line (the @zh tag) would be laid out right to left, before the headline's text."""
    from selenium.webdriver.common.by import By
    browser.get(served.url + "/id/article/bidi/1")
    shot(browser, "article-bidi")
    row = next(r for r in browser.find_elements(By.CSS_SELECTOR, "table.props tr")
               if "headline" in r.find_element(By.TAG_NAME, "th").text)
    literal = row.find_element(By.CSS_SELECTOR, ".lit")
    tag = row.find_element(By.CSS_SELECTOR, ".lang")
    box = "return arguments[0].getBoundingClientRect()"
    assert browser.execute_script(box, tag)["left"] >= browser.execute_script(box, literal)["right"] - 1
    assert csp_violations(browser) == []



def test_the_search_box_on_every_page_finds_a_person_by_pinyin(served, browser):
    """Type pinyin in the header's box, submit, follow the first hit to the person's page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    browser.get(served.url + "/id/")
    box = browser.find_element(By.CSS_SELECTOR, "header form.search input[name=q]")
    from selenium.webdriver.support import expected_conditions as seen
    from selenium.webdriver.support.ui import WebDriverWait
    box.send_keys("zhou mingyuan", Keys.ENTER)
    first = WebDriverWait(browser, 20).until(seen.presence_of_element_located((By.CSS_SELECTOR, "ol.hits li a")))
    shot(browser, "search")
    assert first.text == "周明远"
    first.click()
    WebDriverWait(browser, 20).until(seen.url_to_be(served.url + "/id/person/zhou-mingyuan"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "周明远"
    assert browser.current_url == served.url + "/id/person/zhou-mingyuan"
    assert csp_violations(browser) == []


def test_a_profile_chart_opens_its_query_in_the_query_page(served, browser):
    """'open in the query page' under a chart: /?query=… opens that query in a tab of its own and runs it."""
    import urllib.parse

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen
    from selenium.webdriver.support.ui import WebDriverWait
    browser.get(served.url + "/id/person/zhou-mingyuan")
    link = browser.find_element(By.LINK_TEXT, "open in the query page")
    query = urllib.parse.parse_qs(urllib.parse.urlparse(link.get_attribute("href")).query)["query"][0]
    link.click()
    WebDriverWait(browser, 20).until(seen.presence_of_element_located((By.CSS_SELECTOR, ".tabPanel.active .yasqe .CodeMirror")))
    tabs = [t.text for t in browser.find_elements(By.CSS_SELECTOR, ".tabsList .tab")]
    assert "Linked query" in " ".join(tabs)
    shown = browser.execute_script("return document.querySelector('.tabPanel.active .CodeMirror').CodeMirror.getValue()")
    assert shown == query and "zhou-mingyuan" in shown
    browser.find_element(By.CSS_SELECTOR, ".tabPanel.active .yasqe_queryButton").click()
    WebDriverWait(browser, 20).until(seen.presence_of_element_located(
        (By.CSS_SELECTOR, ".tabPanel.active .yasr .dataTable tbody tr")))
    assert csp_violations(browser) == []


def test_the_timeline_s_marks_are_its_query_s_dates(served, browser):
    """Each mark the browser draws on a person's timeline is a date the query under it answers."""
    from selenium.webdriver.common.by import By
    from SPARQLWrapper import JSON, SPARQLWrapper
    browser.get(served.url + "/id/person/zhou-mingyuan")
    marks = sorted(c.get_attribute("data-date") for c in browser.find_elements(By.CSS_SELECTOR, "svg circle.mark"))
    query = browser.find_element(By.CSS_SELECTOR, "details.query pre").get_attribute("textContent")
    sw = SPARQLWrapper(served.url + "/sparql")
    sw.setQuery(query)
    sw.setReturnFormat(JSON)
    rows = sw.queryAndConvert()["results"]["bindings"]
    dates = sorted({(r["post"]["value"], r["date"]["value"]) for r in rows if "date" in r})
    assert marks and marks == sorted(d for _, d in dates)


def test_browse_filters_by_kind_in_the_browser(served, browser):
    """Pick a kind of organisation in the facets, submit: the list is that kind's, in the URL too."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait
    browser.get(served.url + "/browse/organisations")
    every = len(browser.find_elements(By.CSS_SELECTOR, "table.browse tr")) - 1
    Select(browser.find_element(By.CSS_SELECTOR, "select[name=kind]")).select_by_value("TradeUnion")
    browser.find_element(By.CSS_SELECTOR, "form.facets button").click()
    # the click starts a navigation; read the page once the browser has gone to the new URL
    WebDriverWait(browser, 10).until(lambda b: "kind=" in b.current_url)
    assert "kind=TradeUnion" in browser.current_url
    names = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "table.browse td a")]
    shot(browser, "browse")
    assert names and all(n.endswith(("工会", "工会委员会")) for n in names) and len(names) <= every
    assert csp_violations(browser) == []


def test_no_request_leaves_loopback(served, browser):
    """Every request the pages make — scripts, styles, fonts, queries — goes to this server."""
    import json
    import urllib.parse
    browser.get_log("performance")                     # what earlier tests loaded does not count
    for path in ("/", "/id/", "/id/person/zhou-mingyuan", "/browse/people", "/search?q=zhou", "/download/"):
        browser.get(served.url + path)
    urls = [m["params"]["request"]["url"] for e in browser.get_log("performance")
            if (m := json.loads(e["message"])["message"])["method"] == "Network.requestWillBeSent"]
    assert len(urls) >= 6
    hosts = {urllib.parse.urlparse(u).hostname for u in urls if not u.startswith(("data:", "blob:", "about:"))}
    assert hosts == {"127.0.0.1"}, hosts
