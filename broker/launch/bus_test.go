//go:build linux

package launch

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// spind is started with "no bus" only where godbus would find none and
// run dbus-launch: a bus named in the environment, or one in the runtime
// directory godbus looks in (its /run/user/UID, whatever XDG_RUNTIME_DIR
// says), is left as it is.
func TestBusEnv(t *testing.T) {
	empty, withBus, withFile, withBadFile := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	for path, data := range map[string]string{
		filepath.Join(withBus, "bus"):              "",
		filepath.Join(withFile, "dbus-session"):    "DBUS_SESSION_BUS_ADDRESS=unix:abstract=/tmp/dbus-x\n",
		filepath.Join(withBadFile, "dbus-session"): "unix:abstract=/tmp/dbus-x\n",
	} {
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		env    []string
		runDir string // where godbus looks
		want   string // DBUS_SESSION_BUS_ADDRESS spind gets; "" for none
	}{
		{[]string{"DBUS_SESSION_BUS_ADDRESS=unix:path=/x"}, empty, "unix:path=/x"},
		{nil, withBus, ""},
		{nil, withFile, ""},
		{nil, empty, NoBus},
		// godbus takes a dbus-session file without its prefix for no bus.
		{nil, withBadFile, NoBus},
		{[]string{"DBUS_SESSION_BUS_ADDRESS="}, empty, NoBus},
		{[]string{"DBUS_SESSION_BUS_ADDRESS=autolaunch:"}, empty, NoBus},
		// godbus does not read XDG_RUNTIME_DIR: a bus there is none to it,
		// and none there hides no bus in its own directory.
		{[]string{"XDG_RUNTIME_DIR=" + withBus}, empty, NoBus},
		{[]string{"XDG_RUNTIME_DIR=" + empty}, withBus, ""},
	} {
		got := busEnvIn(slices.Clone(tc.env), tc.runDir)
		var bus []string
		for _, kv := range got {
			if len(kv) > 25 && kv[:25] == "DBUS_SESSION_BUS_ADDRESS=" {
				bus = append(bus, kv[25:])
			}
		}
		switch {
		case tc.want == "" && len(bus) != 0 && bus[0] != "":
			t.Errorf("%q in %s: spind gets DBUS_SESSION_BUS_ADDRESS %q, want none", tc.env, tc.runDir, bus)
		case tc.want != "" && (len(bus) != 1 || bus[0] != tc.want):
			t.Errorf("%q in %s: spind gets DBUS_SESSION_BUS_ADDRESS %q, want just %q", tc.env, tc.runDir, bus, tc.want)
		}
	}
}
