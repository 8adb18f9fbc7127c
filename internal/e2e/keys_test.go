package e2e

import (
	"os/user"
	"strings"
	"testing"
)

func currentUser(t *testing.T) string {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return u.Username
}

// spin keys add/list/remove against a running spind, on the Secret Service
// and on the passphrase-protected file backend.
func TestKeysThroughCLI(t *testing.T) {
	for _, backend := range []string{"secret-service", "file"} {
		t.Run(backend, func(t *testing.T) {
			w := newWorld(t, worldOptions{backend: backend})
			if backend == "secret-service" {
				w.run("", "daemon", "start")
			} else {
				w.env = append(w.env, "SPIN_KEYRING_PASSPHRASE=correct horse battery")
				w.run("", "daemon", "start")
			}
			out := w.run(testKeyID+"\n"+testSecret+"\n", "keys", "add", w.keySet, "--stdin")
			if !strings.Contains(out, "stored key set "+w.keySet) || !strings.Contains(out, backend) {
				t.Errorf("keys add printed %q, want it to name the key set and the %s backend", out, backend)
			}
			// The same key again changes nothing (an import may store it
			// twice); another key under the name needs --force.
			if _, errOut, err := w.try(testKeyID+"\n"+testSecret+"\n", "keys", "add", w.keySet, "--stdin"); err != nil {
				t.Errorf("keys add of the key it already holds: %v, stderr %q", err, errOut)
			}
			other := "x" + testSecret[1:]
			_, errOut, err := w.try(testKeyID+"\n"+other+"\n", "keys", "add", w.keySet, "--stdin")
			if err == nil || !strings.Contains(errOut, "--force") {
				t.Errorf("keys add of another key without --force: err %v, stderr %q; want a refusal naming --force", err, errOut)
			}
			_, errOut, err = w.try("ASIAE2ETESTKEY000001\n"+testSecret+"\n", "keys", "add", "temp", "--stdin")
			if err == nil || !strings.Contains(errOut, "temporary") {
				t.Errorf("keys add with ASIA key: err %v, stderr %q; want a refusal", err, errOut)
			}
			list := w.run("", "keys", "list")
			if !strings.Contains(list, w.keySet) || !strings.Contains(list, "AKIA…0001") || strings.Contains(list, testKeyID) {
				t.Errorf("keys list = %q, want %s with the masked key id only", list, w.keySet)
			}
			if backend == "file" {
				// A restarted spind is locked until it gets the passphrase.
				w.run("", "daemon", "stop")
				w.env[len(w.env)-1] = "SPIN_KEYRING_PASSPHRASE=wrong passphrase here"
				_, errOut, err := w.try("", "daemon", "start")
				if err == nil || !strings.Contains(errOut, "wrong passphrase") {
					t.Errorf("daemon start with a wrong passphrase: err %v, stderr %q", err, errOut)
				}
				w.env[len(w.env)-1] = "SPIN_KEYRING_PASSPHRASE=correct horse battery"
				w.run("", "unlock")
				if list := w.run("", "keys", "list"); !strings.Contains(list, w.keySet) {
					t.Errorf("after unlock keys list = %q, want %s", list, w.keySet)
				}
			}
			w.run("", "keys", "remove", w.keySet, "--yes")
			if list, _, _ := w.try("", "keys", "list"); strings.Contains(list, w.keySet) {
				t.Errorf("after remove keys list = %q, still has %s", list, w.keySet)
			}
			if hits := filesContaining(t, w.home, testSecret); len(hits) > 0 {
				t.Errorf("plaintext secret in %v", hits)
			}
		})
	}
}
