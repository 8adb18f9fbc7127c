//go:build unix

// Package testkeyring gives tests real keyring backends: a private,
// unlocked gnome-keyring Secret Service on a private D-Bus session bus, and
// throwaway pass stores with batch gpg keys.
//
// The Secret Service harness re-executes the whole test binary inside the
// bus, because 99designs/keyring decides at package init whether Secret
// Service exists: a bus started later from TestMain would not be seen.
package testkeyring

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// EnvInside is set to "1" in the re-executed test binary.
const EnvInside = "SPIN_TEST_SECRET_SERVICE"

// InstallHint tells a developer what the harness needs.
const InstallHint = "install gnome-keyring dbus (make deps)"

// harnessFailed is the exit code (`exit 97`) of the unlock script when the Secret
// Service never appears; the harness then prints the daemons' log.
const harnessFailed = 97

// unlockScript runs inside dbus-run-session. gnome-keyring-daemon creates
// and unlocks the "login" collection with the password on stdin; NameHasOwner
// is polled because the daemon forks before it has claimed its bus name. The
// daemons' chatter goes to a log file and the test binary gets the real
// stderr back from fd 3, so a green run prints only the tests' output.
const unlockScript = `
printf %s "$PW" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 3>&-
unset PW
i=0
until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
	org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'
do
	i=$((i+1))
	if [ "$i" -ge 50 ]; then
		echo "testkeyring: org.freedesktop.secrets has no owner after 5s" >&3
		exit 97
	fi
	sleep 0.1
done
export ` + EnvInside + `=1
exec "$@" 2>&3 3>&-
`

// RunUnderSecretService is for TestMain: it runs the tests inside a private
// D-Bus session with an unlocked gnome-keyring and returns their exit code.
// Without the tools, or with -short (tests needing the Secret Service skip
// then), it runs the tests directly.
func RunUnderSecretService(m *testing.M) int {
	if os.Getenv(EnvInside) == "1" {
		return m.Run()
	}
	flag.Parse() // testing.Short needs parsed flags; m.Run will not parse twice
	if testing.Short() || !toolsPresent() {
		return m.Run()
	}
	code, err := reexecUnderBus()
	if err != nil {
		fmt.Fprintf(os.Stderr, "testkeyring: %v\n", err)
		return 1
	}
	return code
}

func toolsPresent() bool {
	for _, tool := range []string{"dbus-run-session", "dbus-send", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(tool); err != nil {
			return false
		}
	}
	return true
}

func reexecUnderBus() (int, error) {
	exe, err := os.Executable()
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "spinss")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	home, run := filepath.Join(dir, "home"), filepath.Join(dir, "run")
	for _, d := range []string{home, run} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return 0, err
		}
	}
	logFile, err := os.Create(filepath.Join(dir, "daemons.log"))
	if err != nil {
		return 0, err
	}
	defer logFile.Close()

	args := append([]string{"--", "sh", "-c", unlockScript, "sh", exe}, os.Args[1:]...)
	cmd := exec.Command("dbus-run-session", args...)
	cmd.Env = busEnv(os.Environ(), home, run, randomPassword())
	cmd.Stdout = os.Stdout
	cmd.Stderr = logFile
	cmd.ExtraFiles = []*os.File{os.Stderr} // fd 3 in the script
	// Its own process group, so that whatever the daemons leave can be
	// killed as one; signals from the terminal are forwarded below.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	becomeSubreaper()

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	pgid := cmd.Process.Pid
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				_ = syscall.Kill(-pgid, s.(syscall.Signal))
			case <-stop:
				return
			}
		}
	}()
	err = cmd.Wait()
	close(stop)
	cleanupGroup(pgid)

	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
		if code < 0 { // killed by a signal
			code = 1
		}
	case err != nil:
		return 0, err
	}
	if code == harnessFailed {
		logFile.Close()
		if b, err := os.ReadFile(logFile.Name()); err == nil {
			os.Stderr.Write(b)
		}
		fmt.Fprintln(os.Stderr, "testkeyring: the Secret Service did not start: "+InstallHint)
	}
	return code, nil
}

// busEnv gives the tests their own HOME and XDG_RUNTIME_DIR, so the keyring
// they unlock is theirs (without XDG_RUNTIME_DIR keyring's Open can hang).
// Go's caches stay where they were: a test that runs `go build` must not
// start from an empty module cache under the temporary HOME.
func busEnv(environ []string, home, run, pw string) []string {
	drop := map[string]bool{
		"HOME": true, "XDG_RUNTIME_DIR": true, "DBUS_SESSION_BUS_ADDRESS": true,
		"XDG_DATA_HOME": true, "XDG_CONFIG_HOME": true, "XDG_CACHE_HOME": true,
		EnvInside: true, "PW": true,
	}
	var env []string
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			env = append(env, kv)
		}
	}
	env = append(env, goEnvPins(environ)...)
	return append(env, "HOME="+home, "XDG_RUNTIME_DIR="+run, "PW="+pw)
}

// goEnvPins returns the go command's HOME-derived settings as variables,
// except those the environment already sets.
func goEnvPins(environ []string) []string {
	vars := []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOENV"}
	if _, err := exec.LookPath("go"); err != nil {
		return nil
	}
	out, err := exec.Command("go", append([]string{"env", "-json"}, vars...)...).Output()
	if err != nil {
		return nil
	}
	var vals map[string]string
	if json.Unmarshal(out, &vals) != nil {
		return nil
	}
	set := map[string]bool{}
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		set[k] = true
	}
	var pins []string
	for _, v := range vars {
		if !set[v] && vals[v] != "" {
			pins = append(pins, v+"="+vals[v])
		}
	}
	return pins
}

func randomPassword() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

var available = sync.OnceValue(func() bool {
	if os.Getenv(EnvInside) != "1" || os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		return false
	}
	out, err := exec.Command("dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
		"/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets").Output()
	return err == nil && bytes.Contains(out, []byte("boolean true"))
})

// SecretServiceAvailable reports whether this process runs inside the
// harness with the Secret Service on the bus.
func SecretServiceAvailable() bool { return available() }

// RequireSecretService skips t under -short and fails it when the harness
// could not provide a Secret Service.
func RequireSecretService(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs the Secret Service (skipped with -short)")
	}
	if !SecretServiceAvailable() {
		t.Fatalf("no Secret Service on a private bus (does TestMain call testkeyring.RunUnderSecretService?): %s", InstallHint)
	}
}
