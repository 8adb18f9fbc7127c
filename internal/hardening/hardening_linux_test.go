package hardening

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// Apply changes this test process, which is what it is for: the process
// that calls it loses its core limit and its dumpable flag.
func TestApply(t *testing.T) {
	if err := Apply(); err != nil {
		t.Fatal(err)
	}
	if d, err := Dumpable(); err != nil || d {
		t.Errorf("Dumpable() after Apply = %v, %v; want false", d, err)
	}
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_CORE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur != 0 || lim.Max != 0 {
		t.Errorf("RLIMIT_CORE after Apply = %d/%d, want 0/0", lim.Cur, lim.Max)
	}
	// A non-dumpable process's /proc files belong to root: the kernel
	// shows it in the owner of /proc/self (which is why another process
	// of the same uid cannot open /proc/PID/mem; internal/e2e tests that).
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/mem", &st); err != nil {
		t.Fatal(err)
	}
	if os.Getuid() != 0 && st.Uid != 0 {
		t.Errorf("/proc/self/mem belongs to uid %d after Apply, want root", st.Uid)
	}
}

// The lean credential helper may call Apply: it must not pull in net or cgo.
func TestNoNetNoCgo(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/cloudspin/spin/internal/hardening").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "golang.org/x/sys/unix") {
		t.Fatalf("go list output lacks golang.org/x/sys/unix; wrong package?\n%s", out)
	}
	for _, banned := range []string{"net", "runtime/cgo", "os/user"} {
		if slices.Contains(deps, banned) {
			t.Errorf("internal/hardening links %s", banned)
		}
	}
}
