package sdkcheck_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/sdkcheck"
	"github.com/cloudspin/spin/internal/sdkcheck/sdkchecktest"
	"github.com/cloudspin/spin/internal/secret"
)

func TestMain(m *testing.M) { os.Exit(sdkchecktest.Main(m)) }

// Run starts "spind __check-aws-files" (spind built by sdkchecktest) and
// passes on the SDK's verdict.
func TestRun(t *testing.T) {
	target := filepath.Join(t.TempDir(), "config")
	ok := sdkcheck.Request{Config: []byte("[profile p]\ncredential_process = x\n"), ConfigTarget: target, Profiles: []sdkcheck.Profile{{Name: "p", CredentialProcess: "x"}}}
	if err := sdkcheck.Run(context.Background(), ok); err != nil {
		t.Errorf("a file the SDK reads as written: %v", err)
	}
	bad := ok
	bad.Config = []byte("[profile p]\ncredential_process = x # y\n")
	bad.Profiles = []sdkcheck.Profile{{Name: "p", CredentialProcess: "x # y"}}
	if err := sdkcheck.Run(context.Background(), bad); err == nil || err.Error() != `aws-sdk-go-v2 would read profile p's credential_process as "x", not "x # y"` {
		t.Errorf("an inline comment: got %v", err)
	}
}

// Without spind nothing is written unchecked: the error says what to do.
func TestRunWithoutSpind(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	err := sdkcheck.Run(context.Background(), sdkcheck.Request{Config: []byte("[profile p]\n"), ConfigTarget: "/x/config"})
	if err == nil || !strings.Contains(err.Error(), "spind not found next to spin or on PATH: install both binaries together") {
		t.Errorf("got %v", err)
	}
}

// fakeSpind puts a script named spind first on PATH: it records its
// argv, environment and stdin in the returned file, prints stderr and
// stdout and exits with code.
func fakeSpind(t *testing.T, stdout, stderr string, code int) (record string) {
	dir := t.TempDir()
	record = filepath.Join(dir, "record")
	for name, content := range map[string]string{"out": stdout, "err": stderr} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	script := fmt.Sprintf(`#!/bin/sh
{ echo "argv: $0 $*"; env; printf 'stdin: '; cat; } >'%[1]s/record'
cat '%[1]s/out'
cat '%[1]s/err' >&2
exit %[2]d
`, dir, code)
	if err := os.WriteFile(filepath.Join(dir, "spind"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return record
}

// The secret key travels nowhere: not in spind's argv, environment or
// stdin, where only its HMAC goes (the checker reads the file itself).
func TestSecretNeverSent(t *testing.T) {
	const key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	record := fakeSpind(t, `{"checked":true}`, "", 0)
	r := sdkcheck.Request{CredentialsFile: "/c", Profiles: []sdkcheck.Profile{{Name: "a", AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: secret.New(key)}}}
	if err := sdkcheck.Run(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	// The record is complete: the command, PATH and the request are there.
	for _, want := range []string{"argv: ", " " + sdkcheck.Command + "\n", "PATH=", `"credentials_file":"/c"`, `"secret_mac":"`, `"mac_key":"`} {
		if !strings.Contains(string(got), want) {
			t.Fatalf("the record lacks %q; it would prove nothing:\n%s", want, got)
		}
	}
	for _, enc := range []string{key, base64.StdEncoding.EncodeToString([]byte(key)), "K7MDENG"} {
		if strings.Contains(string(got), enc) {
			t.Errorf("spind got the secret (%q) in its argv, environment or stdin:\n%s", enc, got)
		}
	}
	if j, _ := json.Marshal(r); strings.Contains(string(j), key) {
		t.Errorf("json.Marshal shows the secret: %s", j)
	}
}

// A spind that does not answer as the checker does (an older one starts a
// daemon instead) is named, with what to do.
func TestRunOlderSpind(t *testing.T) {
	fakeSpind(t, "", "time=... level=INFO msg=\"spind listening\"\n", 0)
	err := sdkcheck.Run(context.Background(), sdkcheck.Request{Config: []byte("[profile p]\n"), ConfigTarget: "/x/config"})
	if err == nil || !strings.Contains(err.Error(), "/spind answered \"\" to __check-aws-files: it is older than spin (or not spind): install both from one release") {
		t.Errorf("got %v", err)
	}
	if h := hint.Of(err); !strings.HasPrefix(h, "compare 'spin --version' with '") {
		t.Errorf("hint %q", h)
	}
	fakeSpind(t, `{"problem":"x"}`, "", 0)
	if err := sdkcheck.Run(context.Background(), sdkcheck.Request{Config: []byte("[profile p]\n"), ConfigTarget: "/x/config"}); err == nil || !strings.Contains(err.Error(), "older than spin") {
		t.Errorf("a reply without checked: got %v", err)
	}
}

// A failing checker's error is its last line, not all it printed (a
// panic's goroutine dump, say).
func TestRunFailureIsOneLine(t *testing.T) {
	fakeSpind(t, "", "panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n\t/x/main.go:1 +0x1\nspind: the last word\n\n", 2)
	err := sdkcheck.Run(context.Background(), sdkcheck.Request{Config: []byte("[profile p]\n"), ConfigTarget: "/x/config"})
	if err == nil || !strings.HasSuffix(err.Error(), "/spind __check-aws-files: spind: the last word") {
		t.Errorf("got %v", err)
	}
}

// The check, and profiles through it, finds spind without the broker
// (internal/spindbin): writing ~/.aws/config links no daemon client code.
func TestNoBrokerDependency(t *testing.T) {
	for _, pkg := range []string{"github.com/cloudspin/spin/internal/sdkcheck", "github.com/cloudspin/spin/profiles"} {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list: %v\n%s", err, out)
		}
		deps := strings.Fields(string(out))
		if !slices.Contains(deps, "github.com/cloudspin/spin/internal/spindbin") {
			t.Fatalf("%s: go list lacks internal/spindbin; wrong package?\n%s", pkg, out)
		}
		for _, d := range deps {
			if strings.HasPrefix(d, "github.com/cloudspin/spin/broker") {
				t.Errorf("%s depends on %s", pkg, d)
			}
		}
	}
}
