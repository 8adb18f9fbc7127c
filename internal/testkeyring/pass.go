//go:build unix

package testkeyring

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gpgKeyParams makes an unprotected ed25519/cv25519 key: batch generation
// takes milliseconds and no agent prompt can block the test.
const gpgKeyParams = `%no-protection
Key-Type: eddsa
Key-Curve: ed25519
Key-Usage: sign
Subkey-Type: ecdh
Subkey-Curve: cv25519
Subkey-Usage: encrypt
Name-Real: spin test
Name-Email: spin-test@example.invalid
Expire-Date: 0
%commit
`

// NewPassStore creates an initialised, empty pass store with its own gpg
// home and key. It returns the store directory and the variables a process
// needs to use it (GNUPGHOME, PASSWORD_STORE_DIR); set them with t.Setenv
// or append them to a child's environment. The gpg-agent it starts is
// stopped at cleanup. It skips under -short and fails without pass or gpg.
func NewPassStore(t testing.TB) (passDir string, env []string) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs pass and gpg (skipped with -short)")
	}
	for _, tool := range []string{"pass", "gpg", "gpgconf"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: install pass gnupg (make deps)", tool)
		}
	}
	// Not t.TempDir: gpg-agent puts its sockets in GNUPGHOME when
	// /run/user/UID is missing, and a test-named path can pass the
	// 108-byte socket path limit.
	dir, err := os.MkdirTemp(shortTempRoot(), "spg")
	if err != nil {
		t.Fatal(err)
	}
	gnupg, store := filepath.Join(dir, "g"), filepath.Join(dir, "s")
	if err := os.Mkdir(gnupg, 0o700); err != nil {
		t.Fatal(err)
	}
	env = []string{"GNUPGHOME=" + gnupg, "PASSWORD_STORE_DIR=" + store}
	t.Cleanup(func() {
		// Otherwise one gpg-agent per test outlives the test run.
		cmd := exec.Command("gpgconf", "--kill", "gpg-agent")
		cmd.Env = append(os.Environ(), env...)
		_ = cmd.Run()
		os.RemoveAll(dir)
	})

	run := func(stdin string, name string, args ...string) []byte {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Env = append(os.Environ(), env...)
		cmd.Stdin = strings.NewReader(stdin)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.Bytes())
		}
		return out
	}
	run(gpgKeyParams, "gpg", "--batch", "--gen-key")
	fpr := fingerprint(run("", "gpg", "--batch", "--with-colons", "--list-secret-keys"))
	if fpr == "" {
		t.Fatal("gpg generated no secret key")
	}
	run("", "pass", "init", fpr)
	return store, env
}

// fingerprint returns the primary key's fingerprint from gpg's colon
// listing: the first fpr record after the first sec record.
func fingerprint(listing []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(listing))
	inSec := false
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		switch {
		case f[0] == "sec":
			inSec = true
		case f[0] == "fpr" && inSec && len(f) > 9:
			return f[9]
		}
	}
	return ""
}

func shortTempRoot() string {
	if d := os.TempDir(); len(d) <= 40 {
		return d
	}
	return "/tmp"
}
