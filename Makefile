# Gespreksopname developer entry points.
#   make run    install what is missing, then start the app
#   make test   install what is missing (incl. test extras), then lint, type-check and test
#   make translations  collect the widget texts (self.tr) of desktop/gui/*.py into the Dutch .ts
#               (existing translations are kept), then build the .qm the app loads from it;
#               translate what lrelease reports as unfinished, then run it again
#   make screenshots  render every screen to docs/screenshots/ on a virtual display (Xvfb)
#   make clean  remove the virtualenv (with its install stamp) and tool caches

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# Lives inside the venv, so deleting .venv also forces a reinstall.
STAMP  := $(VENV)/.install-stamp

# Debian 12 packages needed at run or test time: PortAudio/libsndfile for audio, ffmpeg/openssl
# tools, the libraries Qt's xcb/offscreen platforms load, Xvfb and a PulseAudio null sink for
# headless runs, espeak-ng/sox to synthesise and inspect test speech, and poppler-utils
# (pdftotext) to read back the documents citizens get, and Debian's chromium with its driver
# to run the verifier page inside every copy (controleer.html) in a real browser.
APT_PACKAGES := libportaudio2 libsndfile1 openssl ffmpeg libegl1 libgl1 libfontconfig1 \
	libglib2.0-0 libxkbcommon0 libdbus-1-3 xvfb libxkbcommon-x11-0 libxcb-cursor0 \
	libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-shape0 \
	libpulse0 pulseaudio pulseaudio-utils libasound2-plugins espeak-ng sox fonts-dejavu-core \
	alsa-utils poppler-utils chromium chromium-driver

.PHONY: run test install system-deps lint typecheck pytest translations clean screenshots
# Steps must run in order (install before checks), even under make -j.
.NOTPARALLEL:

run: install
	$(VENV)/bin/gespreksopname

# Qt must never look for a real display while testing.
test: export QT_QPA_PLATFORM := offscreen
test: install lint typecheck pytest

install: system-deps $(STAMP)

# Install missing apt packages when we are root and have apt-get; otherwise only report them.
system-deps:
	@if ! command -v dpkg-query >/dev/null 2>&1; then \
		echo "system-deps: no dpkg-query, not a Debian system; skipping apt packages"; \
		exit 0; \
	fi; \
	missing=""; \
	for pkg in $(APT_PACKAGES); do \
		status=$$(dpkg-query -W -f='$${Status}' "$$pkg" 2>/dev/null || true); \
		[ "$$status" = "install ok installed" ] || missing="$$missing $$pkg"; \
	done; \
	if [ -z "$$missing" ]; then \
		echo "system-deps: all apt packages present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "system-deps: installing:$$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq; \
		apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 $$missing; \
	else \
		echo "system-deps: missing (install as root: apt-get install$$missing)"; \
	fi

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changes (or the venv is new).
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --disable-pip-version-check --no-input -e '.[test]'
	touch $@

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

# Files to check come from [tool.mypy] in pyproject.toml.
typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP)
	$(VENV)/bin/pytest

# Dutch widget texts: the .ts is the source (edited by hand), the .qm is built from it.
TS := resources/translations/gespreksopname_nl.ts
QM := resources/translations/gespreksopname_nl.qm

translations: $(STAMP)
	$(VENV)/bin/pyside6-lupdate desktop/gui/*.py -ts $(TS) -source-language en -target-language nl \
		-no-obsolete -locations none
	$(VENV)/bin/pyside6-lrelease $(TS) -qm $(QM)

screenshots: install
	$(PY) docs/screenshots.py
	$(PY) docs/screenshots_verifier.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
