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
// where no bus can be found (no DBUS_SESSION_BUS_ADDRESS, no socket in the
// runtime directory: a CI runner, an SSH session) godbus then runs
// dbus-launch, whose dbus-daemon outlives spind. No keyring could be
// reached there anyway, so spind is told there is no bus. This mirrors
// where godbus looks.
func busEnv(env []string) []string {
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
	dir := get("XDG_RUNTIME_DIR")
	if dir == "" {
		dir = "/run/user/" + strconv.Itoa(os.Getuid())
	}
	for _, name := range []string{"bus", "dbus-session"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
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
