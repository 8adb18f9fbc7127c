#!/usr/bin/env bash
# Times whole credential helper processes, served from spind's cache,
# interleaved round by round with a bare Go binary that prints {} (the cost
# of starting any Go process): the lean spin-credential-process and
# `spin credential-process` (built as the release builds it, and as a
# plain `go build` gives it). Targets: helper median <= 1.3x bare and p90
# <= 1.5x; the CLI subcommand <= 2.5x.
#   bench/helper.sh            # ROUNDS=300 by default
source "$(dirname "$0")/world.sh"
emu_start
spind_start
"$bin/spin-credential-process" bench >/dev/null # warm the session cache
machine
"$bin/interleave" -rounds "${ROUNDS:-300}" -- "$bin/bare" "$bin/spin-credential-process bench" "$bin/spin credential-process bench" "$bin/spin-gobuild credential-process bench"
machine
echo "spind RSS after the run: $(awk '/VmRSS/ {print $2, $3}' /proc/$spind_pid/status)"
