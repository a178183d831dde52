# Two commands do everything on a fresh machine (see README):
#   make serve   build the verified site (strict) and serve it on http://127.0.0.1:8000
#   make test    run every test, the strict site build included
# Each creates the virtual environment in .venv on first use.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
KATEX_VERSION := 0.16.25
KATEX_SHA256 := 02d90b1189affc2db16cda01dda5c9fbb7a9fc3767dae0ef542560a7f16c642f
KATEX_DIR := docs/assets/katex
PYODIDE_DIR := docs/assets/pyodide
# Where this machine keeps its local CPU build of torch (ignored where absent).
LOCAL_WHEELS ?= /opt/wheels
PIP_INSTALL := $(PY) -m pip install --disable-pip-version-check -q $(if $(wildcard $(LOCAL_WHEELS)),--find-links $(LOCAL_WHEELS))

.PHONY: serve test build env katex lock clean browser screenshots

serve: env
	$(VENV)/bin/mkdocs serve --strict --dev-addr 127.0.0.1:8000

test: env browser
	$(VENV)/bin/pre-commit run --all-files --show-diff-on-failure
	$(PY) -m pytest

build: env
	$(VENV)/bin/mkdocs build --strict

env: $(VENV)/.installed $(KATEX_DIR)/katex.min.js $(PYODIDE_DIR)/VERSION

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -c requirements.lock -e '.[test]'
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
	  $(PY) -m pip freeze --exclude-editable --exclude solutions | sed "s/+cpu$$//" ) > requirements.lock

clean:
	rm -rf $(VENV) site $(KATEX_DIR) $(PYODIDE_DIR)
