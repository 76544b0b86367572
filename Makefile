# Farmhand — build, run and test. `make help` lists the targets.

GO        ?= go
BIN       ?= farmhand
GUI_TAGS  := migrated_fynedo
# Debian packages the GUI build and the tests need.
APT_BUILD := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev
APT_TEST  := xvfb xauth xdotool imagemagick iproute2 util-linux blender ffmpeg python3 openssl dbus-daemon
# Every test run goes through testsum: the output of failed tests, each
# package's ok/FAIL line, and the skipped tests with their reasons, also kept in
# SKIPLOG for the list `make test` ends with. Under CI=true a skip fails the run.
SKIPLOG   ?= $(or $(TMPDIR),/tmp)/farmhand-skipped.txt
TESTSUM   := $(GO) run ./internal/farmtest/testsum -skips $(SKIPLOG)
# Not part of the suite: TestFull is the minutes-long benchmark, run on request
# (FARMHAND_BENCH_FULL=1); TestHelperRunSleep is a process another test starts.
NOT_SUITE := ^(TestFull|TestHelperRunSleep)$$
# Tests the race detector makes minutes long (they skip themselves under
# -race): they run once more without it.
NO_RACE   := ^TestHonestBigJobsCompile$$
# golangci-lint, pinned: `make lint` installs this version into bin/ (once)
# and runs it with .golangci.yml.
GOLANGCI_VERSION := v2.15.0
GOLANGCI_BIN     := $(CURDIR)/bin/golangci-lint-$(GOLANGCI_VERSION)
GOLANGCI         := $(GOLANGCI_BIN)/golangci-lint
# make package (packaging/package.sh): the version is FyneApp.toml's; nfpm
# (the .deb files) and fyne (.desktop file, icon, tar.xz) are pinned and run
# with go run. APT_PACKAGE: what it runs besides Go (tar -J needs xz, the
# install test dpkg).
PKG_VERSION        ?= $(shell sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml)
NFPM_VERSION       := v2.48.0
FYNE_TOOLS_VERSION := v1.7.4
APT_PACKAGE        := xz-utils tar dpkg

.PHONY: help setup build build-headless cross run test unit e2e fuzz bench vet lint clean skips-reset skips package package-test

help:
	@echo "make run            set up, build and start Farmhand (manager + worker on this computer)"
	@echo "make test           the whole test suite: vet, lint, unit tests with -race, end-to-end tests, short fuzzing"
	@echo "make setup          install the Debian packages the build and tests need (asks for sudo)"
	@echo "make build          the desktop binary ./$(BIN) (cgo)"
	@echo "make build-headless a GUI-free, static binary ./$(BIN)-headless for servers"
	@echo "make cross          the headless binary for windows/amd64, darwin/amd64 and darwin/arm64, into $(CROSS_DIR)"
	@echo "make e2e            only the end-to-end tests (real processes on 127.0.0.1, mDNS in a namespace, Xvfb screenshots)"
	@echo "make bench          scheduler, upload and warm-Blender benchmarks: 100k-task index, and the HTTP stress run"
	@echo "make fuzz           fuzz the parsers for a minute each"
	@echo "make lint           golangci-lint $(GOLANGCI_VERSION) with .golangci.yml (installed into bin/ on first use)"
	@echo "make skips          the tests the last make test skipped, and why"
	@echo "make package        .deb, .tar.xz and Windows .zip packages into dist/ (docs/install.md)"
	@echo "make package-test   make package, then install the .deb with dpkg and run it (root)"

# setup installs what is missing and nothing else; it needs Go 1.26 on PATH.
setup:
	@command -v $(GO) >/dev/null || { echo "Go is missing: install Go 1.26 or newer (https://go.dev/dl) and put it on PATH"; exit 1; }
	@missing=$$(for p in $(APT_BUILD) $(APT_TEST) $(APT_PACKAGE); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		echo "installing: $$missing"; \
		$$sudo apt-get update -qq && $$sudo apt-get install -y --no-install-recommends $$missing; \
	fi

build: setup
	$(GO) build -tags $(GUI_TAGS) -o $(BIN) .
	@echo "built ./$(BIN)"

build-headless:
	CGO_ENABLED=0 $(GO) build -tags headless -o $(BIN)-headless .

# cross builds the headless binary for the other platforms of a mixed farm
# (issue 11), outside the tree so that nothing built is committed.
CROSS_DIR ?= $(or $(TMPDIR),/tmp)/farmhand-cross
CROSS     := windows/amd64 darwin/amd64 darwin/arm64
cross:
	@mkdir -p $(CROSS_DIR)
	@for target in $(CROSS); do \
		os=$${target%/*}; arch=$${target#*/}; ext=$$( [ $$os = windows ] && echo .exe ); \
		out=$(CROSS_DIR)/$(BIN)-headless-$$os-$$arch$$ext; \
		echo "building $$out"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -tags headless -o $$out . || exit 1; \
	done

run: build
	./$(BIN)

vet:
	$(GO) vet ./...
	CGO_ENABLED=0 $(GO) vet -tags headless ./...
	$(GO) vet -tags e2e ./app/ ./ui/
	$(GO) vet -tags package ./app/

$(GOLANGCI):
	GOBIN=$(GOLANGCI_BIN) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION)

lint: $(GOLANGCI)
	$(GOLANGCI) run ./...

unit:
	$(GO) test -json -race -count=1 -skip '$(NOT_SUITE)|$(NO_RACE)' ./... | $(TESTSUM)
	$(GO) test -json -count=1 -run '$(NO_RACE)' ./... | $(TESTSUM)
	# every benchmark once, so they keep compiling and working
	$(GO) test -json -run '^$$' -bench . -benchtime 1x ./... | $(TESTSUM)

e2e:
	$(GO) test -json -tags e2e -count=1 -run E2E ./app/ | $(TESTSUM) -v
	$(GO) test -json -tags e2e -count=1 -run 'Screenshot|E2E' ./ui/ | $(TESTSUM) -v

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParseFrames -fuzztime $${FUZZTIME:-60s} ./farm/jobtype/
	$(GO) test -run '^$$' -fuzz FuzzParseTaskID -fuzztime $${FUZZTIME:-60s} ./farm/model/
	$(GO) test -run '^$$' -fuzz FuzzShellSplit -fuzztime $${FUZZTIME:-60s} ./farm/shellwords/
	$(GO) test -run '^$$' -fuzz FuzzRewriteExpand -fuzztime $${FUZZTIME:-60s} ./farm/pathvars/
	$(GO) test -run '^$$' -fuzz FuzzRequestBodies -fuzztime $${FUZZTIME:-60s} ./farm/api/
	$(GO) test -run '^$$' -fuzz FuzzCleanPath -fuzztime $${FUZZTIME:-60s} ./farm/files/
	$(GO) test -run '^$$' -fuzz FuzzParseSize -fuzztime $${FUZZTIME:-60s} ./farm/files/

test: setup vet lint skips-reset unit e2e
	FUZZTIME=15s $(MAKE) fuzz
	CGO_ENABLED=0 $(GO) build -tags headless -o /dev/null .
	$(MAKE) --no-print-directory cross
	$(MAKE) --no-print-directory package-test
	@$(MAKE) --no-print-directory skips

skips-reset:
	@rm -f $(SKIPLOG)

# skips lists the tests the runs since skips-reset skipped, and why.
skips:
	@n=$$(grep -c . $(SKIPLOG) 2>/dev/null); echo "skipped tests: $${n:-0}$${CI:+ (CI=$$CI)}"; cat $(SKIPLOG) 2>/dev/null | sed 's/^/  /'; true

# bench measures issue 16's numbers; each says the machine's load, since
# other programs on it change every time measured (uptime before and after).
bench:
	@uptime
	$(GO) test -run '^$$' -bench . -benchmem ./farm/sched/
	$(GO) test -run '^$$' -bench 'MemoryPerTask100k' -benchtime 3x ./farm/manager/
	$(GO) test -run '^$$' -bench 'Compile100k' -benchtime 3x ./farm/jobtype/
	$(GO) test -run '^$$' -bench 'TaskList100k' -benchtime 5x ./farm/api/
	$(GO) test -run '^$$' -bench 'UploadLoopback' -benchtime 2x ./farm/api/
	$(GO) test -run '^$$' -bench 'TaskTable|OpenJob100k|TaskBurst1000' -benchtime 5x ./ui/
	@uptime
	CGO_ENABLED=0 $(GO) run -tags headless . bench
	$(GO) test -run '^$$' -bench WarmBlender -benchtime 3x ./farm/worker/

clean:
	rm -f $(BIN) $(BIN)-headless

# package builds every package into dist/; packaging/package.sh says which.
package: setup
	GO=$(GO) PKG_VERSION=$(PKG_VERSION) GUI_TAGS=$(GUI_TAGS) NFPM_VERSION=$(NFPM_VERSION) \
		FYNE_TOOLS_VERSION=$(FYNE_TOOLS_VERSION) bash packaging/package.sh

# package-test installs dist/'s .deb with dpkg -i, runs its menu entry's
# command, and removes it (root; under CI=true a missing dpkg fails).
package-test: package
	$(GO) test -json -tags package -count=1 -run '^TestPackage' ./app/ | $(TESTSUM) -v
