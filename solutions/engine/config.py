"""The engine's settings: which packages hold a course's claims, the time limit, workers, listings.

One schema (:class:`ClaimsConfig`, MkDocs' typed ``config_options``) serves the plugin, which
MkDocs configures from ``plugins: - claims:`` in ``mkdocs.yml``, and the command line, which
reads the same entry from the same file (:func:`from_mkdocs_yml`), so the two cannot disagree.
What the engine does with them is carried in a :class:`Settings` value, plain data that
travels to the checking process; nothing about a course is written in the engine's code.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c

from .checks import DEFAULT_TIME_LIMIT_S, TRUTH_FACTOR
from .registry import DEFAULT_IMPORT_LIMIT_S

PLUGIN_NAME = "claims"  # the entry point's name under mkdocs.plugins (pyproject.toml)
MAX_WORKERS = 4


class ConfigError(ValueError):
    """The ``claims`` entry of mkdocs.yml is missing or wrong; the message names the file and the option."""


class ClaimsConfig(base.Config):
    """``plugins: - claims: {packages: [...], time_limit: 5, import_limit: 60, workers: 0, listings: checks, ...}``."""

    packages = c.ListOfItems(c.Type(str), default=[])  # importable packages searched for *_claims modules
    time_limit = c.Type((int, float), default=DEFAULT_TIME_LIMIT_S)  # seconds to compare a page value with its truth
    # Seconds to import one *_claims module (some import torch); a module that takes longer stops the build, named.
    import_limit = c.Type((int, float), default=DEFAULT_IMPORT_LIMIT_S)
    workers = c.Type(int, default=0)  # checking processes; 0: one per core, at most MAX_WORKERS
    listings = c.Type(str, default="checks")  # the docs folder of the generated check listings
    # The course's command line, for the pages' "check it with ..." lines (`check` and `verify` are its commands).
    command = c.Type(str, default="")
    # The folder (from the project root) of the texts that pages quote: a `quote NAME:` context declaration must
    # be found, whitespace aside, in its file NAME.md there.
    sources = c.Type(str, default="sources")


@dataclass(frozen=True)
class Settings:
    """What the engine needs to know about a course, as plain data."""

    packages: tuple[str, ...]
    root: Path  # the project root: sources are shown relative to it; the checking process runs there
    time_limit: float = DEFAULT_TIME_LIMIT_S
    workers: int = 0
    listings: str = "checks"
    command: str = ""  # the course's command line, e.g. "python -m course"
    import_limit: float = DEFAULT_IMPORT_LIMIT_S  # CPU seconds to import one claims module (3x that on the clock)
    sources: str = "sources"  # the folder, from the root, of the texts pages quote (context `quote NAME:`)

    @property
    def truth_time_limit(self) -> float:
        """A claim's own computation (a forward pass, an enumeration) may take longer than a comparison."""
        return self.time_limit * TRUTH_FACTOR

    def worker_count(self) -> int:
        """``workers``, or one per core this process may use, at most :data:`MAX_WORKERS`."""
        if self.workers > 0:
            return self.workers
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        return max(1, min(MAX_WORKERS, cores))

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "root": str(self.root), "packages": list(self.packages)})

    @classmethod
    def from_json(cls, text: str) -> Settings:
        d = json.loads(text)
        return cls(**{**d, "root": Path(d["root"]), "packages": tuple(d["packages"])})


def settings_from(config: ClaimsConfig, root: Path, where: str) -> Settings:
    """Validated settings from a loaded ``claims`` entry (``where`` names the file, for messages)."""
    if not config.packages:
        raise ConfigError(f"{where}: the claims plugin needs `packages:`, the packages that hold the *_claims modules")
    if config.time_limit <= 0:
        raise ConfigError(f"{where}: claims `time_limit` must be a positive number of seconds, not {config.time_limit}")
    if isinstance(config.import_limit, bool) or config.import_limit <= 0:
        raise ConfigError(
            f"{where}: claims `import_limit` must be a positive number of seconds, not {config.import_limit}"
        )
    if config.workers < 0:
        raise ConfigError(f"{where}: claims `workers` must be 0 (one per core) or more, not {config.workers}")
    listings = config.listings.strip("/")
    if not listings or ".." in Path(listings).parts:
        raise ConfigError(
            f"{where}: claims `listings` must be a folder inside the docs folder, not {config.listings!r}"
        )
    from .registry import claims_modules

    try:
        claims_modules(config.packages)  # found by file name: nothing of the course is imported here
    except ValueError as err:
        raise ConfigError(f"{where}: {err}") from None
    command = " ".join(config.command.split()) or f"python -m {config.packages[0]}"
    return Settings(
        tuple(config.packages),
        root.resolve(),
        float(config.time_limit),
        config.workers,
        listings,
        command,
        float(config.import_limit),
        config.sources.strip("/") or "sources",
    )


def _read(path: Path) -> dict:
    """An mkdocs.yml as a mapping, or a ConfigError naming the file."""
    from mkdocs.utils.yaml import yaml_load  # MkDocs' loader: it understands the file's !ENV tags

    try:
        with open(path, encoding="utf-8") as f:
            raw = yaml_load(f) or {}
    except OSError as err:
        raise ConfigError(f"{path}: cannot read it ({err.strerror}); run from the project's root") from None
    except Exception as err:  # noqa: BLE001 - yaml's errors have many types; each is a broken file
        raise ConfigError(f"{path}: not valid YAML: {err}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: not a MkDocs configuration (its top level is not a mapping of options)")
    return raw


def _entry(raw: dict, path: Path) -> dict:
    """The ``claims`` entry of ``plugins:``, in either of the forms MkDocs accepts (a list, or a mapping)."""
    plugins = raw.get("plugins") or []
    items = [{k: v} for k, v in plugins.items()] if isinstance(plugins, dict) else plugins
    if not isinstance(items, list):
        raise ConfigError(f"{path}: `plugins:` must be a list or a mapping")
    for item in items:
        if item == PLUGIN_NAME:
            return {}
        if isinstance(item, dict) and PLUGIN_NAME in item:
            entry = item[PLUGIN_NAME] or {}
            if not isinstance(entry, dict):
                raise ConfigError(f"{path}: the `{PLUGIN_NAME}` plugin's options must be a mapping, not {entry!r}")
            return entry
    raise ConfigError(f"{path}: no `{PLUGIN_NAME}` entry under `plugins:`")


def from_mkdocs_yml(path: Path) -> Settings:
    """The settings of the ``claims`` plugin entry in an mkdocs.yml, checked by the plugin's own schema."""
    from mkdocs.exceptions import ConfigurationError

    raw = _read(path)
    config = ClaimsConfig(config_file_path=str(path))
    try:
        config.load_dict(_entry(raw, path))
        errors, warnings = config.validate()
    except ConfigurationError as err:
        raise ConfigError(f"{path}: claims options: {err}") from None
    for name, err in [*errors, *warnings]:  # a strict build fails on a warning (an unknown option) too
        raise ConfigError(f"{path}: claims option `{name}`: {err}")
    return settings_from(config, Path(path).resolve().parent, str(path))


def docs_dir_in(path: Path) -> Path:
    """The docs folder an mkdocs.yml names (``docs_dir``, default ``docs``), beside the file."""
    docs = _read(path).get("docs_dir") or "docs"
    return (Path(path).resolve().parent / str(docs)).resolve()
