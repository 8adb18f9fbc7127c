//go:build unix

package launch

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFor(t *testing.T) {
	env := map[string]string{"XDG_RUNTIME_DIR": "/run/user/1000"}
	getenv := func(k string) string { return env[k] }
	o, err := For("", "", getenv)
	if err != nil || o.Socket != "/run/user/1000/spin/broker.sock" || o.Config != "" || o.Getenv == nil {
		t.Errorf("defaults: %+v, %v", o, err)
	}
	o, err = For("/tmp/s.sock", "/etc/spin.yaml", getenv)
	if err != nil || o.Socket != "/tmp/s.sock" || o.Config != "/etc/spin.yaml" {
		t.Errorf("flags: %+v, %v", o, err)
	}
	// spind runs in /: a relative --config is pinned to this directory.
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if o, err := For("/tmp/s.sock", "rel/spin.yaml", getenv); err != nil || o.Config != filepath.Join(wd, "rel/spin.yaml") {
		t.Errorf("relative --config: %+v, %v; want it under %s", o, err, wd)
	}
	if _, err := For("", "", func(string) string { return "" }); err == nil {
		t.Error("no SPIN_SOCKET, XDG_RUNTIME_DIR or HOME: want an error")
	}
}
