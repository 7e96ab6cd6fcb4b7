# Two commands matter: `make run` (the platform with a demo prefecture) and `make test` (the whole suite).
SHELL := /bin/bash
DOTNET ?= dotnet
CONFIG ?= Release
DATA_DIR ?= $(CURDIR)/.data
TEST_LOG := $(CURDIR)/artifacts/test.log

.PHONY: run test bench build postgres format clean

## run: start one silo with an embedded PostgreSQL and the 那曲市 demo (data in .data/)
run: postgres
	$(DOTNET) run --project src/Assessment.Server -c $(CONFIG) -- --Demo:Enabled=true --DataDir=$(DATA_DIR)

## test: unit, grain and integration tests (integration tests provision their own PostgreSQL), and a benchmark smoke run
test: postgres build
	@mkdir -p artifacts
	$(DOTNET) run --project tests/Assessment.Benchmarks -c $(CONFIG) --no-build -- --smoke --json $(CURDIR)/artifacts/bench-smoke.json > artifacts/bench-smoke.log
	@set -o pipefail; $(DOTNET) test Assessment.sln -c $(CONFIG) --no-build 2>&1 | tee $(TEST_LOG); status=$$?; \
	  awk '/^(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($$i == "Passed:") p += $$(i+1); if ($$i == "Failed:") f += $$(i+1) } } \
	       END { printf "Tests: %d passed, %d failed\n", p, f }' $(TEST_LOG); exit $$status

## bench: the benchmark harness (prints a Markdown table, writes artifacts/bench.json); QUICK=1 for a short run
bench:
	$(DOTNET) run --project tests/Assessment.Benchmarks -c Release -- $(if $(QUICK),--quick) --json $(CURDIR)/artifacts/bench.json

build:
	$(DOTNET) build Assessment.sln -c $(CONFIG)

## postgres: make sure PostgreSQL server binaries exist (installs Debian's package when run as root)
postgres:
	@if ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing PostgreSQL server binaries (Debian package postgresql)…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	else \
	  echo "PostgreSQL server binaries (pg_ctl, initdb, postgres) are missing."; \
	  echo "Install them with:  sudo apt-get install -y postgresql   (Debian/Ubuntu)"; \
	  echo "or start the server against an existing database: Database__ConnectionString=... $(DOTNET) run --project src/Assessment.Server"; \
	  exit 1; \
	fi

format:
	$(DOTNET) format Assessment.sln

clean:
	rm -rf artifacts src/*/bin src/*/obj tests/*/bin tests/*/obj
