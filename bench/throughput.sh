#!/usr/bin/env bash
# spind's socket throughput on a cached session: a keep-alive client
# (BenchmarkCredentialsOverSocket, as spin's own programs ("spin") and as
# any other program ("other")) and the helper's exchange, a new
# connection with its trust checks per request, made by 4 processes of
# bench/askloop that the benchmark builds (BenchmarkCredentialsHelperProcesses),
# each 3 runs of 2 s with GOMAXPROCS=2, the load average printed before and
# after (the figures move with it). Every request reads its caller (the
# chain once per connection, the peer's executable, and for a program not
# spin's its command line, on each further request) and appends to an
# audit log, as spind's do. The
# keep-alive client runs in spind's process, so its work counts too; the
# helper processes share the 2 cores with spind, as real helpers would.
# Target: not lower than 61fd210 (before caller attribution) run alternately
# on the same machine; docs/benchmarks.md says how and gives the figures.
#   bench/throughput.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3}
echo "machine: $(nproc) cores, $(uname -sr), $(go version | cut -d' ' -f3), load $(cut -d' ' -f1-3 /proc/loadavg)"
go test -run '^$' -bench '^BenchmarkCredentials(OverSocket|HelperProcesses)$' -benchtime 2s -count 3 -cpu 2 ./broker |
	grep -E '^Benchmark'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
