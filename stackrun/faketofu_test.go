package stackrun

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The runner's tests drive a recording fake tofu through the real
// terraform-exec: this test binary, run under the name tofu. It answers
// the way tofu does (version -json, plan's -detailed-exitcode, output
// -json), follows a script the test writes beside it, and appends what it
// was given to a log there: its arguments, the NAMES of its environment
// variables, its working directory, and the var-files it was handed. It
// never writes an environment value; it checks them against the script's
// secrets and names the variables and arguments that hold one.

func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "tofu" {
		os.Exit(fakeTofuMain(filepath.Dir(os.Args[0]), os.Args[1:]))
	}
	os.Exit(m.Run())
}

// tofuScript is what the fake does; tofuScriptFile in its folder.
type tofuScript struct {
	Changes bool              // plan finds changes (exit 2)
	Exit    map[string]int    // a subcommand's exit code, e.g. init: 1
	Stderr  map[string]string // what a subcommand prints to stderr
	Hang    string            // a subcommand that waits for SIGINT
	Outputs json.RawMessage   // output -json's answer
	Secrets []string          // values that must not reach tofu
}

// tofuCall is one run of the fake, a line of tofuLogFile.
type tofuCall struct {
	Args     []string
	Env      []string // names only, sorted
	Dir      string
	Leaked   []string           // the arguments and variable names holding a secret
	VarFiles map[string]varFile // -var-file path: what it held during the run
	Signal   string             // "interrupt" when a hung command was stopped
}

type varFile struct {
	Mode os.FileMode
	Data string
}

const (
	tofuScriptFile = "script.json"
	tofuLogFile    = "calls.jsonl"
)

func fakeTofuMain(dir string, args []string) int {
	var s tofuScript
	if data, err := os.ReadFile(filepath.Join(dir, tofuScriptFile)); err == nil {
		if err := json.Unmarshal(data, &s); err != nil {
			fmt.Fprintln(os.Stderr, "fake tofu: script:", err)
			return 99
		}
	}
	c := tofuCall{Args: args, VarFiles: map[string]varFile{}}
	c.Dir, _ = os.Getwd()
	for _, kv := range os.Environ() {
		name, value, _ := strings.Cut(kv, "=")
		c.Env = append(c.Env, name)
		if holdsSecret(value, s.Secrets) {
			c.Leaked = append(c.Leaked, "env "+name)
		}
	}
	slices.Sort(c.Env)
	for _, a := range args {
		if holdsSecret(a, s.Secrets) {
			c.Leaked = append(c.Leaked, "arg "+a)
		}
		if p, ok := strings.CutPrefix(a, "-var-file="); ok {
			fi, err := os.Stat(p)
			data, _ := os.ReadFile(p)
			if err == nil {
				c.VarFiles[p] = varFile{fi.Mode().Perm(), string(data)}
			}
		}
	}
	cmd := ""
	if len(args) > 0 {
		cmd = args[0]
	}
	logCall(dir, c)
	if cmd == s.Hang {
		// Stand for a long apply: wait for terraform-exec's SIGINT.
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGINT)
		select {
		case <-sig:
			logCall(dir, tofuCall{Args: args, Signal: "interrupt"})
			return 1
		case <-time.After(30 * time.Second):
			return 98
		}
	}
	fmt.Fprint(os.Stderr, s.Stderr[cmd])
	if code, ok := s.Exit[cmd]; ok {
		return code
	}
	switch cmd {
	case "version":
		fmt.Println(`{"terraform_version":"1.10.6","platform":"linux_amd64","provider_selections":{},"terraform_outdated":false}`)
	case "plan":
		if s.Changes {
			return 2 // -detailed-exitcode
		}
	case "output":
		fmt.Println(cmp.Or(string(s.Outputs), "{}"))
	}
	return 0
}

func holdsSecret(v string, secrets []string) bool {
	for _, s := range secrets {
		if s != "" && strings.Contains(v, s) {
			return true
		}
	}
	return false
}

func logCall(dir string, c tofuCall) {
	line, _ := json.Marshal(c)
	f, err := os.OpenFile(filepath.Join(dir, tofuLogFile), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fake tofu:", err)
		os.Exit(97)
	}
	defer f.Close()
	f.Write(append(line, '\n'))
}

// fakeTofu is one test's fake: a folder holding the tofu link, its
// script and its log.
type fakeTofu struct {
	t       *testing.T
	dir     string
	secrets []string // added to every script
	Path    string   // the tofu to run
}

func newFakeTofu(t *testing.T, secrets []string) *fakeTofu {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeTofu{t: t, dir: t.TempDir(), secrets: secrets}
	f.Path = filepath.Join(f.dir, "tofu")
	if err := os.Symlink(self, f.Path); err != nil {
		t.Fatal(err)
	}
	f.script(tofuScript{})
	return f
}

// script replaces what the fake does from now on.
func (f *fakeTofu) script(s tofuScript) {
	f.t.Helper()
	s.Secrets = append(s.Secrets, f.secrets...)
	data, err := json.Marshal(s)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.dir, tofuScriptFile), data, 0o600); err != nil {
		f.t.Fatal(err)
	}
}

// calls returns the runs so far and forgets them.
func (f *fakeTofu) calls() []tofuCall {
	f.t.Helper()
	p := filepath.Join(f.dir, tofuLogFile)
	data, err := os.ReadFile(p)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		f.t.Fatal(err)
	}
	os.Remove(p)
	var out []tofuCall
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var c tofuCall
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			f.t.Fatalf("fake tofu's log: %v", err)
		}
		out = append(out, c)
	}
	return out
}

// commands names the subcommands of calls: version, init, plan, ...
func commands(calls []tofuCall) []string {
	var out []string
	for _, c := range calls {
		if c.Signal == "" && len(c.Args) > 0 {
			out = append(out, c.Args[0])
		}
	}
	return out
}

// flag returns the values of -name=value arguments in c, in order.
func (c tofuCall) flag(name string) []string {
	var out []string
	for _, a := range c.Args {
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			out = append(out, v)
		}
	}
	return out
}

func (c tofuCall) has(arg string) bool { return slices.Contains(c.Args, arg) }

// call returns the first run of cmd.
func call(t *testing.T, calls []tofuCall, cmd string) tofuCall {
	t.Helper()
	for _, c := range calls {
		if c.Signal == "" && len(c.Args) > 0 && c.Args[0] == cmd {
			return c
		}
	}
	t.Fatalf("tofu %s never ran: %v", cmd, commands(calls))
	return tofuCall{}
}
