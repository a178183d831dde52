"""The strict MkDocs build: it must pass on the real pages and fail on a planted error.

These run the real ``mkdocs build --strict`` in a subprocess, as CI and a contributor do.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import DOCS, ROOT, mkdocs_build, site_report

pytestmark = pytest.mark.build


def test_no_page_loads_anything_from_another_host(built: Path) -> None:
    # <link rel="canonical"> names the page's address; it loads nothing.
    external = re.compile(
        r"<(?:script|link(?![^>]*rel=\"canonical\")|img|iframe|source)\b[^>]*\b(?:src|href)=\"(?:https?:)?//",
        re.IGNORECASE,
    )
    offenders = {p.relative_to(built).as_posix(): external.findall(p.read_text()) for p in built.rglob("*.html")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_script_fetches_code_from_another_host(built: Path) -> None:
    for page in built.rglob("*.html"):
        for script in re.findall(r"<script\b[^>]*>(.*?)</script>", page.read_text(), re.DOTALL):
            assert not re.search(r"(import\(|src\s*=\s*)[\"'`](https?:)?//", script), (page, script[:300])


def test_notebook_page_has_no_cdn_mathjax_and_keeps_its_math(built: Path) -> None:
    html = (built / "a2/worked-example-notebook/index.html").read_text()
    assert "mathjax" not in html.lower() and "cdnjs" not in html
    assert r"\tfrac12\lVert f_a - f_p\rVert^2" in html  # left for KaTeX to render in the browser


def test_every_claim_on_a_page_carries_its_status_mark(built: Path) -> None:
    report = site_report()
    for page, occurrences in report.occurrences.items():
        html = (built / page.removesuffix(".md").removesuffix("index") / "index.html").read_text()
        for occ in occurrences:
            r = next(r for r in report.results if r.claim_id == occ.id)
            assert re.search(rf'class="claim-mark claim-{r.status}" id="claim-{re.escape(occ.id)}"', html), (
                page,
                occ.id,
            )
        assert "[[" not in re.sub(r"<(pre|code)\b.*?</\1>", "", html, flags=re.DOTALL), (
            f"{page}: an unrendered claim marker"
        )


def test_verification_page_lists_every_claim(built: Path) -> None:
    html = (built / "verification/index.html").read_text()
    for r in site_report().results:
        assert f"<code>{r.claim_id}</code>" in html, r.claim_id
    assert "FAILING" not in html


def test_home_page_shows_the_totals(built: Path) -> None:
    counts = site_report().counts()
    html = (built / "index.html").read_text()
    assert f"<strong>{sum(counts.values())}</strong> claims" in html
    assert f"<strong>{counts['verified']}</strong> verified" in html


@pytest.fixture(scope="module")
def planted_build(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """A copy of the project with a wrong claim, an unchecked number, a link to a missing page and one to a
    missing heading."""
    project = tmp_path_factory.mktemp("planted")
    for name in ("mkdocs.yml", "hooks", "overrides", "sources"):  # sources: the texts that pages quote
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, project / name)
    for watched in ("solutions", "results"):  # named under `watch:`
        (project / watched).symlink_to(ROOT / watched)
    shutil.copytree(DOCS, project / "docs", ignore=shutil.ignore_patterns("katex.tmp", "pyodide.tmp"))
    page = project / "docs/a2/part2.md"
    page.write_text(page.read_text().replace("[[?a2.q5.t3.dL_df6: $f_2 - f_6$]]", "[[?a2.q5.t3.dL_df6: $f_6 - f_2$]]"))
    q6 = project / "docs/hw2/q6.md"
    q6.write_text(q6.read_text().replace("- **Shuffle the training set.**", "- **Shuffle the training set 3 times.**"))
    q3 = project / "docs/hw2/q3.md"
    q3.write_text(
        q3.read_text() + "\nSee [the missing page](no-such-page.md) and [a missing heading](q4.md#no-such-heading).\n"
    )
    return mkdocs_build(project, project / "site")


def test_strict_build_fails_on_a_planted_error(planted_build: subprocess.CompletedProcess[str]) -> None:
    assert planted_build.returncode != 0
    err = planted_build.stderr
    assert "docs/a2/part2.md:" in err and "claim a2.q5.t3.dL_df6 is wrong" in err
    assert "page - truth = -2·f_2 + 2·f_6" in err


def test_strict_build_fails_on_an_unchecked_number(planted_build: subprocess.CompletedProcess[str]) -> None:
    assert planted_build.returncode != 0
    line = (DOCS / "hw2/q6.md").read_text().split("- **Shuffle the training set.**")[0].count("\n") + 1
    assert f"docs/hw2/q6.md:{line}: the number '3' is not checked: make it a claim" in planted_build.stderr


def test_strict_build_fails_on_a_broken_link_or_anchor(planted_build: subprocess.CompletedProcess[str]) -> None:
    assert planted_build.returncode != 0
    err = planted_build.stderr
    assert "hw2/q3.md" in err and "no-such-page.md" in err
    assert "q4.md#no-such-heading" in err


def test_every_internal_link_and_anchor_resolves(built: Path) -> None:
    """mkdocs validates Markdown links; this also covers raw HTML (status marks) and notebook pages."""
    ids: dict[Path, set[str]] = {}

    def anchors(page: Path) -> set[str]:
        if page not in ids:
            ids[page] = set(re.findall(r'\b(?:id|name)="([^"]+)"', page.read_text()))
        return ids[page]

    broken = []
    for page in built.rglob("*.html"):
        if page.name == "404.html":  # Material's 404 page links by absolute URL, by design
            continue
        for href in re.findall(r'<a\b[^>]*\bhref="([^"]+)"', page.read_text()):
            if re.match(r"^[a-z]+:", href):  # http:, mailto:, ...
                continue
            path, _, frag = href.partition("#")
            target = (page.parent / path).resolve() if path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(built)}: {href} (no such file)")
            elif frag and target.suffix == ".html" and frag not in anchors(target):
                broken.append(f"{page.relative_to(built)}: {href} (no such anchor)")
    assert broken == []


def _snippet_build(tmp_path: Path, line: str) -> subprocess.CompletedProcess[str]:
    """A one-page site with the real site's snippet settings (from mkdocs.yml), whose page includes ``line``."""
    from mkdocs.utils.yaml import yaml_load

    with open(ROOT / "mkdocs.yml", encoding="utf-8") as f:
        extensions = yaml_load(f)["markdown_extensions"]
    (snippets,) = [e for e in extensions if isinstance(e, dict) and "pymdownx.snippets" in e]
    project = tmp_path / "project"
    (project / "docs").mkdir(parents=True)
    (project / "solutions").symlink_to(ROOT / "solutions")
    (project / "secret.txt").write_text("token: do-not-publish\n", encoding="utf-8")
    (project / "docs" / "index.md").write_text(f"# Page\n\n{line}\n", encoding="utf-8")
    config = {"site_name": "snippets", "markdown_extensions": [snippets]}
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return mkdocs_build(project, project / "site")


@pytest.mark.build
@pytest.mark.parametrize("path", ["secret.txt", "../secret.txt", "../../mkdocs.yml", str(ROOT / ".git" / "config")])
def test_a_snippet_from_outside_the_code_and_docs_fails_the_build(tmp_path: Path, path: str) -> None:
    run = _snippet_build(tmp_path, f'--8<-- "{path}"')
    assert run.returncode != 0 and "do-not-publish" not in run.stdout + run.stderr
    assert "Snippet" in run.stderr and "could not be found" in run.stderr


@pytest.mark.build
def test_a_code_listing_from_the_solutions_is_included(tmp_path: Path) -> None:
    run = _snippet_build(tmp_path, '--8<-- "hw2/q2/style.py:losses"')
    assert run.returncode == 0, run.stderr[-2000:]
    assert "def content_loss" in (tmp_path / "project" / "site" / "index.html").read_text(encoding="utf-8")


def _one_page_build(tmp_path: Path, page: str, extra: dict | None = None) -> subprocess.CompletedProcess[str]:
    """A one-page site with the claims plugin and the real site's Markdown extensions; its course
    declares one claim, ``tiny.answer`` (36), so the page may show one engine-rendered mark."""
    from mkdocs.utils.yaml import yaml_load

    with open(ROOT / "mkdocs.yml", encoding="utf-8") as f:
        real = yaml_load(f)
    project = tmp_path / "project"
    (project / "docs").mkdir(parents=True, exist_ok=True)
    (project / "tiny").mkdir()
    (project / "tiny" / "__init__.py").write_text("", encoding="utf-8")
    (project / "tiny" / "tiny_claims.py").write_text(
        'from solutions.engine import Integer, claim\n\n\nclaim("tiny.answer", Integer(), "a constant")(lambda: 36)\n',
        encoding="utf-8",
    )
    (project / "solutions").symlink_to(ROOT / "solutions")
    (project / "docs" / "index.md").write_text(page, encoding="utf-8")
    config = {
        "site_name": "one page",
        "plugins": [{"claims": {"packages": ["tiny"], "workers": 1}}],
        "markdown_extensions": [e for e in real["markdown_extensions"] if "pymdownx.snippets" not in str(e)],
        **(extra or {}),
    }
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return mkdocs_build(project, project / "site")


# Each hostile construct, written on line 5 of a page under a real claim, and what the refusal says (no digits:
# an unchecked number on a page is refused by another check).
HOSTILE = [
    ('<img src="x" /onerror="document.title=x">', '<img onerror="document.title=x">', "an event handler"),
    ("<IMG SRC=x ONLOAD=alert(x)>", '<img onload="alert(x)">', "an event handler"),
    ("<img src=x\tonerror=alert(x)>", '<img onerror="alert(x)">', "an event handler"),
    ("<script>document.title = 'x'</script>", "<script>", "a script runs code"),
    ('<iframe srcdoc="<script>alert(x)</script>"></iframe>', "<iframe>", "embeds another document"),
    ('<object data="x.swf"></object>', "<object>", "embeds another document"),
    ('<form data-answer-for="tiny.answer"><input name="q"></form>', "<form>", "a form or control"),
    ("<style>.x { color: green }</style>", "<style>", "a style sheet"),
    ('<span style="color:green">✓</span>', '<span style="color:green">', "an inline style"),
    ('<a href="java&#x09;script:alert(x)">x</a>', "javascript: URL", "could run code"),
    ('<a href="data:text/html,x">x</a>', "data: URL", "could run code"),
    ('<base href="https://evil.example/">', "<base>", "changes where the page loads from"),
    ('<meta http-equiv="refresh" content="x">', "<meta>", "changes where the page loads from"),
    ("<svg><script>alert(x)</script></svg>", "<svg:svg>", "SVG and MathML"),
    ('<a class="claim-mark claim-verified" href="#">✓</a>', "class claim-mark", "a page may not write it"),
    ("<span class='&#99;laim-verified'>yes</span>", "class claim-verified", "a page may not write it"),
    ('<div id="claim-tiny.answer">yes</div>', "id claim-tiny.answer", "a page may not write it"),
    ('<div class="claim-display" markdown>$$x$$</div>', "class claim-display", "a page may not write it"),
    ('<span data-verdict="right">✓</span>', "data-verdict", "a page may not write it"),
    ('<span data-claims-engine="abcd">yes</span>', "data-claims-engine", "a page may not write it"),
    ('<img src="https://evil.example/x.png">', 'src="https://evil.example/x.png"', "loads a resource from another"),
    ('<img src="//evil.example/x.png">', 'src="//evil.example/x.png"', "loads a resource from another host"),
    ('<img src="a.png" srcset="https://evil.example/a.png">', "srcset", "does not take srcset"),
    ('<video poster="https://evil.example/p.png"></video>', "<video>", "not an element this site's Markdown"),
]


@pytest.mark.parametrize(("html", "what", "why"), HOSTILE)
def test_active_or_forged_html_on_a_page_stops_the_build_at_its_line(
    tmp_path: Path, html: str, what: str, why: str
) -> None:
    run = _one_page_build(tmp_path, f"# Page\n\nThere are [[tiny.answer: 36]] answers.\n\nSee this: {html}\n")
    assert run.returncode != 0
    errors = [ln for ln in run.stderr.splitlines() if "docs/index.md" in ln]
    assert len(errors) == 1 and "docs/index.md:5: " in errors[0], run.stderr[-2000:]
    assert what in errors[0] and why in errors[0], errors[0]
    assert "Traceback" not in run.stderr


def test_a_page_with_a_real_claim_and_ordinary_html_builds_without_the_nonce(tmp_path: Path) -> None:
    page = (
        "# Page\n\nThere are [[tiny.answer: 36]] answers, see [a link](https://example.com/) and "
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="dot">.\n\n'
        '!!! note "A note"\n    text with <abbr title="x">X</abbr>\n\n'
        '=== "One"\n    first\n=== "Two"\n    second\n\n'
        "```python\nanswer = y\n```\n"
    )
    run = _one_page_build(tmp_path, page)
    assert run.returncode == 0, run.stderr[-2000:]
    out = (tmp_path / "project" / "site" / "index.html").read_text(encoding="utf-8")
    assert out.count('class="claim-mark claim-verified"') == 1 and 'type="radio"' in out and '"__codelineno-0-1"' in out
    assert "data-claims-engine" not in out


def test_every_page_starts_its_head_with_a_policy_that_runs_only_the_sites_scripts(built: Path) -> None:
    import base64
    import hashlib

    import html5lib

    from solutions.engine.sanitize import notebook_template_parts

    notebook_template = {
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in notebook_template_parts()
    }
    for page in built.rglob("*.html"):
        doc = html5lib.parse(page.read_text(encoding="utf-8"), namespaceHTMLElements=False)
        head = doc.find("head")
        first = head[0]
        where = page.relative_to(built).as_posix()
        assert first.tag == "meta" and first.get("http-equiv") == "Content-Security-Policy", where
        policy = dict(d.strip().split(" ", 1) for d in first.get("content").split(";"))
        script_src = policy["script-src"].split()
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, where
        assert policy["object-src"] == "'none'" and policy["base-uri"] == "'self'", where
        assert policy["img-src"] == "'self' data:" and policy["connect-src"] == "'self'", where
        # Every inline script the browser will meet is allowed by its hash, and the policy allows no other.
        inline = [s.text or "" for s in doc.iter("script") if not s.get("src") and s.get("type") is None]
        hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in inline}
        # ... and the scripts of the notebook pages' template, which instant navigation runs on the page it leaves.
        assert set(script_src) - {"'self'"} - notebook_template == hashes - notebook_template, where
        assert hashes <= set(script_src), where


def test_a_script_in_a_pages_content_gets_no_hash(tmp_path: Path) -> None:
    """Should anything put a script into a page's content, the policy hashes only the theme's around it."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("site_hook", ROOT / "hooks/site.py")
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    content = "<p>x</p><script>document.title = 'page'</script>"
    output = f"<html><head><script>var theme = 1</script></head><body><article>{content}</article></body></html>"
    assert hook._template_scripts(output, content, "p.md", notebook=False) == ["var theme = 1"]


def _notebook_build(tmp_path: Path, cells: list[dict]) -> subprocess.CompletedProcess[str]:
    """A site of one page and one notebook (its outputs stored, not executed), with the real site's plugins."""
    import json

    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    extra = {"plugins": [{"claims": {"packages": ["tiny"], "workers": 1}}, {"mkdocs-jupyter": {"execute": False}}]}
    run_dir = tmp_path
    (run_dir / "project" / "docs").mkdir(parents=True)
    (run_dir / "project" / "docs" / "nb.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    return _one_page_build(run_dir, "# Page\n\nThere are [[tiny.answer: 36]] answers.\n", extra)


def _code(outputs: list[dict]) -> dict:
    return {"cell_type": "code", "metadata": {}, "source": "x", "execution_count": None, "outputs": outputs}


@pytest.mark.parametrize(
    ("cell", "what"),
    [
        ({"cell_type": "markdown", "metadata": {}, "source": "# T\n\n<img src=x onerror=alert(x)>"}, "onerror"),
        (
            _code([{"output_type": "display_data", "metadata": {}, "data": {"text/html": "<b onclick=x>b</b>"}}]),
            "onclick",
        ),
        (
            _code([{"output_type": "display_data", "metadata": {}, "data": {"application/javascript": "x()"}}]),
            "<script>",
        ),
        (
            _code([{"output_type": "display_data", "metadata": {}, "data": {"text/html": "<style>p{}</style>"}}]),
            "<style>",
        ),
    ],
)
def test_active_content_from_a_notebooks_cells_stops_the_build(tmp_path: Path, cell: dict, what: str) -> None:
    run = _notebook_build(tmp_path, [{"cell_type": "markdown", "metadata": {}, "source": "# Notebook"}, cell])
    assert run.returncode != 0
    errors = [ln for ln in run.stderr.splitlines() if ln.startswith("ERROR") and "docs/nb.ipynb" in ln]
    assert len(errors) == 1 and what in errors[0], run.stderr[-2000:]
    assert "Traceback" not in run.stderr


def test_a_notebook_with_its_templates_styles_and_plain_outputs_builds(tmp_path: Path) -> None:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": "# Notebook\n\nSome *text*."},
        _code([{"output_type": "stream", "name": "stdout", "text": "<script>shown as text</script>\n"}]),
    ]
    run = _notebook_build(tmp_path, cells)
    assert run.returncode == 0, run.stderr[-2000:]
    out = (tmp_path / "project" / "site" / "nb" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;shown as text" in out and "<style" in out
