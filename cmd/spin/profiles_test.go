package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/cloudspin/spin/profiles"
)

const spinYAML = `defaults:
  region: eu-west-1
profiles:
  assume-cloudspin_examples-account:
    source: cloudspin_user
    role_arn: arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-account
  bootstrap:
    source: bootstrap_admin
`

// profilesWorld is a HOME with spin's config.yaml at its default path and
// an AWS config holding the user's own lines.
type profilesWorld struct {
	home, spinConfig, awsConfig, exe string
	env                              map[string]string
}

func newProfilesWorld(t *testing.T, awsConfig string) *profilesWorld {
	t.Helper()
	home := t.TempDir()
	w := &profilesWorld{
		home:       home,
		spinConfig: filepath.Join(home, ".config", "spin", "config.yaml"),
		awsConfig:  filepath.Join(home, ".aws", "config"),
		env:        map[string]string{"HOME": home},
	}
	for path, data := range map[string]string{w.spinConfig: spinYAML, w.awsConfig: awsConfig} {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		t.Fatal(err)
	}
	w.exe = exe
	return w
}

func (w *profilesWorld) spin(args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	e := &env{getenv: func(k string) string { return w.env[k] }, stdin: strings.NewReader(""), stdout: &out, stderr: &errb}
	code = run(context.Background(), args, e)
	return out.String(), errb.String(), code
}

func (w *profilesWorld) block(name, flags string) string {
	return fmt.Sprintf("[profile %s]\n%s\ncredential_process = '%s'%s credential-process %s\nregion = eu-west-1\n", name, profiles.Marker, w.exe, flags, name)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestProfilesWriteDiffListRemove(t *testing.T) {
	const mine = "# mine\n[default]\nregion = us-east-1\n"
	w := newProfilesWorld(t, mine)
	awsDir := filepath.Dir(w.awsConfig)

	out, _, code := w.spin("profiles", "diff")
	if code != 0 || !strings.Contains(out, "+[profile assume-cloudspin_examples-account]\n") || !strings.HasPrefix(out, "--- "+w.awsConfig+"\n") {
		t.Errorf("diff: exit %d, got %q", code, out)
	}
	if got := dirEntries(t, awsDir); !slices.Equal(got, []string{"config"}) {
		t.Errorf("diff left %q, want nothing written", got)
	}

	out, errOut, code := w.spin("profiles", "write")
	want := mine + "\n" + w.block("assume-cloudspin_examples-account", "") + "\n" + w.block("bootstrap", "")
	if code != 0 || readFile(t, w.awsConfig) != want {
		t.Fatalf("write: exit %d, stderr %q; got\n%s\nwant\n%s", code, errOut, readFile(t, w.awsConfig), want)
	}
	wantOut := "added profile assume-cloudspin_examples-account\nadded profile bootstrap\nwrote " + w.awsConfig + " (previous content in " + w.awsConfig + ".spin.bak)\n"
	if out != wantOut || !strings.Contains(errOut, "spin: warning: profile bootstrap has no role_arn") {
		t.Errorf("write: got stdout %q, stderr %q; want %q and a bootstrap warning", out, errOut, wantOut)
	}

	out, errOut, code = w.spin("profiles", "write")
	if code != 0 || out != w.awsConfig+" is up to date (2 spin profiles)\n" || errOut != "" || readFile(t, w.awsConfig) != want {
		t.Errorf("second write: exit %d, got %q %q; want up to date", code, out, errOut)
	}
	if out, _, _ := w.spin("profiles", "diff"); out != "" {
		t.Errorf("diff after write: got %q, want nothing", out)
	}

	out, _, code = w.spin("profiles", "list")
	wantList := `PROFILE                            MANAGED  STATE       LINE
default                            no       -           2
assume-cloudspin_examples-account  yes      up to date  5
bootstrap                          yes      up to date  10
`
	if code != 0 || out != wantList {
		t.Errorf("list: exit %d, got\n%s\nwant\n%s", code, out, wantList)
	}

	out, errOut, code = w.spin("profiles", "remove", "bootstrap")
	if code != 0 || out != "removed profile bootstrap from "+w.awsConfig+"\n" || !strings.Contains(errOut, "still defines bootstrap") {
		t.Errorf("remove: exit %d, got %q %q", code, out, errOut)
	}
	if got := readFile(t, w.awsConfig); got != mine+"\n"+w.block("assume-cloudspin_examples-account", "") {
		t.Errorf("after remove got\n%s", got)
	}
	if got := dirEntries(t, awsDir); !slices.Equal(got, []string{"config", "config.spin.bak", "config.spin.lock"}) {
		t.Errorf("got %q in ~/.aws, want config, its backup and its lock", got)
	}
}

func TestProfilesErrors(t *testing.T) {
	const user = "[profile bootstrap]\nregion = us-east-1\n"
	tests := []struct {
		name string
		args []string
		want string // stderr; $AWS stands for the AWS config path
	}{
		{"unmanaged", []string{"profiles", "write"}, "spin: $AWS: profile bootstrap (line 1) is not managed by spin\n" +
			"spin: hint: rename the profile in spin's config.yaml, or replace it with 'spin profiles write --force' (the old file is kept in config.spin.bak)\n"},
		{"remove unmanaged", []string{"profiles", "remove", "bootstrap"}, "spin: $AWS: profile bootstrap (line 1) is not managed by spin\n" +
			"spin: hint: spin removes only profiles it wrote; edit $AWS yourself\n"},
		{"remove missing", []string{"profiles", "remove", "nope"}, "spin: $AWS: no such profile nope\nspin: hint: 'spin profiles list' shows the profiles\n"},
		{"no spin config", []string{"--config", "/nonexistent/spin.yaml", "profiles", "write"}, "spin: /nonexistent/spin.yaml does not exist\n" +
			"spin: hint: define your profiles there; 'spin profiles write --help' shows what spin writes\n"},
	}
	for _, tt := range tests {
		w := newProfilesWorld(t, user)
		out, errOut, code := w.spin(tt.args...)
		if want := strings.ReplaceAll(tt.want, "$AWS", w.awsConfig); code != 1 || out != "" || errOut != want {
			t.Errorf("%s: exit %d, stdout %q, stderr\n%s\nwant\n%s", tt.name, code, out, errOut, want)
		}
		if got := readFile(t, w.awsConfig); got != user {
			t.Errorf("%s: the file changed to %q", tt.name, got)
		}
	}
}

func TestProfilesWriteForceAndConfigFlag(t *testing.T) {
	w := newProfilesWorld(t, "[profile bootstrap]\nregion = us-east-1\n")
	other := filepath.Join(w.home, "other.yaml")
	if err := os.WriteFile(other, []byte(spinYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := w.spin("--config", other, "profiles", "write", "--force"); code != 0 {
		t.Fatalf("write --force: exit %d, %s", code, errOut)
	}
	flags := " --config '" + other + "'"
	want := w.block("bootstrap", flags) + "\n" + w.block("assume-cloudspin_examples-account", flags)
	if got := readFile(t, w.awsConfig); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := readFile(t, w.awsConfig+".spin.bak"); got != "[profile bootstrap]\nregion = us-east-1\n" {
		t.Errorf("backup holds %q, want the replaced file", got)
	}
}

func TestProfilesHelpShowsExamplesFirst(t *testing.T) {
	w := newProfilesWorld(t, "")
	for _, sub := range []string{"write", "diff", "list", "remove"} {
		out, _, code := w.spin("profiles", sub, "--help")
		if code != 0 || !strings.HasPrefix(out, "  spin profiles "+sub) {
			t.Errorf("profiles %s --help: exit %d, starts %q; want an example first", sub, code, out[:min(len(out), 40)])
		}
	}
}

// TestProfilesWriteConcurrentProcesses: 20 `spin profiles write` processes,
// each with its own config.yaml, on one AWS config.
func TestProfilesWriteConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds spin")
	}
	dir := t.TempDir()
	bin, lean := filepath.Join(dir, "spin"), filepath.Join(dir, "spin-credential-process")
	for out, pkg := range map[string]string{bin: ".", lean: "../spin-credential-process"} {
		if msg, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, msg)
		}
	}
	awsDir := filepath.Join(dir, "aws")
	awsConfig := filepath.Join(awsDir, "config")
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		cfg := filepath.Join(dir, fmt.Sprintf("spin-%d.yaml", i))
		yaml := fmt.Sprintf("profiles:\n  p%d-a:\n    source: k\n    role_arn: arn:aws:iam::123456789012:role/r\n    region: eu-west-1\n  p%d-b:\n    source: k\n", i, i)
		if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			cmd := exec.Command(bin, "--config", cfg, "profiles", "write")
			cmd.Env = []string{"HOME=" + dir, "AWS_CONFIG_FILE=" + awsConfig, "PATH=/usr/bin:/bin"}
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("writer %d: %v\n%s", i, err, out)
			}
		})
	}
	wg.Wait()
	data, err := os.ReadFile(awsConfig)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, s := range profiles.ParseAWSConfig(data).Sections() {
		count[s.Name]++
	}
	for i := range n {
		for _, name := range []string{fmt.Sprintf("p%d-a", i), fmt.Sprintf("p%d-b", i)} {
			if count[name] != 1 {
				t.Errorf("profile %s appears %d times, want once", name, count[name])
			}
			sc, err := config.LoadSharedConfigProfile(context.Background(), name, func(o *config.LoadSharedConfigOptions) {
				o.ConfigFiles, o.CredentialsFiles = []string{awsConfig}, []string{}
			})
			// spin picks the lean helper installed next to it.
			want := fmt.Sprintf("'%s' --config '%s' %s", lean, filepath.Join(dir, fmt.Sprintf("spin-%d.yaml", i)), name)
			if err != nil || sc.CredentialProcess != want {
				t.Errorf("SDK reads %s as %q, %v; want %q", name, sc.CredentialProcess, err, want)
			}
		}
	}
	if got := dirEntries(t, awsDir); !slices.Equal(got, []string{"config", "config.spin.bak", "config.spin.lock"}) {
		t.Errorf("got %q, want config, its backup and its lock file only", got)
	}
}

func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}
