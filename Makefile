# Every target sets up .venv itself, so these work on a fresh machine with ../shared beside the repo.
# torch stays on the CPU build on this disk through constraints.txt (pip -c) in every install.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install -c constraints.txt
EXTRAS := dev,peers,dist,tracking
STAMP := $(VENV)/.installed
PEERS_STAMP := $(VENV)/.peers-installed
OUT ?= runs/quick
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: venv peers browser demo smoke test lint wheel-check bench-speedup clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -e '.[$(EXTRAS)]'
	touch $(STAMP)

venv: $(STAMP)

## Peer libraries: PyOD comes with the `peers` extra; DeepOD 0.4.1's metadata pins torch<1.13.1,
## so it is installed without its dependencies (torch stays 2.13.0 CPU).
$(PEERS_STAMP): $(STAMP)
	$(PIP) --no-deps deepod==0.4.1
	touch $(PEERS_STAMP)

peers: $(PEERS_STAMP)

## Debian's chromium for the headless-browser test of the HTML report.
browser:
	@test -x /usr/bin/chromium || { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium; }

## The main job: the quick benchmark on real data (leaderboard printed, report in $(OUT)).
## One BLAS/OpenMP thread per process unless set: on a busy 2-core machine torch's default of one
## thread per core made each AutoEncoder cell ~2-4x slower (same results); set OMP_NUM_THREADS to
## override.
demo: peers
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} $(BIN)/anomalab bench --suite quick --out $(OUT) --allow-failures

smoke: peers
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} $(BIN)/anomalab bench --suite smoke --out runs/smoke --allow-failures

## The default test run (unit, contract and integration tests; `slow` ones deselected). One
## OpenMP thread unless set, as for demo: with two other busy processes on 2 cores, the RSRAE
## sanity test took 45.7 s with 2 threads against 8.4 s with 1 (torch's threads spin-wait).
test: peers browser
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports --no-cache
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} $(BIN)/python -m pytest -q

## ruff, and import-linter's contracts in pyproject.toml (layers, no import cycles); lint-imports
## reads the installed (editable) anomalab.
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports --no-cache

## The installed-wheel check (CI runs it after `make test`): build the wheel, install it with its
## dependencies (-c constraints.txt) in a fresh venv in a temporary folder, and from outside the
## repository, with no data root, reproduce every converted paper --from-archive and compare its
## Markdown with docs/results/ byte for byte; also `anomalab --help` and `datasets fetch --list`.
## PAPERS="anorand ..." checks just those. About 1.5 minutes here (its venv in /dev/shm).
wheel-check: $(STAMP)
	$(BIN)/python tools/check_wheel.py $(foreach p,$(PAPERS),--paper $(p))

## --jobs 2 against --jobs 1 on the smoke suite (prints the speed-up ratio).
bench-speedup: peers
	$(BIN)/python benchmarks/jobs_speedup.py

clean:
	rm -rf $(VENV) runs .pytest_cache .ruff_cache
