# Tongxin build/test entry points. `make test` is what CI runs (via .ci/run).
VENV := .venv
PY   := $(VENV)/bin/python
# The stamp name carries the lock's hash, so the venv is reinstalled only when
# requirements.lock changes (or pyproject.toml is newer than the stamp).
LOCK_HASH := $(shell sha256sum requirements.lock | cut -c1-16)
STAMP     := $(VENV)/.installed-$(LOCK_HASH)

HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# Tests run in parallel (pytest-xdist), one worker per core by default.
PYTEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: install system-deps demo test test-sqlite test-postgres lint clean lock

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --require-hashes -r requirements.lock
	$(VENV)/bin/pip install -q --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@

system-deps:
	bash scripts/ensure_system_packages.sh

# DEBUG is unset (settings default: off) so the demo behaves like production; only
# HTTPS is off, because the demo is served on plain http://127.0.0.1.
DEMO_ENV := env -u DEBUG TONGXIN_HTTPS=0
demo: install
	$(DEMO_ENV) $(PY) -m tongxin migrate --noinput
	$(DEMO_ENV) $(PY) -m tongxin load_demo
	$(DEMO_ENV) $(PY) -m tongxin collectstatic --noinput -v 0
	$(DEMO_ENV) $(PY) -m tongxin print_demo_logins --bind $(HOST):$(PORT)
	exec $(DEMO_ENV) $(PY) scripts/serve.py --bind $(HOST):$(PORT)

# The layer contracts (import-linter, docs/architecture.md) and ruff, then both backends
# even if the first fails; fail if any did.
test: install system-deps
	@rc=0; \
	$(MAKE) --no-print-directory lint || rc=1; \
	$(MAKE) --no-print-directory test-sqlite || rc=1; \
	$(MAKE) --no-print-directory test-postgres || rc=1; \
	exit $$rc

lint: install
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/ruff check .

test-sqlite: install
	env -u DATABASE_URL $(VENV)/bin/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test-postgres: install
	$(PY) scripts/with_postgres.py -- $(VENV)/bin/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

clean:
	rm -rf var $(VENV)

# uv lives in a throw-away venv so it never ends up in the project's lock.
lock:
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	python3 -m venv "$$tmp" && "$$tmp/bin/pip" install -q uv && \
	"$$tmp/bin/uv" pip compile pyproject.toml --extra test --generate-hashes \
	  --python-version 3.11 -o requirements.lock

# Benchmarks print figures and ratios; they never pass or fail on timings (bench/README.md).
# `make bench` is the production stack on loopback: its own throw-away PostgreSQL and
# gunicorn, 100,000 matters, load from a second process, each scenario as a ratio to a
# one-row floor and memory per worker. LOAD_ARGS passes options, e.g. LOAD_ARGS="--seconds 10".
# crash-test kills workers, the master and PostgreSQL under load, and fails if an
# acknowledged matter is lost, duplicated or half-written (CRASH_ARGS passes options).
LOAD_ARGS ?=
CRASH_ARGS ?=
BENCH_ARGS ?=
# bench-scale: the staff list, inbox, title search and a matter's page at 1 M and 10 M
# matters (written with COPY) on a throw-away PostgreSQL; SCALE=1000000 for one size.
.PHONY: bench-scale
bench-scale: install system-deps
	$(PY) bench/scale.py $(BENCH_ARGS)

.PHONY: bench bench-memory crash-test bench-places bench-places-postgres bench-triage bench-photos \
	bench-hotspots

bench: install system-deps
	$(PY) bench/load.py $(LOAD_ARGS)

# Memory of each web worker (RSS and PSS) without and with the triage model, loaded per
# worker and loaded in the gunicorn master before fork (bench/memory.py; BENCH_ARGS passes options).
bench-memory: install system-deps
	$(PY) bench/memory.py $(BENCH_ARGS)

crash-test: install system-deps
	$(PY) bench/crash.py $(CRASH_ARGS)

# The place tree at province size (1 M households), SQLite and PostgreSQL;
# BENCH_ARGS="--households 100000" for a quick run.
bench-places: install
	$(PY) bench/places_tree.py --database sqlite $(BENCH_ARGS)

bench-places-postgres: install
	$(PY) scripts/with_postgres.py -- $(PY) bench/places_tree.py --database postgres $(BENCH_ARGS)

# The category suggester against the character TF-IDF floor: cross-validated macro-F1 and
# top-3 accuracy, training time, messages per second (BENCH_ARGS="--ideas" adds the ablations).
bench-triage: install
	$(PY) bench/triage.py $(BENCH_ARGS)

# The photos of one raise: time and peak memory to check and re-encode them, worst cases
# first (the issue's nine 6300x6300 PNGs, the budget filled); BENCH_ARGS="--legacy" compares
# with the code before the per-request pixel budget.
bench-photos: install
	$(PY) bench/photos.py $(BENCH_ARGS)

# The hot-issues page at 20,000 matters: grouping in the request (before) against reading the
# stored groups (after), and the background computation; BENCH_ARGS="--matters 5000" for a
# quick run, or run it under scripts/with_postgres.py for PostgreSQL.
bench-hotspots: install
	$(PY) bench/hotspots.py $(BENCH_ARGS)

# Interface translations (tongxin/locale; the .po and compiled .mo files are committed,
# so `make demo` needs no gettext). Run it once to pull new strings into the catalogues,
# translate the empty msgstr entries of zh_Hans/LC_MESSAGES/django.po by hand, then run it
# again: zh_Hant is generated from zh_Hans with OpenCC, which lives in a throw-away venv
# (never a dependency of the app or its tests), and everything is compiled with msgfmt
# (Debian package gettext).
MAKEMESSAGES_ARGS := -l zh_Hans -l zh_Hant -l en --ignore=.venv --ignore=var \
  --ignore=bench --ignore=scripts --no-location --no-obsolete
OPENCC := opencc-python-reimplemented==0.1.7
.PHONY: translations

translations: install
	@command -v msgfmt >/dev/null || { echo "make translations needs gettext: apt-get install gettext" >&2; exit 1; }
	cd tongxin && ../$(PY) -m tongxin makemessages $(MAKEMESSAGES_ARGS)
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	python3 -m venv "$$tmp" && "$$tmp/bin/pip" install -q $(OPENCC) && \
	"$$tmp/bin/python" scripts/make_zh_hant.py
	cd tongxin && ../$(PY) -m tongxin compilemessages

# Single pages through Django's test client on the demo district (PostgreSQL, 20,000 matters):
# median app CPU, wall time and queries per path (the "me too" search, raise, detail, inbox,
# record). BENCH_ARGS="--matters 100000" or "--database sqlite".
.PHONY: bench-pages
bench-pages: install system-deps
	$(PY) bench/pages.py $(BENCH_ARGS)
