//go:build linux

package launch

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// spind is started with "no bus" only where godbus would find none and
// run dbus-launch: a bus named in the environment or in the runtime
// directory is left as it is.
func TestBusEnv(t *testing.T) {
	empty, withBus := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(withBus, "bus"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		env  []string
		want string // DBUS_SESSION_BUS_ADDRESS spind gets; "" for none
	}{
		{[]string{"XDG_RUNTIME_DIR=" + empty, "DBUS_SESSION_BUS_ADDRESS=unix:path=/x"}, "unix:path=/x"},
		{[]string{"XDG_RUNTIME_DIR=" + withBus}, ""},
		{[]string{"XDG_RUNTIME_DIR=" + empty}, NoBus},
		{[]string{"XDG_RUNTIME_DIR=" + empty, "DBUS_SESSION_BUS_ADDRESS="}, NoBus},
		{[]string{"XDG_RUNTIME_DIR=" + empty, "DBUS_SESSION_BUS_ADDRESS=autolaunch:"}, NoBus},
	} {
		got := busEnv(slices.Clone(tc.env))
		var bus []string
		for _, kv := range got {
			if len(kv) > 25 && kv[:25] == "DBUS_SESSION_BUS_ADDRESS=" {
				bus = append(bus, kv[25:])
			}
		}
		switch {
		case tc.want == "" && len(bus) != 0 && bus[0] != "":
			t.Errorf("%q: spind gets DBUS_SESSION_BUS_ADDRESS %q, want none", tc.env, bus)
		case tc.want != "" && (len(bus) != 1 || bus[0] != tc.want):
			t.Errorf("%q: spind gets DBUS_SESSION_BUS_ADDRESS %q, want just %q", tc.env, bus, tc.want)
		}
	}
}
