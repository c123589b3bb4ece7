# Two commands a newcomer needs: `make demo` and `make test`.
# Both create .venv with Python 3.11 and install the pinned set from constraints.txt.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast setup browser lock clean

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/lead-sla demo

# The whole suite, in parallel (one worker per core; a test file stays on one worker, so the
# session fixtures such as the Prefect harness and the published demo are built once per worker).
test: $(STAMP) browser
	$(BIN)/python -m pytest -n auto --dist loadfile

# The edit-test loop: everything that does not run the pipeline, dbt or a browser.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadfile -m "not slow"

# The report's browser tests drive Debian's Chromium and ChromeDriver; install them if missing
# (exit 2 means no apt-get on this machine: those tests then skip and say so).
browser:
	@sh tests/support/install_browser.sh || [ $$? -eq 2 ]

# Re-resolve the pinned set after changing pyproject.toml (needs network).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet -e '.[dev]'
	.lock-venv/bin/python -m pip freeze --exclude-editable --all | grep -v '^lead-sla' > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) warehouse data/landing
