"""Performance budget of the site, measured in one run: ``.venv/bin/python scripts/bench_site.py``.

1. Build time: ``mkdocs build --strict`` with claim checking, against the same build with the claims
   plugin removed (markers left as typed, generated pages dropped from the navigation), five of each,
   interleaved.  Budget: 1.5x.
2. Per page, in headless Chromium with the cache disabled: bytes transferred and the time until the
   page's math is rendered, for our self-hosted KaTeX against the MathJax 3 set-up that Material's
   documentation recommends, served from the same local server (MathJax fetched with ``npm pack`` and
   checked against a pinned sha256).  Both set a ``math-rendered`` performance mark when done.

Needs Debian's chromium and chromium-driver (``make browser``) and npm.  Prints a table; writes nothing
into the repository but ``.cache/bench/``.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

import chromium  # scripts/chromium.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "bench"
MATHJAX = ("3.2.2", "1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09")
PAGES = ("", "a2/part2/", "hw2/q3/", "hw2/q4/", "hw2/q6/", "hw2/q2/", "verification/")
GENERATED_NAV = ("verification.md", "checks/")
BUILD_RUNS = 5

# Material's documented MathJax 3 configuration, plus the same completion mark our KaTeX start-up sets.
MATHJAX_CONFIG = """
window.MathJax = {
  tex: {inlineMath: [["\\\\(", "\\\\)"]], displayMath: [["\\\\[", "\\\\]"]],
        processEscapes: true, processEnvironments: true},
  options: {ignoreHtmlClass: ".*|", processHtmlClass: "arithmatex"},
  startup: {pageReady: () => MathJax.startup.defaultPageReady().then(() => performance.mark("math-rendered"))}
};
"""


def build(config: Path, site: Path, strict: bool = True) -> float:
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", str(site)] + (
        ["--strict"] if strict else []
    )
    subprocess.run(
        cmd,
        cwd=ROOT,
        check=True,
        capture_output=True,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": str(Path(sys.executable).parent)},
    )
    return time.perf_counter() - t0


def variant(name: str, body: str) -> Path:
    """A config that inherits mkdocs.yml and changes what ``body`` says (docs_dir stays the real one)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"mkdocs-{name}.yml"
    path.write_text(
        f"INHERIT: {ROOT / 'mkdocs.yml'}\ndocs_dir: {ROOT / 'docs'}\n"
        f"theme: {{custom_dir: {ROOT / 'overrides'}}}\n{body}",
        encoding="utf-8",
    )
    return path


def unchecked_config() -> Path:
    """The same site without the claims plugin: no checks run, the generated pages are left out of the nav."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor(
        "!ENV",
        lambda loader, node: (
            (loader.construct_sequence(node) + [""])[-1] if isinstance(node, yaml.SequenceNode) else ""
        ),
    )
    raw = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)
    nav = raw["nav"]
    plugins = [p for p in raw["plugins"] if p != "claims" and not (isinstance(p, dict) and "claims" in p)]

    def keep(entries: list) -> list:
        out = []
        for entry in entries:
            ((title, value),) = entry.items()
            if isinstance(value, list):
                kept = keep(value)
                if kept:
                    out.append({title: kept})
            elif not value.startswith(GENERATED_NAV):
                out.append({title: value})
        return out

    def flow(value: object) -> str:
        return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()

    return variant(
        "unchecked",
        f"hooks: [{ROOT / 'hooks' / 'site.py'}]\nwatch: []\n"
        "validation: {omitted_files: info, unrecognized_links: info, anchors: info}\n"
        f"plugins: {flow(plugins)}\nnav: {flow(keep(nav))}\n",
    )


def mathjax_site(site: Path) -> None:
    """Swap KaTeX for MathJax in a built copy of the site."""
    version, digest = MATHJAX
    tarball = CACHE / f"mathjax-{version}.tgz"
    if not tarball.exists():
        subprocess.run(["npm", "pack", f"mathjax@{version}", "--silent"], cwd=CACHE, check=True, capture_output=True)
    got = hashlib.sha256(tarball.read_bytes()).hexdigest()
    if got != digest:
        sys.exit(f"{tarball}: sha256 {got}, expected {digest}")
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            rel = member.name.removeprefix("package/")
            if member.isfile() and (rel == "es5/tex-mml-chtml.js" or rel.startswith("es5/output/chtml/fonts/woff-v2/")):
                target = site / "assets" / "mathjax" / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(tar.extractfile(member).read())  # type: ignore[union-attr]
    (site / "assets" / "mathjax" / "config.js").write_text(MATHJAX_CONFIG, encoding="utf-8")
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for old in (
            "assets/katex/katex.min.js",
            "assets/katex/contrib/auto-render.min.js",
            "javascripts/katex-init.js",
        ):
            html = html.replace(f'src="{_prefix(page, site)}{old}"', f'data-dropped="{old}"')
        html = html.replace(f'<link rel="stylesheet" href="{_prefix(page, site)}assets/katex/katex.min.css">', "")
        scripts = (
            f'<script src="{_prefix(page, site)}assets/mathjax/config.js"></script>'
            f'<script src="{_prefix(page, site)}assets/mathjax/es5/tex-mml-chtml.js"></script>'
        )
        page.write_text(html.replace("</body>", scripts + "</body>"), encoding="utf-8")


def _prefix(page: Path, site: Path) -> str:
    depth = len(page.relative_to(site).parts) - 1
    return "../" * depth


def serve(site: Path) -> tuple[str, http.server.ThreadingHTTPServer]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}/", httpd


def measure(driver: object, url: str) -> tuple[float, int]:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    driver.get(url)
    WebDriverWait(driver, 60).until(
        lambda d: d.execute_script("return performance.getEntriesByName('math-rendered').length > 0")
    )
    ms = driver.execute_script("return performance.getEntriesByName('math-rendered')[0].startTime")
    size = driver.execute_script(
        "return performance.getEntriesByType('navigation')[0].transferSize + "
        "performance.getEntriesByType('resource').reduce((s, r) => s + r.transferSize, 0)"
    )
    return ms, size


def main() -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    tmp = Path(tempfile.mkdtemp(prefix="bench-site-"))
    # Interleaved, so that a slow spell of a shared machine hits both alike; the minimum is each build's own cost.
    times: dict[str, list[float]] = {"checked": [], "unchecked": []}
    for _ in range(BUILD_RUNS):
        times["unchecked"].append(build(unchecked_config(), tmp / "unchecked", strict=False))
        times["checked"].append(build(ROOT / "mkdocs.yml", tmp / "checked"))
    (c, u) = (min(times["checked"]), min(times["unchecked"]))
    (cm, um) = (statistics.median(times["checked"]), statistics.median(times["unchecked"]))
    print(
        f"build, best of {BUILD_RUNS}: {c:.1f} s with claim checking, {u:.1f} s without: {c / u:.2f}x "
        f"(median {cm:.1f} s / {um:.1f} s = {cm / um:.2f}x; budget 1.5x)"
    )

    shutil.copytree(tmp / "checked", tmp / "mathjax")
    mathjax_site(tmp / "mathjax")
    options = chromium.options("/usr/bin/chromium", tmp / "chromium")
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    servers = {name: serve(tmp / name) for name in ("checked", "mathjax")}
    print(
        f"\n{'page':<16} {'KaTeX ms':>9} {'MathJax ms':>11} {'ratio':>6}   "
        f"{'KaTeX kB':>9} {'MathJax kB':>11} {'ratio':>6}"
    )
    ratios_t, ratios_b = [], []
    for page in PAGES:
        got = {}
        for name, (base, _) in servers.items():
            runs = [measure(driver, base + page) for _ in range(3)]
            got[name] = (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))
        (kt, kb), (mt, mb) = got["checked"], got["mathjax"]
        ratios_t.append(kt / mt)
        ratios_b.append(kb / mb)
        print(
            f"{page or 'home':<16} {kt:9.0f} {mt:11.0f} {kt / mt:6.2f}   "
            f"{kb / 1000:9.0f} {mb / 1000:11.0f} {kb / mb:6.2f}"
        )
    print(
        f"\nKaTeX / MathJax, geometric mean over {len(PAGES)} pages: time to math rendered "
        f"{statistics.geometric_mean(ratios_t):.2f}, bytes transferred {statistics.geometric_mean(ratios_b):.2f}"
    )
    driver.quit()
    for _, httpd in servers.values():
        httpd.shutdown()


if __name__ == "__main__":
    main()
