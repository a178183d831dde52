# Two commands do everything on a fresh machine (see README):
#   make serve   build the verified site (strict) and serve it on http://127.0.0.1:8000
#   make test    run the tests on every core, the strict site build included (all but the `slow` ones)
# Each creates the virtual environment in .venv on first use.  `make test-slow` runs the slow tests
# (every recorded run's fingerprint recomputed); CI runs both (.ci/run).  `make check`: only what a
# working-tree change touches, in seconds.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
KATEX_VERSION := 0.16.25
KATEX_SHA256 := 02d90b1189affc2db16cda01dda5c9fbb7a9fc3767dae0ef542560a7f16c642f
KATEX_DIR := docs/assets/katex
PYODIDE_DIR := docs/assets/pyodide
# Where this machine keeps its local CPU build of torch (ignored where absent).
LOCAL_WHEELS ?= /opt/wheels
FIND_LINKS := $(if $(wildcard $(LOCAL_WHEELS)),--find-links $(LOCAL_WHEELS))
PIP_INSTALL := $(PY) -m pip install --disable-pip-version-check $(FIND_LINKS)
# The installer: uv (pinned; pip installs it into the new venv first), which reads requirements.lock as pip does
# and installs the same versions in a fraction of the time.  uv does not read pip's configuration: the local
# wheels are passed to it here, and in CI PyTorch's CPU index as UV_EXTRA_INDEX_URL.  Where uv cannot be had
# (no PyPI), pip installs everything.  INSTALLER=pip forces pip.
UV_VERSION := 0.13.9
INSTALLER ?= uv
# pytest: one worker per core (pytest-xdist), each test file on one worker (--dist loadfile), so that a module's
# expensive fixtures (a planted site build, Chromium, trained runs) are set up once.  (xdist 3.8's loadgroup
# does not group under pytest 9.2: it renames items by an attribute pytest no longer reads.)
# --no-loadscope-reorder: the files in the order tests/conftest.py gives them (the longest first), not xdist's
# (the most tests first).
PYTEST_PARALLEL ?= -n auto --dist loadfile --no-loadscope-reorder

.PHONY: serve test test-slow check build env katex lock clean browser screenshots

serve: env
	$(VENV)/bin/mkdocs serve --strict --dev-addr 127.0.0.1:8000

test: env browser
	$(VENV)/bin/pre-commit run --all-files --show-diff-on-failure
	$(PY) -m pytest $(PYTEST_PARALLEL) -m "not slow"

# The slow tests `make test` leaves out (every recorded run's fingerprint recomputed); CI runs them after it.
test-slow: env
	$(PY) -m pytest $(PYTEST_PARALLEL) -m slow

# Only what the working tree changes since the last commit: the claims of changed pages and of the claims
# modules a changed module reaches, the runs' claims of a changed results file, and the page checks.
check: env
	$(PY) -m solutions verify --changed

build: env
	$(VENV)/bin/mkdocs build --strict

env: $(VENV)/.installed $(KATEX_DIR)/katex.min.js $(PYODIDE_DIR)/VERSION

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@if [ "$(INSTALLER)" = uv ] && $(PIP_INSTALL) -q uv==$(UV_VERSION); then \
	  echo "installing with uv $(UV_VERSION) (requirements.lock)"; \
	  $(VENV)/bin/uv pip install --compile-bytecode --python $(PY) $(FIND_LINKS) -c requirements.lock -e '.[test]'; \
	else \
	  echo "installing with pip (requirements.lock)"; \
	  $(PIP_INSTALL) --progress-bar on -c requirements.lock -e '.[test]'; \
	fi
	touch $@

# KaTeX is served from the site itself (no CDN): fetched from the npm registry
# with npm's own client, checked against a pinned checksum, unpacked into docs/.
$(KATEX_DIR)/katex.min.js:
	$(PYTHON) scripts/fetch_katex.py $(KATEX_VERSION) $(KATEX_SHA256) $(KATEX_DIR)

# The in-page answer checker runs the engine in the reader's browser on Pyodide, served from the site:
# Pyodide from the npm registry and the sympy and mpmath wheels from PyPI, each pinned and checked against
# its sha256, compiled to bytecode by that Pyodide under Node.js (scripts/fetch_pyodide.py).
$(PYODIDE_DIR)/VERSION: scripts/fetch_pyodide.py | $(VENV)/.installed
	$(PY) scripts/fetch_pyodide.py $(PYODIDE_DIR)

# The browser test (tests/test_browser.py) drives Debian's chromium; installed here where we may (root with
# apt-get), else the test is skipped with its reason, except under CI=true where it fails.  Another
# Chromium-based browser and its driver: CHROMIUM=... CHROMEDRIVER=... make test.
CHROMIUM ?= /usr/bin/chromium
CHROMEDRIVER ?= /usr/bin/chromedriver
export CHROMIUM CHROMEDRIVER
browser:
	@if [ -x "$(CHROMIUM)" ] && [ -x "$(CHROMEDRIVER)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Debian's chromium and chromium-driver for the browser test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "note: no $(CHROMIUM) and $(CHROMEDRIVER), and no root apt-get: the browser test will be skipped"; fi

# Full-page screenshots of every page, light and dark, into screenshots/ (for review; ignored by git).
screenshots: env browser
	SCREENSHOTS=1 $(PY) -m pytest tests/test_browser.py -k every_page

lock: $(VENV)/.installed
	( echo '# Frozen by make lock: the exact versions every machine installs (a pip constraints file).'; \
	  $(PY) -m pip freeze --exclude-editable --exclude solutions --exclude uv | sed "s/+cpu$$//" ) > requirements.lock

clean:
	rm -rf $(VENV) site $(KATEX_DIR) $(PYODIDE_DIR)
