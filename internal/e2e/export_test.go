package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A bootstrap profile (source, no role_arn, no MFA) gets the long-term keys
// only from a key set that allows it: the grant lives in the keyring, the
// refusal names the command, and each hand-out is logged with the pid and
// executable that asked.
func TestBootstrapExportOptIn(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.writeFile(w.config, fmt.Sprintf("keyring:\n  backend: secret-service\ndefaults:\n  region: eu-west-1\nprofiles:\n  boot:\n    source: %s\n", w.keySet))
	w.addKeys()

	refused := func(when string) {
		t.Helper()
		out, e, err := w.helper("boot")
		if err == nil || strings.Contains(out, testSecret) {
			t.Fatalf("%s: helper printed keys: %s", when, out)
		}
		lines := strings.Split(strings.TrimSpace(e), "\n")
		if len(lines) != 1 || !strings.HasPrefix(lines[0], "spin: ") || !strings.Contains(lines[0], "spin keys allow-export "+w.keySet) {
			t.Errorf("%s: helper stderr %q, want one spin: line naming 'spin keys allow-export %s'", when, e, w.keySet)
		}
	}
	refused("no grant")

	_, e, err := w.try("not-the-secret-of-this-key-set-xxxxxxxxx\n", "keys", "allow-export", w.keySet, "--stdin")
	if err == nil || !strings.Contains(e, "not the key set's secret access key") {
		t.Errorf("allow-export with a wrong secret: %v\n%s", err, e)
	}
	refused("after a refused grant")

	out := w.run(testSecret+"\n", "keys", "allow-export", w.keySet, "--stdin")
	if !strings.Contains(out, "--revoke") {
		t.Errorf("allow-export output does not say how to revoke:\n%s", out)
	}
	if out := w.run("", "keys", "list"); !strings.Contains(out, "allowed") {
		t.Errorf("keys list does not show the grant:\n%s", out)
	}
	got, e, err := w.helper("boot")
	if err != nil {
		t.Fatalf("helper with the grant: %v %s", err, e)
	}
	var p processJSON
	if err := json.Unmarshal([]byte(got), &p); err != nil || p.AccessKeyID != testKeyID || !p.Expiration.IsZero() || strings.Contains(got, "Expiration") {
		t.Fatalf("helper with the grant printed %s (%v); want the long-term key without Expiration", got, err)
	}

	logData, err := os.ReadFile(filepath.Join(w.home, ".local", "state", "spin", "spind.log"))
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for _, l := range strings.Split(string(logData), "\n") {
		if strings.Contains(l, "long-term keys handed out") {
			line = l
		}
	}
	for _, want := range []string{"level=WARN", "profile=boot", "key_set=" + w.keySet, "pid=", "exe=", "spin-credential"} {
		if !strings.Contains(line, want) {
			t.Errorf("export log line %q lacks %q", line, want)
		}
	}
	if strings.Contains(line, "pid=0 ") {
		t.Errorf("export log line has no peer pid: %q", line)
	}

	w.run("", "keys", "allow-export", w.keySet, "--revoke")
	refused("after --revoke")
	w.run(testKeyID+"\n"+testSecret+"\n", "keys", "add", w.keySet, "--stdin", "--force", "--allow-export")
	if _, e, err := w.helper("boot"); err != nil {
		t.Errorf("helper after keys add --allow-export: %v %s", err, e)
	}
}
