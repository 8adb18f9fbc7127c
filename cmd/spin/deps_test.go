package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The helper runs once per SDK client start; the keyring library dials
// D-Bus in its init, so cmd/spin must never link it (DESIGN.md).
func TestSpinDoesNotLinkKeyring(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/cloudspin/spin/cmd/spin").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	banned := func(dep string) bool {
		for _, prefix := range []string{"github.com/99designs/keyring", "github.com/godbus/dbus", "github.com/cloudspin/spin/keystore"} {
			if dep == prefix || strings.HasPrefix(dep, prefix+"/") {
				return true
			}
		}
		// The server package holds the STS client and the keyring; its
		// client and api subpackages are what spin is meant to link.
		return dep == "github.com/cloudspin/spin/broker"
	}
	for _, dep := range strings.Fields(string(out)) {
		if banned(dep) {
			t.Errorf("cmd/spin links %s", dep)
		}
	}
	if !strings.Contains(string(out), "github.com/cloudspin/spin/broker/client") {
		t.Errorf("go list output does not include broker/client; is the check looking at the right package?\n%s", out)
	}
}
