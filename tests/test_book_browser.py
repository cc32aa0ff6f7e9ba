"""The built book, opened page by page in a real browser (headless Chromium), offline.

Every HTML page of ``_build/html`` is served from 127.0.0.1 and loaded in Chromium with
all other hosts made unreachable (so the check means "renders without a network", on
any machine). For every page:

- the math is typeset: MathJax loaded and finished, every ``.math`` element holds a
  ``mjx-container``, MathJax reported no TeX error and no undefined macro, no raw
  ``\\(``, ``\\[`` or ``$$`` is left in the page's text (code cells excluded), and the
  book's macros from ``_config.yml`` (``mathjax3_config``) are defined in its MathJax;
  TeX that needs MathJax's autoloaded extensions typesets too (on one page);
- everything the page asked for was served: no request left 127.0.0.1, none failed
  (a missing MathJax font or TeX extension, stylesheet or script shows here), and no
  response was an HTTP error; every ``<img>`` loaded (``naturalWidth > 0``);
- no internal link is broken: each same-origin ``href`` answers 200, and a
  ``#fragment`` pointing into a page of the book names an element of that page;
- a cross-reference that prints a number ("Theorem 6.3") prints the number of the
  box it points to.

All pages are checked first; each test then reports every failure with its page.

Needs the built book (the README's first command) and Chromium
(``apt-get install -y chromium``); skips with a message when either is missing.
Chromium is driven through the DevTools protocol over a pipe (standard library only).

``python tests/test_book_browser.py screenshot`` saves a screenshot of a chapter page
with typeset math to ``book/_static/screenshots/offline_math.png`` (the tests never do);
``… screenshot PAGE#ANCHOR OUT.png`` shows any other page, saved to ``OUT.png`` (a page
other than the default needs an output path, so the committed screenshot stays as it is).
"""

from __future__ import annotations

import base64
import functools
import http.server
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "_build" / "html"
SCREENSHOT = ROOT / "book" / "_static" / "screenshots" / "offline_math.png"
SCREENSHOT_TARGET = "chapters/06_representations.html#thm-orthogonality"

CHROMIUM_CANDIDATES = [
    "/usr/lib/chromium/chromium",  # Debian's binary (its /usr/bin/chromium is a wrapper)
    "chromium",
    "chromium-browser",
    "google-chrome",
]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--mute-audio",
    "--hide-scrollbars",
    "--window-size=1200,900",
    # Offline, whatever the machine: no host name resolves except the book's server.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--remote-debugging-pipe",
]
PAGE_TIMEOUT_S = 30
RAW_TEX = ("\\(", "\\[", "$$")
NUMBERED_REF = re.compile(
    r"^(Axiom|Theorem|Lemma|Algorithm|Definition|Remark|Conjecture|Corollary|Criterion|"
    r"Example|Property|Observation|Proposition|Assumption|Notation|Exercise|Figure|Table)"
    r" \d+(\.\d+)*$"
)

# Run in each page once it has loaded: wait for MathJax, then report what the tests check.
PAGE_SCRIPT = r"""
(async (macros) => {
  const out = {mathjax: null, errors: [], undefinedMacros: []};
  const timeout = (ms) => new Promise((_, reject) =>
      setTimeout(() => reject(new Error('timed out after ' + ms + ' ms')), ms));
  const MJ = window.MathJax;
  if (MJ && MJ.startup && MJ.startup.promise) {
    try {
      await Promise.race([MJ.startup.promise, timeout(15000)]);
      out.mathjax = MJ.version;
      for (const name of macros) {
        if (!(MJ.config.tex && MJ.config.tex.macros && name in MJ.config.tex.macros)) {
          out.undefinedMacros.push(name);
        }
      }
    } catch (e) {
      out.errors.push('MathJax: ' + e);
    }
  }
  out.mathjaxScript = [...document.scripts].map(s => s.src).filter(s => /mathjax/i.test(s));
  // Images: none lazy, all decoded (or failed).
  const images = [...document.images];
  images.forEach(img => { img.loading = 'eager'; });
  await Promise.race([
      Promise.all(images.map(img => img.decode().catch(() => null))), timeout(5000),
  ]).catch(() => null);
  await Promise.race([document.fonts.ready, timeout(5000)]).catch(() => null);
  out.images = images.map(img => ({src: img.currentSrc || img.src,
                                   ok: img.complete && img.naturalWidth > 0}));
  out.fonts = [...document.fonts].filter(f => /^MJX/.test(f.family))
                                 .map(f => ({family: f.family, status: f.status}));
  const math = [...document.querySelectorAll('.math')];
  out.mathElements = math.length;
  out.untypeset = math.filter(e => !e.querySelector('mjx-container'))
                      .map(e => e.textContent.trim().slice(0, 80));
  out.containers = document.querySelectorAll('mjx-container').length;
  out.texErrors = [...document.querySelectorAll('mjx-merror')]
                     .map(e => (e.getAttribute('data-mjx-error') || e.textContent).slice(0, 80));
  // MathJax's noundefined package shows an unknown macro as red text.
  out.unknownMacros = [...document.querySelectorAll('mjx-assistive-mml mtext[mathcolor="red"]')]
                     .map(e => e.textContent.slice(0, 40));
  const clone = document.body.cloneNode(true);
  clone.querySelectorAll('pre, code, script, style, textarea, mjx-container, .highlight')
       .forEach(e => e.remove());
  out.text = clone.textContent;
  out.links = [...document.querySelectorAll('a[href], area[href], link[href]')].map(a => a.href);
  out.ids = [...document.querySelectorAll('[id]')].map(e => e.id)
              .concat([...document.querySelectorAll('a[name]')].map(a => a.name));
  out.captions = {};
  for (const span of document.querySelectorAll('.caption-number')) {
    const owner = span.closest('[id]');
    if (owner) out.captions[owner.id] = span.textContent.trim();
  }
  out.numberedRefs = [...document.querySelectorAll('a.reference.internal')]
      .map(a => ({href: a.href, text: a.textContent.trim()}));
  return out;
})
"""


class BrowserError(RuntimeError):
    pass


class Chromium:
    """Headless Chromium driven through the DevTools protocol on a pipe (fds 3 and 4)."""

    def __init__(self, executable: str):
        self.profile = tempfile.mkdtemp(prefix="book-browser-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        command = [
            "bash", "-c", 'exec "$0" "$@" 3<&"$BOOK_FD_IN" 4>&"$BOOK_FD_OUT"',
            executable, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "about:blank",
        ]
        env = dict(os.environ, BOOK_FD_IN=str(to_browser_r), BOOK_FD_OUT=str(from_browser_w))
        self.process = subprocess.Popen(
            command, env=env, pass_fds=(to_browser_r, from_browser_w),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        try:
            self.version = self.call("Browser.getVersion", timeout=60)["product"]
        except BaseException:
            self.close()
            raise

    # -- the protocol
    def _send(self, message: dict) -> None:
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._to_browser, data):]

    def _receive(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if ready:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise BrowserError("Chromium closed the connection (did it crash?)")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = PAGE_TIMEOUT_S) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._send(message)
        deadline = time.monotonic() + timeout
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=5)
        except (BrowserError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._to_browser, self._from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    # -- pages
    def new_tab(self) -> str:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget",
                            {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Network"):
            self.call(f"{domain}.enable", session=session)
        self.call("Page.setLifecycleEventsEnabled", {"enabled": True}, session=session)
        self.call("Network.setCacheDisabled", {"cacheDisabled": True}, session=session)
        return session

    def open(self, session: str, url: str) -> str:
        """Load url in the tab; returns the navigation's loader id once "load" has fired."""
        self.events.clear()
        result = self.call("Page.navigate", {"url": url}, session=session)
        if result.get("errorText"):
            raise BrowserError(f"navigation failed: {result['errorText']}")
        loader = result["loaderId"]
        deadline = time.monotonic() + PAGE_TIMEOUT_S
        seen = 0
        while True:
            for event in self.events[seen:]:
                params = event.get("params", {})
                if (event.get("sessionId") == session and event["method"] == "Page.lifecycleEvent"
                        and params.get("name") == "load" and params.get("loaderId") == loader):
                    return loader
            seen = len(self.events)
            self.events.append(self._receive(deadline))

    def evaluate(self, session: str, expression: str, timeout: float = PAGE_TIMEOUT_S):
        result = self.call("Runtime.evaluate", {
            "expression": expression, "awaitPromise": True, "returnByValue": True,
        }, session=session, timeout=timeout)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"script failed: {text}")
        return result["result"].get("value")

    def requests(self, session: str, loader: str) -> tuple[list[str], list[str]]:
        """URLs the page loaded by `loader` requested, and the failures among them."""
        urls: dict[str, str] = {}
        failures = []
        for event in self.events:
            params = event.get("params", {})
            if event.get("sessionId") != session:
                continue
            if event["method"] == "Network.requestWillBeSent":
                if params.get("loaderId") == loader:
                    urls[params["requestId"]] = params["request"]["url"]
            elif event["method"] == "Network.responseReceived":
                response = params["response"]
                # (the browser's own favicon request is not the book's)
                if (params["requestId"] in urls and response["status"] >= 400
                        and not response["url"].endswith("/favicon.ico")):
                    failures.append(f"HTTP {response['status']} for {response['url']}")
            elif event["method"] == "Network.loadingFailed":
                if params["requestId"] in urls and not params.get("canceled"):
                    url = urls[params["requestId"]]
                    failures.append(f"{params.get('errorText')} for {url}")
        return list(urls.values()), failures


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # The browser drops connections it no longer needs: not the book's problem.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


@dataclass
class Server:
    root: Path
    base: str = ""
    _httpd: QuietServer | None = field(default=None, repr=False)

    def __enter__(self) -> "Server":
        handler = functools.partial(QuietHandler, directory=str(self.root))
        self._httpd = QuietServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self._httpd.server_address[1]}/"
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def find_chromium() -> str | None:
    for candidate in CHROMIUM_CANDIDATES:
        path = candidate if os.path.isabs(candidate) else shutil.which(candidate)
        if path and os.access(path, os.X_OK):
            return path
    return None


def book_pages(build: Path) -> list[str]:
    """The book's pages, relative to the build folder (theme templates left out)."""
    pages = []
    for path in sorted(build.rglob("*.html")):
        relative = path.relative_to(build).as_posix()
        if relative.split("/", 1)[0] in {"_static", "_sources", "_images"}:
            continue
        pages.append(relative)
    return pages


def book_macros() -> list[str]:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    mathjax = config.get("sphinx", {}).get("config", {}).get("mathjax3_config", {})
    return sorted(mathjax.get("tex", {}).get("macros", {}))


REDIRECT = re.compile(r'<meta http-equiv="refresh" content="\d+;\s*url=([^"]+)"', re.I)


@dataclass
class PageReport:
    page: str
    problems: dict[str, list[str]] = field(default_factory=dict)
    links: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    captions: dict[str, str] = field(default_factory=dict)
    refs: list[dict] = field(default_factory=list)
    formulas: int = 0
    containers: int = 0

    def add(self, kind: str, message: str) -> None:
        self.problems.setdefault(kind, []).append(message)


def check_page(browser: Chromium, session: str, base: str, page: str,
               macros: list[str]) -> PageReport:
    report = PageReport(page)
    html = (BUILD / page).read_text(encoding="utf-8", errors="replace")
    redirect = REDIRECT.search(html[:2000])
    if redirect:  # index.html: a meta refresh; check where it points, don't follow it
        report.links.append(urllib.parse.urljoin(base + page, redirect.group(1)))
        return report
    try:
        loader = browser.open(session, base + page)
        result = browser.evaluate(session, f"{PAGE_SCRIPT}({json.dumps(macros)})")
    except BrowserError as error:
        report.add("load", str(error))
        return report
    requested, failures = browser.requests(session, loader)
    for url in requested:
        if urllib.parse.urlsplit(url).scheme in ("http", "https") and not url.startswith(base):
            report.add("offline", f"requests {url} from the network")
    for failure in failures:
        report.add("resources", failure)
    for message in result["errors"]:
        report.add("math", message)
    if result["mathElements"]:
        if result["mathjax"] is None:
            report.add("math", f"MathJax did not load (script: {result['mathjaxScript']})")
        if result["untypeset"]:
            report.add("math", f"{len(result['untypeset'])} formula(s) not typeset, "
                               f"first: {result['untypeset'][0]!r}")
        for name in result["undefinedMacros"]:
            report.add("math", f"macro \\{name} from _config.yml is not defined in MathJax")
    for script in result["mathjaxScript"]:
        if not script.startswith(base):
            report.add("offline", f"MathJax comes from {script}")
    for error in result["texErrors"]:
        report.add("math", f"TeX error: {error}")
    for macro in result["unknownMacros"]:
        report.add("math", f"undefined TeX macro {macro}")
    for font in result["fonts"]:
        if font["status"] == "error":
            report.add("math", f"MathJax font {font['family']} failed to load")
    for delimiter in RAW_TEX:
        at = result["text"].find(delimiter)
        if at >= 0:
            context = " ".join(result["text"][max(0, at - 30):at + 50].split())
            report.add("math", f"raw TeX {delimiter!r} in the text: …{context}…")
    for image in result["images"]:
        if not image["ok"]:
            report.add("images", f"image did not load: {image['src'][:120]}")
    report.links = result["links"]
    report.ids = set(result["ids"])
    report.captions = result["captions"]
    report.refs = [ref for ref in result["numberedRefs"] if NUMBERED_REF.match(ref["text"])]
    report.formulas = result["mathElements"]
    report.containers = result["containers"]
    return report


# TeX that MathJax's autoload fetches from its extensions folder on first use.
AUTOLOAD_PROBE = r"\boldsymbol{x} \cancel{y} \ce{H2O}"


def check_autoload(browser: Chromium, session: str, base: str, report: PageReport) -> None:
    """On a page with math, typeset TeX that needs autoloaded extensions: served locally?"""
    try:
        loader = browser.open(session, base + report.page)
        errors = browser.evaluate(session, f"""(async () => {{
            await MathJax.startup.promise;
            const node = await MathJax.tex2chtmlPromise({json.dumps(AUTOLOAD_PROBE)});
            return [...node.querySelectorAll('mjx-merror, mtext[mathcolor="red"]')]
                       .map(e => e.getAttribute('data-mjx-error') || e.textContent);
        }})()""")
    except BrowserError as error:
        report.add("math", f"autoloaded TeX extensions: {error}")
        return
    _, failures = browser.requests(session, loader)
    for message in errors + failures:
        report.add("math", f"autoloaded TeX extensions ({AUTOLOAD_PROBE}): {message}")


def check_links(reports: dict[str, PageReport], base: str) -> None:
    """Same-origin links answer 200; fragments into the book's pages name an element."""
    status: dict[str, int | str] = {}
    for report in reports.values():
        for link in report.links:
            if not link.startswith(base):
                continue
            url, _, fragment = link.partition("#")
            if url not in status:
                try:
                    with urllib.request.urlopen(url, timeout=10) as response:
                        status[url] = response.status
                except urllib.error.HTTPError as error:
                    status[url] = error.code
                except OSError as error:
                    status[url] = str(error)
            if status[url] != 200:
                report.add("links", f"{link[len(base):]} → {status[url]}")
                continue
            target = urllib.parse.unquote(urllib.parse.urlsplit(url).path)[1:] or "index.html"
            fragment = urllib.parse.unquote(fragment)
            if fragment and target in reports and reports[target].ids:
                if fragment not in reports[target].ids:
                    report.add("links", f"{link[len(base):]}: no element #{fragment} there")


def check_numbers(reports: dict[str, PageReport], base: str) -> None:
    """A numbered cross-reference prints the number its target box shows."""
    for report in reports.values():
        for ref in report.refs:
            url, _, fragment = ref["href"].partition("#")
            target = urllib.parse.unquote(urllib.parse.urlsplit(url).path)[1:]
            caption = reports.get(target, PageReport(target)).captions.get(
                urllib.parse.unquote(fragment))
            if caption is None:
                report.add("numbers", f"{ref['text']!r} → {ref['href'][len(base):]}: "
                                      "the target has no numbered caption")
            elif caption != ref["text"]:
                report.add("numbers", f"{ref['text']!r} → {ref['href'][len(base):]}, "
                                      f"which is captioned {caption!r}")


@dataclass
class BookReport:
    pages: dict[str, PageReport]
    seconds: float
    browser: str

    def failures(self, *kinds: str) -> list[str]:
        return [f"{page}: {message}" for page, report in self.pages.items()
                for kind in kinds for message in report.problems.get(kind, [])]


def require_book_and_browser() -> str:
    """Chromium's path; skips without the built book or Chromium, unless CI requires the check.

    CI sets ``GROUPTOOLS_REQUIRE_BROWSER=1``: there a missing browser or book fails the test
    instead of skipping it, so a broken install step cannot pass silently.
    """
    missing = pytest.fail if os.environ.get("GROUPTOOLS_REQUIRE_BROWSER") == "1" else pytest.skip
    if not (BUILD / "index.html").exists():
        missing(f"the book is not built (no {BUILD / 'index.html'}): build it first "
                "with .venv/bin/jupyter-book build . -W -n --keep-going")
    executable = find_chromium()
    if executable is None:
        missing("no Chromium found: install it with `apt-get install -y chromium` (Debian/Ubuntu)")
    return executable


@pytest.fixture(scope="module")
def book() -> BookReport:
    executable = require_book_and_browser()
    start = time.monotonic()
    macros = book_macros()
    pages = book_pages(BUILD)
    assert pages, f"no HTML pages in {BUILD}"
    with Server(BUILD) as server:
        browser = Chromium(executable)
        try:
            session = browser.new_tab()
            reports = {page: check_page(browser, session, server.base, page, macros)
                       for page in pages}
            with_math = [report for report in reports.values() if report.containers]
            if with_math:
                check_autoload(browser, session, server.base, with_math[0])
        finally:
            browser.close()
        check_links(reports, server.base)
        check_numbers(reports, server.base)
    return BookReport(reports, time.monotonic() - start, browser.version)


def assert_none(book: BookReport, *kinds: str) -> None:
    failures = book.failures(*kinds)
    assert not failures, f"{len(failures)} problem(s):\n" + "\n".join(failures)


def test_every_page_loads_offline(book: BookReport) -> None:
    """Each page loads, asks nothing of the network, and gets every resource it asks for."""
    assert_none(book, "load", "offline", "resources")


def test_math_is_typeset_on_every_page(book: BookReport) -> None:
    assert_none(book, "math")
    # The book is full of formulas: finding none means the checks above saw nothing.
    assert sum(report.formulas for report in book.pages.values()) > 100
    assert sum(report.containers for report in book.pages.values()) > 100


def test_every_image_loads(book: BookReport) -> None:
    assert_none(book, "images")


def test_no_internal_link_is_broken(book: BookReport) -> None:
    assert_none(book, "links")


def test_numbered_references_match_their_targets(book: BookReport) -> None:
    assert_none(book, "numbers")


def save_screenshot(target: str = SCREENSHOT_TARGET, out: Path = SCREENSHOT) -> Path:
    """Screenshot a chapter page, scrolled to a formula-rich part, as the reader sees it."""
    if not (BUILD / "index.html").exists():
        sys.exit(f"build the book first: {BUILD} is missing")
    executable = find_chromium()
    if executable is None:
        sys.exit("no Chromium found: apt-get install -y chromium")
    page, _, anchor = target.partition("#")
    with Server(BUILD) as server:
        browser = Chromium(executable)
        try:
            session = browser.new_tab()
            browser.call("Emulation.setDeviceMetricsOverride", {
                "width": 1200, "height": 900, "deviceScaleFactor": 1, "mobile": False,
            }, session=session)
            browser.open(session, server.base + page)
            result = browser.evaluate(session, f"{PAGE_SCRIPT}([])")
            assert result["mathjax"] and result["containers"], "no typeset math to show"
            browser.evaluate(session, f"""(async () => {{
                const el = document.getElementById({json.dumps(anchor)});
                if (el) window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 70);
                await new Promise(r => setTimeout(r, 500));
            }})()""")
            shot = browser.call("Page.captureScreenshot", {"format": "png"}, session=session)
        finally:
            browser.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(base64.b64decode(shot["data"]))
    return out


if __name__ == "__main__":
    args = sys.argv[2:]
    if sys.argv[1:2] == ["screenshot"] and len(args) in (0, 2):
        print(save_screenshot(*args[:1], *(Path(a) for a in args[1:])))
    else:
        sys.exit(f"usage: {sys.argv[0]} screenshot [PAGE#ANCHOR OUT.png]")
