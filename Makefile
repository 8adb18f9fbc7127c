# The two commands a fresh Debian machine needs (README): `make demo` runs
# spin end to end offline; `make test` runs every test. Both install what
# they need first, idempotently: apt packages and staticcheck
# (scripts/install-deps.sh), OpenTofu built from the Go module proxy into
# .tools/bin (scripts/install-tofu.sh, ~4 min the first time).
GO ?= go
export PATH := $(CURDIR)/.tools/bin:$(PATH)
# The image may point TF_CLI_CONFIG_FILE at a missing file.
export TF_CLI_CONFIG_FILE :=

.PHONY: all deps build demo test test-short test-long lint fmt bench

all: build

deps:
	@scripts/install-deps.sh
	@scripts/install-tofu.sh

build:
	$(GO) build -o bin/spin ./cmd/spin
	$(GO) build -o bin/spin-credential-process ./cmd/spin-credential-process
	$(GO) build -o bin/spind ./cmd/spind
	$(GO) build -o bin/awsemu ./internal/awsemu/cmd/awsemu

demo: deps build
	@scripts/demo.sh

lint: deps
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...
	staticcheck ./...

test: deps lint
	$(GO) test -race -count=1 -timeout 25m ./...

test-short:
	$(GO) test -short -count=1 ./...

# Fuzz targets, 30 s each; not part of `make test`.
test-long: deps
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 30s ./profiles
	$(GO) test -run '^$$' -fuzz '^FuzzAWSConfig$$' -fuzztime 30s ./profiles
	$(GO) test -run '^$$' -fuzz '^FuzzInsertProfiles$$' -fuzztime 30s ./profiles
	$(GO) test -run '^$$' -fuzz '^FuzzRemoveCredentials$$' -fuzztime 30s ./profiles
	$(GO) test -run '^$$' -fuzz '^FuzzHandler$$' -fuzztime 30s ./broker

bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./broker/...
