# Two commands matter: `make run` (the platform with a demo prefecture) and `make test` (the whole suite).
SHELL := /bin/bash
DOTNET ?= dotnet
CONFIG ?= Release
DATA_DIR ?= $(CURDIR)/.data
TEST_LOG := $(CURDIR)/artifacts/test.log

.PHONY: run test test-fast test-tools bench cluster build postgres packages format clean cli backup restore base-backup recover tenant-export tenant-import tenant-delete evidence-purge operations-log

## run: start one silo with an embedded PostgreSQL and the 那曲市 demo (data in .data/); Ctrl+C stops both
run: postgres
	@$(MAKE) --no-print-directory packages CHROMIUM_OPTIONAL=1
	@echo "Building the platform (the first build restores packages and takes a minute or two)…"
	$(DOTNET) build src/Assessment.Server -c $(CONFIG) -nologo -v minimal
	@echo "Starting the server and its PostgreSQL…"
	$(DOTNET) run --project src/Assessment.Server -c $(CONFIG) --no-build -- --Demo:Enabled=true --DataDir=$(DATA_DIR)

## cli: pack the `assess` command as a .NET tool and install (or update) it for this user in ~/.dotnet/tools
CLI_VERSION := 0.1.0-local.$(shell date +%Y%m%d%H%M%S)
cli:
	$(DOTNET) pack src/Assessment.Cli -c Release -nologo -v minimal -o artifacts/cli -p:PackageVersion=$(CLI_VERSION)
	@# dotnet's own PATH advice is left out: the line below gives it once, for this shell.
	@set -o pipefail; $(DOTNET) tool update --global --add-source artifacts/cli --version $(CLI_VERSION) Assessment.Cli \
	  | { grep -v -i -E "path|export|\.bashrc|\.zshrc|^$$" || true; }
	@case ":$$PATH:" in *":$$HOME/.dotnet/tools:"*) echo "assess is installed: try  assess --help";; \
	  *) echo "assess is installed in $$HOME/.dotnet/tools; put it on your PATH:"; echo '  export PATH="$$PATH:$$HOME/.dotnet/tools"';; esac

## test: unit, grain, integration and chaos tests (they provision their own PostgreSQL), and a benchmark smoke run;
##       CHAOS_LONG=1 repeats each chaos fault five times over a longer load
test: packages test-tools build
	@mkdir -p artifacts
	$(DOTNET) run --project tests/Assessment.Benchmarks -c $(CONFIG) --no-build -- --smoke --json $(CURDIR)/artifacts/bench-smoke.json > artifacts/bench-smoke.log
	@rm -f artifacts/chaos.txt
	@set -o pipefail; $(DOTNET) test Assessment.sln -c $(CONFIG) --no-build 2>&1 | tee $(TEST_LOG); status=$$?; \
	  if [ -f artifacts/chaos.txt ]; then echo "Chaos runs:"; sed 's/^/  /' artifacts/chaos.txt; fi; \
	  awk '/^(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($$i == "Passed:") p += $$(i+1); if ($$i == "Failed:") f += $$(i+1) } } \
	       END { printf "Tests: %d passed, %d failed\n", p, f }' $(TEST_LOG); exit $$status

## test-fast: the inner loop, about 3 minutes after a build: domain and grain tests, and the integration tests except
##            the chaos, browser, PDF, packaging, upgrade and multi-server classes (`make test` runs everything; CI runs that)
FAST_FILTER := FullyQualifiedName!~.ChaosTests&FullyQualifiedName!~.Browser.&FullyQualifiedName!~.DockerfileTests&FullyQualifiedName!~.LifecycleTests&FullyQualifiedName!~.ReportFormatTests&FullyQualifiedName!~.IsolatedServerTests&FullyQualifiedName!~.BulletinPdfTests&FullyQualifiedName!~.BulletinLayoutTests&FullyQualifiedName!~.ReadmeTests&FullyQualifiedName!~.SiloTlsTests&FullyQualifiedName!~.OrleansPerimeterTests&FullyQualifiedName!~.MakeCliTests&FullyQualifiedName!~.RequestLedgerTests&FullyQualifiedName!~.BackupTests&FullyQualifiedName!~.UpgradeTests&FullyQualifiedName!~.TenantArchiveTests
test-fast: packages test-tools build
	@mkdir -p artifacts
	@set -o pipefail; $(DOTNET) test Assessment.sln -c $(CONFIG) --no-build --filter "$(FAST_FILTER)" 2>&1 | tee artifacts/test-fast.log; status=$$?; \
	  awk '/^(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($$i == "Passed:") p += $$(i+1); if ($$i == "Failed:") f += $$(i+1) } } \
	       END { printf "Tests: %d passed, %d failed\n", p, f }' artifacts/test-fast.log; exit $$status

## backup: a consistent copy of the embedded database, taken while the platform runs (or not): FILE=… (default
##         backups/assessment-<time>.dump), DATA_DIR=… (default .data)
BACKUP_FILE ?= $(CURDIR)/backups/assessment-$(shell date +%Y%m%d-%H%M%S).dump
backup: postgres
	$(DOTNET) build src/Assessment.Server -c $(CONFIG) -nologo -v quiet
	$(DOTNET) run --project src/Assessment.Server -c $(CONFIG) --no-build -- backup $(or $(FILE),$(BACKUP_FILE)) --DataDir=$(DATA_DIR)

## restore: load a backup into a new data folder: make restore FILE=backups/….dump DATA_DIR=/path/to/new; then start the
##          platform on it (make run DATA_DIR=/path/to/new)
restore: postgres
	@test -n "$(FILE)" || { echo "Name the backup: make restore FILE=backups/….dump DATA_DIR=/path/to/new/folder"; exit 2; }
	$(DOTNET) build src/Assessment.Server -c $(CONFIG) -nologo -v quiet
	$(DOTNET) run --project src/Assessment.Server -c $(CONFIG) --no-build -- restore $(FILE) --DataDir=$(DATA_DIR)

## base-backup: a physical base backup beside the running platform's cluster (with the write-ahead log it archives
##              continuously, the database can be recovered to any moment from then on)
base-backup: postgres
	$(DOTNET) build src/Assessment.Server -c $(CONFIG) -nologo -v quiet
	$(DOTNET) run --project src/Assessment.Server -c $(CONFIG) --no-build -- base-backup --DataDir=$(DATA_DIR)

## recover: the database as it was at a moment, in a new data folder:
##          make recover AT="2026-12-07 10:15:00" TO=/path/to/new  (Beijing time; FROM defaults to DATA_DIR)
recover: postgres
	@test -n "$(AT)" -a -n "$(TO)" || { echo 'Name the moment and the new folder: make recover AT="2026-12-07 10:15:00" TO=/path/to/new'; exit 2; }
	$(DOTNET) build src/Assessment.Server -c $(CONFIG) -nologo -v quiet
	$(DOTNET) run --project src/Assessment.Server -c $(CONFIG) --no-build -- recover "--From=$(or $(FROM),$(DATA_DIR))" "--At=$(AT)" --DataDir=$(TO)

## tenant-export: one tenant's whole data as one archive (while the platform runs): make tenant-export TENANT=… FILE=…
##                (default backups/<tenant>-<time>.zip); DATA_DIR=… or Database__ConnectionString=… for an external database
TENANT_FILE ?= $(CURDIR)/backups/$(TENANT)-$(shell date +%Y%m%d-%H%M%S).zip
tenant-export: postgres
	@test -n "$(TENANT)" || { echo "Name the tenant: make tenant-export TENANT=naqu [FILE=…]"; exit 2; }
	$(DOTNET) build src/Assessment.Server -c $(CONFIG) -nologo -v quiet
	$(DOTNET) run --project src/Assessment.Server -c $(CONFIG) --no-build -- tenant-export $(TENANT) "$(or $(FILE),$(TENANT_FILE))" --DataDir=$(DATA_DIR) $(if $(ACTOR),"--Actor=$(ACTOR)")

## tenant-import: load a tenant archive into a deployment that is stopped and has no such tenant: make tenant-import FILE=…
tenant-import: postgres
	@test -n "$(FILE)" || { echo "Name the archive: make tenant-import FILE=backups/….zip [DATA_DIR=…]"; exit 2; }
	$(DOTNET) build src/Assessment.Server -c $(CONFIG) -nologo -v quiet
	$(DOTNET) run --project src/Assessment.Server -c $(CONFIG) --no-build -- tenant-import "$(FILE)" --DataDir=$(DATA_DIR) $(if $(ACTOR),"--Actor=$(ACTOR)")

## tenant-delete: remove every row of a tenant from a stopped deployment, recorded in the platform's audit chain:
##                make tenant-delete TENANT=… REASON="…" [ACTOR="…"]; make operations-log lists those acts
tenant-delete: postgres
	@test -n "$(TENANT)" -a -n "$(REASON)" || { echo 'Name the tenant and why: make tenant-delete TENANT=naqu REASON="迁至省级平台"'; exit 2; }
	$(DOTNET) build src/Assessment.Server -c $(CONFIG) -nologo -v quiet
	$(DOTNET) run --project src/Assessment.Server -c $(CONFIG) --no-build -- tenant-delete $(TENANT) --DataDir=$(DATA_DIR) "--Reason=$(REASON)" $(if $(ACTOR),"--Actor=$(ACTOR)")

## evidence-purge: the archive rule for 佐证材料: delete a tenant's files of the years before its retention (default 10
##                 years), recorded in the platform's audit chain; runs beside the platform:
##                 make evidence-purge TENANT=… REASON="…" [YEARS=10] [ACTOR="…"]
evidence-purge: postgres
	@test -n "$(TENANT)" -a -n "$(REASON)" || { echo 'Name the tenant and why: make evidence-purge TENANT=naqu REASON="档案保管期满"'; exit 2; }
	$(DOTNET) build src/Assessment.Server -c $(CONFIG) -nologo -v quiet
	$(DOTNET) run --project src/Assessment.Server -c $(CONFIG) --no-build -- evidence-purge $(TENANT) --DataDir=$(DATA_DIR) "--Reason=$(REASON)" $(if $(YEARS),"--Years=$(YEARS)") $(if $(ACTOR),"--Actor=$(ACTOR)")

## operations-log: the platform's own audit chain (tenant exports, imports, deletions, evidence purges), verified
operations-log: postgres
	$(DOTNET) build src/Assessment.Server -c $(CONFIG) -nologo -v quiet
	$(DOTNET) run --project src/Assessment.Server -c $(CONFIG) --no-build -- operations-log --DataDir=$(DATA_DIR)

## cluster: three silos on loopback (ADO.NET clustering and reminders) sharing one provisioned PostgreSQL, with the demo
CLUSTER_DIR ?= $(DATA_DIR)/cluster
SERVER_DLL = src/Assessment.Server/bin/$(CONFIG)/net10.0/Assessment.Server.dll
cluster: postgres
	$(DOTNET) build src/Assessment.Server -c $(CONFIG)
	@mkdir -p $(CLUSTER_DIR)
	@silos=""; \
	trap 'kill $$silos 2>/dev/null; wait $$silos 2>/dev/null; kill $$pg 2>/dev/null; wait $$pg 2>/dev/null; exit 0' INT TERM; \
	$(DOTNET) $(SERVER_DLL) --Database:ProvisionOnly=true --DataDir=$(CLUSTER_DIR) > $(CLUSTER_DIR)/postgres.out 2>&1 & pg=$$!; \
	for i in $$(seq 1 120); do cs=$$(grep -m1 '^Connection: ' $(CLUSTER_DIR)/postgres.out | cut -d' ' -f2-); [ -n "$$cs" ] && break; sleep 1; done; \
	[ -n "$$cs" ] || { cat $(CLUSTER_DIR)/postgres.out; kill $$pg; exit 1; }; \
	for i in 1 2 3; do \
	  demo=""; [ $$i = 1 ] && demo="--Demo:Enabled=true"; \
	  Database__ConnectionString="$$cs" $(DOTNET) $(SERVER_DLL) --Cluster:Mode=adonet --DataDir=$(CLUSTER_DIR)/silo$$i $$demo \
	    --GrpcPort=510$$i --WebPort=508$$i --Cluster:SiloPort=1111$$i > $(CLUSTER_DIR)/silo$$i.log 2>&1 & \
	  silos="$$silos $$!"; \
	  if [ $$i = 1 ]; then for t in $$(seq 1 120); do grep -q '^Ready.' $(CLUSTER_DIR)/silo1.log && break; sleep 1; done; fi; \
	done; \
	for i in 2 3; do for t in $$(seq 1 120); do grep -q '^Ready.' $(CLUSTER_DIR)/silo$$i.log && break; sleep 1; done; done; \
	echo "Three silos on one PostgreSQL (logs in $(CLUSTER_DIR)):"; \
	for i in 1 2 3; do echo "  silo $$i: gRPC http://127.0.0.1:510$$i  web http://127.0.0.1:508$$i/"; done; \
	echo "  keys: $(CLUSTER_DIR)/silo1/demo-credentials.yaml   (ASSESS_URL=http://127.0.0.1:5102 ASSESS_KEY=… assess ranking --year 2024)"; \
	echo "Ctrl+C stops the silos, then PostgreSQL."; \
	wait

## bench: the benchmark harness (prints a Markdown table, writes artifacts/bench.json); QUICK=1 for a short run
bench:
	$(DOTNET) run --project tests/Assessment.Benchmarks -c Release -- $(if $(QUICK),--quick) --json $(CURDIR)/artifacts/bench.json

build:
	$(DOTNET) build Assessment.sln -c $(CONFIG)

## packages: what the tests need besides the SDK: PostgreSQL, Chromium with CJK fonts (reports and bulletins as PDF,
##           browser tests), Node.js and Python with aiosmtpd (the client examples, the mail tests); installs the Debian packages when run as root
packages: postgres
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	fc-list :lang=zh 2>/dev/null | grep -q . || missing="$$missing fonts-noto-cjk"; \
	command -v node >/dev/null 2>&1 || missing="$$missing nodejs"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing="$$missing python3 python3-aiosmtpd"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing the Debian packages the tests need:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
	  echo "Chromium and CJK fonts (bulletins as PDF), or Node.js with npm, Python and python3-aiosmtpd (the client examples, the single sign-on and mail tests), are missing."; \
	  echo "Install them with:  sudo apt-get install -y$$missing   (Debian/Ubuntu; a Node.js that brings its own npm needs no npm package)"; \
	  if [ "$(CHROMIUM_OPTIONAL)" = 1 ]; then echo "Starting without them: HTML and Markdown bulletins work, PDF is refused."; else exit 1; fi; \
	fi

## test-tools: the OpenID provider the single sign-on tests start (npm package oidc-provider, pinned by its lock file)
OIDC_TOOL := tests/Assessment.Integration.Tests/Tools/oidc
test-tools: packages
	@test -f $(OIDC_TOOL)/node_modules/oidc-provider/package.json || npm ci --prefix $(OIDC_TOOL) --no-audit --no-fund --loglevel=error

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
