package e2e

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cloudspin/spin/internal/awsemu"
	"github.com/cloudspin/spin/internal/testkeyring"
)

func TestMain(m *testing.M) {
	// The test binary doubles as a child process for tests that need a Go
	// program inside spin's environment (see children_test.go).
	if role := os.Getenv(childRoleEnv); role != "" {
		os.Exit(childMain(role))
	}
	os.Exit(testkeyring.RunUnderSecretService(m))
}

const (
	testKeyID  = "AKIAE2ETESTKEY000001"
	testSecret = "e2eSecretKeyDoNotLeak/abcdefghijklmnop12"
	account    = "123456789012"
)

var build struct {
	once       sync.Once
	dir        string
	spin, spnd string
	err        error
}

// helperName is the lean credential_process helper built next to spin.
const helperName = "spin-credential-process"

// binaries builds spin, spind and the lean helper once per test binary.
func binaries(t *testing.T) (spin, spind string) {
	t.Helper()
	build.once.Do(func() {
		build.dir, build.err = os.MkdirTemp("", "spinbin")
		if build.err != nil {
			return
		}
		for _, b := range []string{"spin", "spind", helperName} {
			out, err := exec.Command("go", "build", "-o", filepath.Join(build.dir, b), "github.com/cloudspin/spin/cmd/"+b).CombinedOutput()
			if err != nil {
				build.err = fmt.Errorf("go build %s: %v\n%s", b, err, out)
				return
			}
		}
		build.spin, build.spnd = filepath.Join(build.dir, "spin"), filepath.Join(build.dir, "spind")
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.spin, build.spnd
}

// world is one user's machine: a HOME, a runtime dir, spin's config, an
// emulated AWS account and the environment every child process gets.
type world struct {
	t       *testing.T
	root    string
	home    string
	sock    string
	config  string
	awsConf string
	emu     *awsemu.Emulator
	url     string
	keySet  string
	spin    string
	env     []string
}

type worldOptions struct {
	backend  string // default secret-service
	profiles string // YAML under profiles:, default one assume profile
	defaults string // YAML under defaults:
	// mfaSerial, if set, guards the default profile with MFA.
	mfaSerial string
	// profile and role name the default profile and its role
	// (default assume-test, spin_role-test).
	profile, role string
	// sources is YAML under sources: (none by default).
	sources string
}

func newWorld(t *testing.T, o worldOptions) *world {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test; skipped in -short")
	}
	spin, _ := binaries(t)
	if o.backend == "" {
		o.backend = "secret-service"
		testkeyring.RequireSecretService(t)
	}
	// Short paths: unix socket paths are limited to 107 bytes.
	root, err := os.MkdirTemp("", "spinw")
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, root: root, home: filepath.Join(root, "h"), spin: spin}
	w.keySet = "user_" + strings.ReplaceAll(strings.ToLower(t.Name()), "/", "_")
	if len(w.keySet) > 60 {
		w.keySet = w.keySet[:60]
	}
	runtime := filepath.Join(root, "r")
	for _, d := range []string{w.home, runtime} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	w.sock = filepath.Join(runtime, "spin", "broker.sock")
	w.config = filepath.Join(w.home, ".config", "spin", "config.yaml")
	w.awsConf = filepath.Join(w.home, ".aws", "config")

	w.emu = awsemu.New(awsemu.Options{Keys: []awsemu.Key{{
		AccessKeyID: testKeyID, SecretAccessKey: testSecret, UserName: "cloudspin_user", Account: account,
	}}})
	ctx, cancel := context.WithCancel(context.Background())
	url, stop, err := w.emu.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w.url = url

	if o.profiles == "" {
		o.profiles = fmt.Sprintf("  %s:\n    source: %s\n    role_arn: arn:aws:iam::%s:role/%s\n",
			cmp.Or(o.profile, "assume-test"), w.keySet, account, cmp.Or(o.role, "spin_role-test"))
		if o.mfaSerial != "" {
			o.profiles += "    mfa_serial: " + o.mfaSerial + "\n"
		}
	}
	if o.defaults == "" {
		o.defaults = "  region: eu-west-1\n"
	}
	// spind takes the emulator's endpoint from config.yaml: the helper
	// autostarts it with an allow-listed environment, so the
	// AWS_ENDPOINT_URL_STS below is for the tools the tests run, not spind.
	if o.sources != "" {
		o.defaults += "sources:\n" + o.sources
	}
	w.writeFile(w.config, fmt.Sprintf("keyring:\n  backend: %s\n  file_dir: %s\ndefaults:\n%sprofiles:\n%sendpoints:\n  sts: %s\n",
		o.backend, filepath.Join(w.home, "keyring"), o.defaults, o.profiles, url))
	w.writeFile(w.awsConf, fmt.Sprintf("[profile assume-test]\ncredential_process = '%s' assume-test\nregion = eu-west-1\n",
		filepath.Join(filepath.Dir(spin), helperName)))

	w.env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + w.home,
		"XDG_RUNTIME_DIR=" + runtime,
		"SPIN_CONFIG=" + w.config,
		"AWS_CONFIG_FILE=" + w.awsConf,
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(w.home, ".aws", "credentials"),
		"AWS_ENDPOINT_URL_STS=" + url,
		"AWS_EC2_METADATA_DISABLED=true",
		"DBUS_SESSION_BUS_ADDRESS=" + os.Getenv("DBUS_SESSION_BUS_ADDRESS"),
		"LANG=C.UTF-8",
	}
	t.Cleanup(func() {
		w.stopDaemons()
		stop()
		cancel()
		os.RemoveAll(root)
	})
	return w
}

func (w *world) writeFile(path, content string) {
	w.t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// command builds a child process with the world's environment.
func (w *world) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append([]string(nil), w.env...)
	cmd.Dir = w.home
	return cmd
}

// helper runs the lean credential_process helper for profile.
func (w *world) helper(profile string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := w.command(ctx, filepath.Join(filepath.Dir(w.spin), helperName), profile)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// run runs spin with args and stdin, failing the test on a non-zero exit.
func (w *world) run(stdin string, args ...string) string {
	w.t.Helper()
	out, errOut, err := w.try(stdin, args...)
	if err != nil {
		w.t.Fatalf("spin %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

func (w *world) try(stdin string, args ...string) (stdout, stderr string, err error) {
	timeout := 60 * time.Second
	if len(args) > 0 && (args[0] == "up" || args[0] == "exec") {
		timeout = 4 * time.Minute // long applies and exec loops
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := w.command(ctx, w.spin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// addKeys stores the emulator's key pair as the world's key set.
func (w *world) addKeys() {
	w.t.Helper()
	w.run(testKeyID+"\n"+testSecret+"\n", "keys", "add", w.keySet, "--stdin", "--force")
}

// daemons lists the pids of spind processes serving this world's socket.
func (w *world) daemons() []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(cmdline), "\x00")
		if filepath.Base(args[0]) == "spind" && strings.Contains(string(cmdline), w.sock) {
			if st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil && strings.Contains(string(st), ") Z ") {
				continue // a zombie already exited
			}
			pids = append(pids, pid)
		}
	}
	return pids
}

func (w *world) stopDaemons() {
	_, _, _ = w.try("", "keys", "remove", w.keySet, "--yes")
	_, _, _ = w.try("", "daemon", "stop")
	for _, pid := range w.daemons() {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// filesContaining lists files under dir whose bytes contain s.
func filesContaining(t *testing.T, dir, s string) []string {
	t.Helper()
	var hits []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if bytes.Contains(data, []byte(s)) {
				hits = append(hits, path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hits
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}
