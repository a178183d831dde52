"""The claims plugin's own logic, and the site's hook (the full build is tested in test_site_build.py)."""

from __future__ import annotations

import importlib.util
import re
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from solutions.engine import background, pages, render
from solutions.engine.config import ClaimsConfig
from solutions.engine.plugin import ClaimsPlugin, _Build
from solutions.engine.verdicts import FAILED, Report, Result
from tests.conftest import ROOT, SETTINGS

spec = importlib.util.spec_from_file_location("site_hook", ROOT / "hooks" / "site.py")
hook = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hook)  # type: ignore[union-attr]

NOTEBOOK_HTML = """<div>before</div>
<!-- Load mathjax -->
    <script src="https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/latest.js?config=TeX-AMS_CHTML-full,Safe">
    </script>
    <script type="text/x-mathjax-config">init_mathjax = function() {};</script>
    <!-- End of mathjax configuration -->
<script type="module">
  document.addEventListener("DOMContentLoaded", async () => {
    const mermaid = (await import("https://cdnjs.cloudflare.com/ajax/libs/mermaid/11/mermaid.esm.min.mjs")).default;
  });
</script>
<script>keep_me()</script>
<div>after $x$</div>"""


def test_cdn_scripts_are_removed_from_notebook_pages_only() -> None:
    page = f"<html><head></head><body>{NOTEBOOK_HTML}</body></html>"
    nb = SimpleNamespace(file=SimpleNamespace(src_uri="a2/n.ipynb"), content=NOTEBOOK_HTML)
    out = hook.on_post_page(page, nb, {})
    assert "cdnjs" not in out and "mathjax" not in out
    assert "<script>keep_me()</script>" in out and "before" in out and "after $x$" in out
    md = SimpleNamespace(file=SimpleNamespace(src_uri="a2/p.md"), content=NOTEBOOK_HTML)
    policy = re.compile(r'\s*<meta http-equiv="Content-Security-Policy" content="[^"]*">')
    assert policy.sub("", hook.on_post_page(page, md, {})) == page  # the policy, and nothing else


def test_missing_katex_stops_the_build_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(PluginError, match="make env"):
        hook.on_config({"docs_dir": str(tmp_path)})


class _Finished:
    """Stands in for a checking process that has finished."""

    def __init__(self, check: background.SiteCheck) -> None:
        self.check = check

    def result(self) -> background.SiteCheck:
        return self.check

    def cancel(self) -> None:
        pass


def _checked(*results: Result) -> background.SiteCheck:
    return background.SiteCheck(Report(list(results)), {}, {}, 0.0)


def _plugin(command: str, running: object) -> ClaimsPlugin:
    """A plugin in the state on_config leaves it in, with a checking process given by the test."""
    plugin = ClaimsPlugin()
    plugin.command = command
    plugin.build = _Build(SETTINGS, background, render, pages, running, set(background.generated_pages(SETTINGS)))
    return plugin


def test_a_failed_claim_aborts_even_a_non_strict_build() -> None:
    failed = Result("a.b.c", FAILED, "integer", "docs/p.md", 3, message="docs/p.md:3: claim a.b.c is wrong.")
    with pytest.raises(PluginError, match="1 claim"):
        _plugin("build", _Finished(_checked(failed))).on_post_build(config={})
    _plugin("serve", _Finished(_checked(failed))).on_post_build(config={})  # while serving, the page shows it instead


def test_a_build_whose_pages_show_no_claim_still_waits_for_the_verdicts() -> None:
    """on_post_build asks for the verdicts itself: no page may skip judging (a check whose claim vanished fails)."""
    vanished = Result(
        "a.b.gone", FAILED, "integer", message="x/x_claims.py:3: the check for claim a.b.gone exists, ..."
    )
    with pytest.raises(PluginError, match="1 claim"):
        _plugin("build", _Finished(_checked(vanished))).on_post_build(config={})


def test_a_checking_process_that_stops_fails_the_build_with_its_reason(tmp_path: Path) -> None:
    running = background.start(tmp_path / "no-such-docs", SETTINGS)
    with pytest.raises(PluginError, match=r"no-such-docs: not a folder") as err:
        _plugin("build", running).on_post_build(config={})
    assert "exit status 2" in str(err.value)


def test_two_builds_share_no_state() -> None:
    """Each plugin instance keeps its own build; nothing module-level carries a verdict from one to the next."""
    failed = Result("a.b.c", FAILED, "integer", "docs/p.md", 3, message="docs/p.md:3: claim a.b.c is wrong.")
    broken, fine = _plugin("build", _Finished(_checked(failed))), _plugin("build", _Finished(_checked()))
    fine.on_post_build(config={})
    with pytest.raises(PluginError):
        broken.on_post_build(config={})
    with pytest.raises(PluginError, match="not configured"):
        ClaimsPlugin()._check()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "needs `packages:`"),
        ({"packages": ["solutions"], "time_limit": 0}, "time_limit"),
        ({"packages": ["solutions"], "workers": -1}, "workers"),
        ({"packages": ["solutions"], "listings": "../out"}, "listings"),
    ],
)
def test_a_wrong_plugin_option_stops_the_build_naming_it(tmp_path: Path, options: dict, message: str) -> None:
    plugin = ClaimsPlugin()
    plugin.config = ClaimsConfig()
    plugin.config.load_dict(options)
    assert plugin.config.validate() == ([], [])
    with pytest.raises(PluginError, match=message):
        plugin.on_config({"config_file_path": str(tmp_path / "mkdocs.yml"), "docs_dir": str(tmp_path)})


class _Notebook(File):
    """What mkdocs-jupyter makes of a notebook: a documentation page."""

    def is_documentation_page(self) -> bool:
        return True


class _Config(dict):
    """The two faces of a MkDocs config (items and attributes), enough for on_files."""

    __getattr__ = dict.__getitem__


def test_pages_that_show_no_claim_are_built_first(tmp_path: Path) -> None:
    """MkDocs executes the notebook while the checks run; the pages that need the verdicts come after."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("<!-- claims:summary -->\n", encoding="utf-8")
    (docs / "a.md").write_text("there are [[a.b.c: 36]] triplets\n", encoding="utf-8")
    (docs / "b.md").write_text("no claim here\n", encoding="utf-8")
    (docs / "n.ipynb").write_text("{}", encoding="utf-8")
    (docs / "broken.md").write_text("[[a.b.d: ]]\n", encoding="utf-8")
    config = _Config(
        docs_dir=str(docs),
        use_directory_urls=True,
        site_dir=str(tmp_path / "site"),
        plugins=SimpleNamespace(_current_plugin="claims"),
    )
    files = Files(
        [
            (_Notebook if p.endswith(".ipynb") else File)(p, str(docs), str(tmp_path / "site"), True)
            for p in ("index.md", "a.md", "b.md", "n.ipynb", "broken.md")
        ]
    )
    out = _plugin("build", _Finished(_checked())).on_files(files, config=config)
    order = [f.src_uri for f in out.documentation_pages()]
    assert order[:2] == ["b.md", "n.ipynb"]
    assert set(order[2:5]) == {"index.md", "a.md", "broken.md"}
    assert order[5:] == sorted(background.generated_pages(SETTINGS))


def test_mkdocs_yml_enables_the_engine_as_a_plugin_from_its_entry_point() -> None:
    from importlib.metadata import entry_points

    from mkdocs.config import load_config

    (claims,) = [e for e in entry_points(group="mkdocs.plugins") if e.name == "claims"]
    assert claims.load() is ClaimsPlugin
    config = load_config(str(ROOT / "mkdocs.yml"))
    plugin = config.plugins["claims"]
    assert isinstance(plugin, ClaimsPlugin) and plugin.config.packages == ["solutions"]
    assert all("claims" not in str(h) for h in config["hooks"])  # the engine is not a hook any more


def test_the_command_line_reads_the_same_settings_as_the_plugin(tmp_path: Path) -> None:
    from solutions.engine.config import ConfigError, from_mkdocs_yml

    assert SETTINGS.packages == ("solutions",) and SETTINGS.root == ROOT and SETTINGS.listings == "checks"
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: x\nplugins:\n  - claims:\n      packages: [a, b]\n      workers: two\n"
    )
    with pytest.raises(ConfigError, match=r"mkdocs.yml: claims option `workers`"):
        from_mkdocs_yml(tmp_path / "mkdocs.yml")
    (tmp_path / "mkdocs.yml").write_text("site_name: x\nplugins:\n  - search\n")
    with pytest.raises(ConfigError, match="no `claims` entry"):
        from_mkdocs_yml(tmp_path / "mkdocs.yml")
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: x\nplugins:\n  - claims:\n      packages: [solutions, tests]\n      time_limit: 2\n"
    )
    settings = from_mkdocs_yml(tmp_path / "mkdocs.yml")
    assert (
        settings.packages == ("solutions", "tests")
        and settings.time_limit == 2.0
        and settings.root == tmp_path.resolve()
    )


def test_serve_renders_each_rebuild_with_the_engine_as_it_is_on_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under `mkdocs serve` a rebuild imports the engine's modules afresh when a file of the engine changed (a fix
    shows at once), and keeps them (with their caches) while none did."""
    import sys

    from solutions.engine import plugin as plugin_module

    saved = {name: m for name, m in sys.modules.items() if name.startswith("solutions.engine")}
    try:
        plugin = ClaimsPlugin()
        plugin.command = "serve"
        first = plugin._engine()
        again = plugin._engine()
        assert all(a is b for a, b in zip(first, again, strict=True))  # the engine's files unchanged
        state = plugin_module._engine_state()
        monkeypatch.setattr(plugin_module, "_engine_state", lambda: state + "edited")  # as after an edit
        second = plugin._engine()
        assert all(a is not b for a, b in zip(first, second, strict=True))
        assert sys.modules["solutions.engine.render"] is second[1]
        plugin.command = "build"
        assert plugin._engine()[1] is second[1]  # a one-off build imports once
    finally:  # the other tests keep the engine they imported
        for name in [n for n in sys.modules if n.startswith("solutions.engine")]:
            del sys.modules[name]
        sys.modules.update(saved)
        for name, module in saved.items():  # and the package's attributes, which the fresh imports rebound
            parent, _, child = name.rpartition(".")
            if parent in saved:
                setattr(saved[parent], child, module)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- just\n- a list\n", "top level is not a mapping"),
        ("plugins:\n  - claims: [1, 2]\n", "options must be a mapping"),
        ("plugins:\n  - claims:\n      packages: [solutions]\n      bogus: 1\n", "claims option `bogus`"),
        ("plugins:\n  - claims:\n      packages: [no_such_package_here]\n", "is not an importable package"),
        ("plugins: {claims: {packages: [no_such.sub]}}\n", "is not an importable package"),
        ("plugins:\n  - claims:\n      packages: [solutions]\n  - search\n", ""),  # a valid entry
        ("plugins: {claims: {packages: [solutions]}, search: {}}\n", ""),  # MkDocs' mapping form
    ],
)
def test_every_wrong_configuration_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    from solutions.engine.config import ConfigError, from_mkdocs_yml

    (tmp_path / "mkdocs.yml").write_text("site_name: x\n" * text.startswith("plugins") + text)
    if not message:
        assert from_mkdocs_yml(tmp_path / "mkdocs.yml").packages == ("solutions",)
        return
    with pytest.raises(ConfigError, match=message) as err:
        from_mkdocs_yml(tmp_path / "mkdocs.yml")
    assert str(err.value).startswith(str(tmp_path / "mkdocs.yml"))


def test_two_modules_with_one_listing_stop_the_build(tmp_path: Path) -> None:
    from solutions.engine.render import listing_paths

    with pytest.raises(ValueError, match=r"x\.hw2\.q1_claims and x\.hw2\.q1\.q1_claims would both be listed"):
        listing_paths(["x.hw2.q1_claims", "x.hw2.q1.q1_claims"], replace(SETTINGS, packages=("x",)))


def test_the_claims_modules_are_found_without_importing_the_course() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from solutions.engine import background; from tests.conftest import SETTINGS; "
        "pages = background.generated_pages(SETTINGS); "
        "print(len(pages), sorted(m for m in sys.modules if m.startswith('solutions.') and "
        "not m.startswith('solutions.engine')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "9 []"  # eight listings and the Verification page; no course module imported


@pytest.mark.parametrize(
    "forged",
    [
        " and 37<a href='y' class='claim-mark claim-verified'>✓</a>",
        ' and 37<a class="&#99;laim-mark &#99;laim-verified">✓</a>',  # a character reference, as a browser decodes it
        ' and 37<span class="x claim-mark">✓</span>',
    ],
)
def test_a_page_shows_only_the_marks_the_engine_rendered(forged: str) -> None:
    """A mark that reached the HTML some other way (raw HTML in an included file) stops the build."""
    plugin = _plugin("build", _Finished(_checked()))
    plugin.build.marks["a2/p.md"] = 1
    page = SimpleNamespace(file=SimpleNamespace(src_uri="a2/p.md", generated_by=None))
    real = '36<a class="claim-mark claim-verified" id="claim-a.b.c" href="x">✓</a>'
    assert plugin.on_post_page(real, page=page, config={"docs_dir": "docs"}) == real
    forged = real + forged
    with pytest.raises(PluginError, match=r"docs/a2/p.md: the page shows 2 claim marks but the engine rendered 1"):
        plugin.on_post_page(forged, page=page, config={"docs_dir": "docs"})


def test_a_marker_that_reaches_the_html_unrendered_stops_the_build() -> None:
    plugin = _plugin("build", _Finished(_checked()))
    page = SimpleNamespace(file=SimpleNamespace(src_uri="a2/p.md", generated_by=None))
    shown_as_code = "<p>write <code>[[a2.q4.valid_triplets: 36]]</code></p><pre><code>[[x.y: 1]]</code></pre>"
    assert plugin.on_post_page(shown_as_code, page=page, config={"docs_dir": "docs"}) == shown_as_code
    with pytest.raises(PluginError, match=r"docs/a2/p.md: '.*\[\[a2.q4.valid_triplets: 36\]\]' reached the page"):
        plugin.on_post_page(
            "<p>there are [[a2.q4.valid_triplets: 36]] triplets</p>", page=page, config={"docs_dir": "docs"}
        )


@pytest.mark.parametrize(
    "text",
    ["<p>there are [[A2.Q4 : 36]] triplets</p>", "<p>&#91;&#91;a2.q4.valid_triplets: 37&#93;&#93;</p>", "<p>36]]</p>"],
)
def test_any_double_bracket_left_in_text_stops_the_build(text: str) -> None:
    plugin = _plugin("build", _Finished(_checked()))
    page = SimpleNamespace(file=SimpleNamespace(src_uri="a2/p.md", generated_by=None))
    with pytest.raises(PluginError, match="reached the page as text"):
        plugin.on_post_page(text, page=page, config={"docs_dir": "docs"})


def test_a_symbolic_link_in_the_docs_stops_the_build(tmp_path: Path) -> None:
    """A link could publish any file of the machine (a CI token in .git/config) as a page or an asset."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "leak.txt").symlink_to(ROOT / ".git" / "HEAD")
    plugin = ClaimsPlugin()
    plugin.config = ClaimsConfig()
    plugin.config.load_dict({"packages": ["solutions"]})
    plugin.config.validate()
    with pytest.raises(PluginError, match=r"leak\.txt: a symbolic link where pages are built from"):
        plugin.on_config({"config_file_path": str(ROOT / "mkdocs.yml"), "docs_dir": str(docs)})


class _Stopped:
    """Stands in for a checking process that stopped before its verdicts (a claims module that fails to import)."""

    def result(self) -> background.SiteCheck:
        raise background.CheckerFailed("course/x_claims.py:3: importing it raised NameError: name 'y' is not defined")

    def cancel(self) -> None:
        pass


def _one_page(tmp_path: Path, text: str) -> tuple[SimpleNamespace, Files, dict]:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "p.md").write_text(text, encoding="utf-8")
    config = _Config(
        docs_dir=str(docs),
        site_dir=str(tmp_path / "site"),
        use_directory_urls=True,
        plugins=SimpleNamespace(_current_plugin="claims"),
    )
    f = File("p.md", str(docs), str(tmp_path / "site"), True)
    files = Files([f, *(File.generated(config, p, content="") for p in background.generated_pages(SETTINGS))])
    return SimpleNamespace(file=f), files, config


def test_serve_without_verdicts_marks_every_claim_and_says_why_at_the_top(tmp_path: Path) -> None:
    """The checking process stopped: a build stops with its reason; `mkdocs serve` builds every page, each claim
    marked as not checked and the reason in the page's banner (the page keeps being served)."""
    text = "# P\n\nThere are [[a.b.c: 36]] triplets.\n"
    page, files, config = _one_page(tmp_path, text)
    with pytest.raises(PluginError, match=r"x_claims.py:3: importing it raised NameError"):
        _plugin("build", _Stopped()).on_page_markdown(text, page=page, config=config, files=files)
    plugin = _plugin("serve", _Stopped())
    out = plugin.on_page_markdown(text, page=page, config=config, files=files)
    assert "claim-failed" in out and "was not checked in this build: course/x_claims.py:3" in out
    verification = SimpleNamespace(file=files.get_file_from_path("verification.md"))
    assert "Not checked" in plugin.on_page_read_source(page=verification, config=config)
    shown = plugin.on_post_page("<body><article><p>There are</p></article></body>", page=page, config=config)
    assert shown.index("x_claims.py:3: importing it raised NameError") < shown.index("There are")


def test_serve_shows_a_refused_page_as_its_banner_only(tmp_path: Path) -> None:
    """Active content is never shown, not even by `mkdocs serve`: the page is replaced by the refusal."""
    page, files, config = _one_page(tmp_path, "# P\n\n<img src=x onerror=alert(1)>\n")
    page.file.generated_by = None
    bad = '<h1>P</h1><p><img src="x" onerror="alert(1)"></p>'
    with pytest.raises(PluginError, match=r"docs/p.md:3: .*event handler"):
        _plugin("build", _Finished(_checked())).on_page_content(bad, page=page, config=config, files=files)
    plugin = _plugin("serve", _Finished(_checked()))
    assert plugin.on_page_content(bad, page=page, config=config, files=files) == ""
    shown = plugin.on_post_page("<body><article></article></body>", page=page, config=config)
    assert "the page is not shown until it is fixed" in shown and "event handler runs code" in shown
