# The two commands a fresh Debian machine needs (README): `make demo` runs
# spin end to end offline; `make test` runs every test. Both install what
# they need first, idempotently: apt packages and staticcheck
# (scripts/install-deps.sh), OpenTofu built from the Go module proxy into
# .tools/bin (scripts/install-tofu.sh, ~4 min the first time).
GO ?= go
# Build and test with go1.27.3: go1.26.8 has standard-library advisories
# reachable from spin (the govulncheck step of `lint` checks). The go
# command fetches this toolchain from the module proxy the first time
# (76 MB); .ci/run gets it from here, since it runs `make test`.
export GOTOOLCHAIN := go1.27.3
export PATH := $(CURDIR)/.tools/bin:$(PATH)
# The image may point TF_CLI_CONFIG_FILE at a missing file.
export TF_CLI_CONFIG_FILE :=


.PHONY: all deps build demo test test-short test-long lint fmt bench release release-check

all: build

deps:
	@scripts/install-deps.sh
	@scripts/install-vulncheck.sh
	@scripts/install-tofu.sh

# spin without cgo, as the release builds it: static, so no dynamic loader
# runs before every `spin credential-process` (docs/benchmarks.md).
build:
	CGO_ENABLED=0 $(GO) build -o bin/spin ./cmd/spin
	$(GO) build -o bin/spin-credential-process ./cmd/spin-credential-process
	$(GO) build -o bin/spind ./cmd/spind
	$(GO) build -o bin/awsemu ./internal/awsemu/cmd/awsemu

demo: deps build
	@scripts/demo.sh

lint: deps
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...
	@# cmd/spin/docs.go is built only for the release's man pages.
	$(GO) vet -tags releasedocs ./cmd/spin
	$(GO) mod tidy -diff
	staticcheck ./...
	govulncheck -db file://$(CURDIR)/.tools/vulndb ./...
	@# The macOS build (no cgo when cross-built: no Keychain backend).
	GOOS=darwin GOARCH=arm64 CGO_ENABLED=0 $(GO) build ./...
	GOOS=darwin GOARCH=arm64 CGO_ENABLED=0 $(GO) vet ./...
	@# Windows (named pipe, wincred). internal/e2e drives unix daemons
	@# (gnome-keyring, pass, setpriv) and is vetted on unix only.
	GOOS=windows GOARCH=amd64 $(GO) build ./...
	GOOS=windows GOARCH=amd64 $(GO) vet $$(GOOS=windows $(GO) list ./... | grep -v /internal/e2e$$)
	actionlint examples/ci/github-actions.yml

test: deps lint release-check
	$(GO) test -race -count=1 -timeout 25m ./...

# Release archives, .deb/.rpm, SBOMs, Homebrew formula and SHA256SUMS in
# dist/, reproducible from the commit (scripts/release; README "Install").
release:
	@test -n "$(VERSION)" || { echo "usage: make release VERSION=v0.1.0" >&2; exit 2; }
	$(GO) run ./scripts/release -version $(VERSION) -out dist

# A linux/amd64 snapshot release, built twice (the second time from a copy
# of the tree elsewhere) and checked: identical bytes, sha256sum -c,
# lintian, dpkg-deb -x, systemd-analyze verify, man -l, rpm -qlp, go
# version -m against each archive's name and SBOM.
release-check: deps
	SPIN_RELEASE_CHECK=1 $(GO) test -count=1 -timeout 15m -run '^TestSnapshotRelease$$' ./internal/release

test-short:
	$(GO) test -short -count=1 ./...

# Fuzz targets, 30 s each, and the release check over all five platforms;
# not part of `make test`.
test-long: deps
	SPIN_RELEASE_CHECK=1 SPIN_RELEASE_PLATFORMS=linux/amd64,linux/arm64,darwin/amd64,darwin/arm64,windows/amd64 \
		$(GO) test -count=1 -timeout 30m -run '^TestSnapshotRelease$$' ./internal/release
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 30s ./profiles
	$(GO) test -run '^$$' -fuzz '^FuzzAWSConfig$$' -fuzztime 30s ./profiles
	$(GO) test -run '^$$' -fuzz '^FuzzInsertProfiles$$' -fuzztime 30s ./profiles
	$(GO) test -run '^$$' -fuzz '^FuzzRemoveCredentials$$' -fuzztime 30s ./profiles
	$(GO) test -run '^$$' -fuzz '^FuzzHandler$$' -fuzztime 30s ./broker
	$(GO) test -run '^$$' -fuzz '^FuzzValid$$' -fuzztime 30s ./internal/jsonscan
	$(GO) test -run '^$$' -fuzz '^FuzzRecordJSON$$' -fuzztime 30s ./internal/audit

# Benchmarks, never part of `make test`: figures go in docs/benchmarks.md.
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./broker/...
	$(GO) test -run '^$$' -bench DeriveFileKey -benchtime 5x ./keystore
	bench/helper.sh
	bench/spind.sh
	bench/throughput.sh
