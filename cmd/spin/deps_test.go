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

// The lean helper must stay lean: its start-up cost is the helper's speed
// goal (docs/benchmarks.md).
func TestLeanHelperImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/cloudspin/spin/cmd/spin-credential-process").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	for _, dep := range deps {
		for _, heavy := range []string{"net/http", "github.com/spf13/cobra", "github.com/99designs/keyring", "github.com/aws/", "gopkg.in/yaml.v3", "github.com/hashicorp/"} {
			if dep == heavy || strings.HasPrefix(dep, strings.TrimSuffix(heavy, "/")+"/") {
				t.Errorf("spin-credential-process links %s", dep)
			}
		}
	}
	if !strings.Contains(string(out), "github.com/cloudspin/spin/broker/credproc") {
		t.Errorf("go list output lacks broker/credproc:\n%s", out)
	}
}
