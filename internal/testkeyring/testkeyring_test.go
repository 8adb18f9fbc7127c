//go:build unix

package testkeyring

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMain(m *testing.M) { os.Exit(RunUnderSecretService(m)) }

// TestInsideHarness is also run by TestHarnessLeavesNothing in a fresh
// copy of this binary.
func TestInsideHarness(t *testing.T) {
	RequireSecretService(t)
	if v := os.Getenv("PW"); v != "" {
		t.Error("the unlock password leaked into the tests' environment")
	}
	home, _ := os.UserHomeDir()
	if !strings.Contains(home, "spinss") || os.Getenv("XDG_RUNTIME_DIR") == "" {
		t.Errorf("HOME=%s XDG_RUNTIME_DIR=%s, want both private to the harness", home, os.Getenv("XDG_RUNTIME_DIR"))
	}
	store := exec.Command("secret-tool", "store", "--label=testkeyring probe", "spin-test", "probe")
	store.Stdin = strings.NewReader("probe-value")
	if out, err := store.CombinedOutput(); err != nil {
		t.Fatalf("secret-tool store: %v\n%s", err, out)
	}
	out, err := exec.Command("secret-tool", "lookup", "spin-test", "probe").Output()
	if err != nil || string(out) != "probe-value" {
		t.Fatalf("secret-tool lookup = %q, %v; want probe-value", out, err)
	}
}

func TestHarnessLeavesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts the harness again (skipped with -short)")
	}
	if !toolsPresent() {
		t.Fatal(InstallHint)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tmp, err := os.MkdirTemp(shortTempRoot(), "hl")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)

	cmd := exec.Command(exe, "-test.run=^TestInsideHarness$", "-test.v", "-test.count=1")
	cmd.Env = append(withoutVars(os.Environ(), EnvInside, "DBUS_SESSION_BUS_ADDRESS", "TMPDIR"), "TMPDIR="+tmp)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("harness run: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	if !strings.Contains(stdout.String(), "--- PASS: TestInsideHarness") {
		t.Errorf("inner test did not pass:\n%s", &stdout)
	}
	if strings.Contains(stderr.String(), "dbus-daemon") {
		t.Errorf("daemon chatter reached the tests' stderr:\n%s", &stderr)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("harness left %v in its temp dir", left)
	}
	// Every daemon the harness started had its HOME under tmp.
	environs, _ := filepath.Glob("/proc/[0-9]*/environ")
	for _, p := range environs {
		b, err := os.ReadFile(p)
		if err == nil && bytes.Contains(b, []byte("HOME="+tmp)) {
			comm, _ := os.ReadFile(filepath.Join(filepath.Dir(p), "comm"))
			t.Errorf("process %s (%s) outlived the harness", filepath.Base(filepath.Dir(p)), bytes.TrimSpace(comm))
		}
	}
}

func TestNewPassStore(t *testing.T) {
	dir, env := NewPassStore(t)
	if _, err := os.Stat(filepath.Join(dir, ".gpg-id")); err != nil {
		t.Fatalf("store not initialised: %v", err)
	}
	insert := exec.Command("pass", "insert", "-m", "spin/probe")
	insert.Env = append(os.Environ(), env...)
	insert.Stdin = strings.NewReader("probe-value\n")
	if out, err := insert.CombinedOutput(); err != nil {
		t.Fatalf("pass insert: %v\n%s", err, out)
	}
	show := exec.Command("pass", "show", "spin/probe")
	show.Env = append(os.Environ(), env...)
	out, err := show.Output()
	if err != nil || string(out) != "probe-value\n" {
		t.Fatalf("pass show = %q, %v; want probe-value", out, err)
	}
}

func TestBusEnv(t *testing.T) {
	in := []string{"PATH=/bin", "HOME=/root", "DBUS_SESSION_BUS_ADDRESS=unix:x", EnvInside + "=0",
		"XDG_DATA_HOME=/d", "GOCACHE=/keep", "LANG=C"}
	got := busEnv(in, "/h", "/r", "pw")
	for _, want := range []string{"PATH=/bin", "GOCACHE=/keep", "LANG=C", "HOME=/h", "XDG_RUNTIME_DIR=/r", "PW=pw"} {
		if !slices.Contains(got, want) {
			t.Errorf("busEnv lacks %s: %v", want, got)
		}
	}
	for _, gone := range []string{"HOME=/root", "DBUS_SESSION_BUS_ADDRESS=unix:x", EnvInside + "=0", "XDG_DATA_HOME=/d"} {
		if slices.Contains(got, gone) {
			t.Errorf("busEnv kept %s", gone)
		}
	}
	if n := strings.Count(strings.Join(got, "\n"), "GOCACHE="); n != 1 {
		t.Errorf("GOCACHE appears %d times, want the caller's only", n)
	}
}

func TestFingerprint(t *testing.T) {
	listing := "sec:u:255:22:AAAA:1:::u:::scESC:::+:::ed25519:::0:\n" +
		"fpr:::::::::0123456789ABCDEF0123456789ABCDEF01234567:\n" +
		"grp:::::::::X:\nuid:u::::1::H::spin test::::::::::0:\n" +
		"ssb:u:255:18:BBBB:1::::::e:::+:::cv25519::\n" +
		"fpr:::::::::FEDCBA9876543210FEDCBA9876543210FEDCBA98:\n"
	if diff := cmp.Diff("0123456789ABCDEF0123456789ABCDEF01234567", fingerprint([]byte(listing))); diff != "" {
		t.Errorf("fingerprint (-want +got):\n%s", diff)
	}
}

func withoutVars(environ []string, names ...string) []string {
	return slices.DeleteFunc(slices.Clone(environ), func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return slices.Contains(names, k)
	})
}
