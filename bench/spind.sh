#!/usr/bin/env bash
# spind's footprint with 1, 100 and 1,000 cached role sessions, made by
# helpers (16 at a time) against the emulator over TLS: RSS, open fds and
# goroutines right after, and how many TLS connections spind opened to
# STS. Then a cold start: 50 helpers at once for one profile on an empty
# cache, wall time and STS calls. Targets at 1,000 sessions: <= 30 MB RSS,
# <= 32 fds, <= 100 goroutines, <= 10 TLS handshakes.
#   bench/spind.sh
source "$(dirname "$0")/world.sh"
machine
printf '%-9s %10s %5s %11s  %s\n' sessions RSS fds goroutines "emulator (connections, TLS handshakes, AssumeRole calls)"
for n in 1 100 1000; do
	emu_start
	spind_start
	seq -f 's-%04g' "$n" | xargs -P 16 -I{} env SPIN_SESSION_NAME={} "$bin/spin-credential-process" bench >/dev/null
	rss=$(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' /proc/$spind_pid/status)
	fds=$(ls /proc/$spind_pid/fd | wc -l)
	gor=$("$bin/spin" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["goroutines"])')
	held=$("$bin/spin" status --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["sessions"]))')
	spind_stop
	printf '%-9s %10s %5s %11s  %s(held %s)\n' "$n" "$rss" "$fds" "$gor" "$(emu_stop)" "$held"
done

emu_start
spind_start
start=$(date +%s%N)
seq 50 | xargs -P 50 -I{} "$bin/spin-credential-process" bench >/dev/null
ms=$(( ($(date +%s%N) - start) / 1000000 ))
spind_stop
echo "cold start, 50 helpers at once for one profile: ${ms} ms wall; emulator: $(emu_stop)"
