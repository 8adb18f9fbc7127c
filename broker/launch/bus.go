package launch

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// NoBus is D-Bus's own address for "there is no bus".
const NoBus = "disabled:"

// busEnv keeps spind from spawning a D-Bus daemon of its own.
// 99designs/keyring's init dials the session bus in every process that
// links it, spind's included, before spind's main can look at its config;
// where no bus can be found (no DBUS_SESSION_BUS_ADDRESS, no bus in the
// runtime directory: a CI runner, an SSH session) godbus then runs
// dbus-launch, whose dbus-daemon outlives spind. No keyring could be
// reached there anyway, so spind is told there is no bus.
func busEnv(env []string) []string {
	// The godbus keyring v1.2.2 pulls in looks in /run/user/UID, not in
	// XDG_RUNTIME_DIR (conn_other.go, getRuntimeDirectory).
	return busEnvIn(env, "/run/user/"+strconv.Itoa(os.Getuid()))
}

// busEnvIn is busEnv for godbus's runtime directory runDir. It mirrors
// godbus's getSessionBusAddress: deciding otherwise either leaves it to run
// dbus-launch or hides from spind a bus it would have used.
func busEnvIn(env []string, runDir string) []string {
	if runtime.GOOS != "linux" {
		return env
	}
	get := func(key string) string {
		v := ""
		for _, kv := range env {
			if k, val, ok := strings.Cut(kv, "="); ok && k == key {
				v = val // the last one wins, as for getenv
			}
		}
		return v
	}
	if a := get("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return env
	}
	// godbus takes any stat answer but "does not exist" for a file there.
	if _, err := os.Stat(filepath.Join(runDir, "bus")); !os.IsNotExist(err) {
		return env
	}
	if _, err := os.Stat(filepath.Join(runDir, "dbus-session")); !os.IsNotExist(err) {
		// A file without the prefix (or unreadable) is no address to it.
		data, err := os.ReadFile(filepath.Join(runDir, "dbus-session"))
		if a, ok := strings.CutPrefix(string(data), "DBUS_SESSION_BUS_ADDRESS="); err == nil && ok && strings.TrimRight(a, "\r\n") != "" {
			return env
		}
	}
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") {
			out = append(out, kv)
		}
	}
	return append(out, "DBUS_SESSION_BUS_ADDRESS="+NoBus)
}
