package e2e

import (
	"context"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// spin exec serves refreshing sessions to the AWS CLI and aws-sdk-go-v2 for
// longer than two session lifetimes; the endpoint refuses requests without
// the token, listens on loopback only and closes when the command exits.
func TestExecServesRefreshingSessions(t *testing.T) {
	w := newWorld(t, worldOptions{defaults: "  region: eu-west-1\n  duration: 10s\n  min_validity: 3s\n"})
	w.addKeys()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	w.env = append(w.env, "AWS_ACCESS_KEY_ID=AKIASHOULDBEREMOVED1", "AWS_PROFILE=assume-test")
	script := `set -e
` + childRoleEnv + `=probe "$SELF"
i=0
while [ $i -lt 12 ]; do
	/usr/bin/aws sts get-caller-identity --endpoint-url "$URL" --query Arn --output text
	` + childRoleEnv + `=sdk "$SELF"
	i=$((i+1))
	sleep 2
done`
	w.env = append(w.env, "SELF="+self, "URL="+w.url)
	out, errOut, err := w.try("", "exec", "assume-test", "--", "/bin/sh", "-c", script)
	if err != nil {
		t.Fatalf("spin exec: %v\nstdout: %s\nstderr: %s", err, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3+24 {
		t.Fatalf("got %d lines, want 3 probe lines and 24 ARNs:\n%s", len(lines), out)
	}
	if lines[0] != "401" || lines[1] != "401" {
		t.Errorf("endpoint without / with a wrong token answered %s / %s, want 401 / 401", lines[0], lines[1])
	}
	url := lines[2]
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Errorf("endpoint URL %s is not on loopback", url)
	}
	want := wantAssumedARN("spin-" + currentUser(t))
	for i, l := range lines[3:] {
		if l != want {
			t.Errorf("call %d printed %q, want %q", i, l, want)
		}
	}
	if n := w.emu.Calls("AssumeRole"); n < 3 {
		t.Errorf("AssumeRole calls = %d over 24s of 10s sessions, want >= 3", n)
	}
	if n := w.emu.Rejections("ExpiredToken"); n != 0 {
		t.Errorf("emulator rejected %d expired tokens", n)
	}
	if _, err := http.Get(url); err == nil {
		t.Errorf("endpoint %s still answers after the command exited", url)
	}
}

// Exit codes pass through; nesting is refused.
func TestExecExitCodeAndNesting(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.addKeys()
	_, _, err := w.try("", "exec", "assume-test", "--", "/bin/sh", "-c", "exit 7")
	if code := exitCode(err); code != 7 {
		t.Errorf("exit code = %d (%v), want 7", code, err)
	}
	_, errOut, err := w.try("", "exec", "assume-test", "--", w.spin, "exec", "assume-test", "--", "true")
	if err == nil || !strings.Contains(errOut, "already inside 'spin exec'") {
		t.Errorf("nested exec: err %v, stderr %q", err, errOut)
	}
}

// SIGTERM reaches the child; a SIGINT sent to spin alone is not forwarded
// (the terminal delivers Ctrl-C to the child itself, and a second one
// would make terraform exit without releasing its state lock).
func TestExecSignals(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.addKeys()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := w.command(ctx, w.spin, "exec", "assume-test", "--", "/bin/sh", "-c",
		`trap 'echo got-int' INT; trap 'echo got-term; exit 3' TERM; echo ready; while :; do sleep 0.1; done`)
	var out syncBuffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return strings.Contains(out.String(), "ready") })
	_ = cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(300 * time.Millisecond)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	if code := exitCode(err); code != 3 {
		t.Errorf("spin exec exit code = %d (%v), want the child's 3", code, err)
	}
	if got := out.String(); !strings.Contains(got, "got-term") || strings.Contains(got, "got-int") {
		t.Errorf("child output %q: want SIGTERM passed on and SIGINT not", got)
	}
}

// spin exec of a profile without role_arn and MFA hands the AWS CLI a
// GetSessionToken session of the key set, as aws-vault exec does: the
// container-credentials shape needs a Token, which long-term keys lack
// (the CLI failed with 'Token'). The long-term keys are never handed out,
// so the key set needs no allow-export.
func TestExecBootstrapProfileGetsSessionToken(t *testing.T) {
	w := newWorld(t, worldOptions{})
	conf, err := os.ReadFile(w.config)
	if err != nil {
		t.Fatal(err)
	}
	w.writeFile(w.config, strings.Replace(string(conf), "profiles:\n", "profiles:\n  boot:\n    source: "+w.keySet+"\n", 1))
	w.addKeys()
	out, errOut, err := w.try("", "exec", "boot", "--", "/bin/sh", "-c",
		`/usr/bin/aws sts get-caller-identity --endpoint-url "$1" --query Arn --output text && /usr/bin/aws sts get-caller-identity --endpoint-url "$1" --query Arn --output text`, "sh", w.url)
	if err != nil {
		t.Fatalf("spin exec boot: %v\nstdout: %s\nstderr: %s", err, out, errOut)
	}
	want := "arn:aws:iam::" + account + ":user/cloudspin_user"
	if got := strings.Fields(out); len(got) != 2 || got[0] != want || got[1] != want {
		t.Errorf("the AWS CLI ran as %q, want %s twice", out, want)
	}
	if n := w.emu.Calls("GetSessionToken"); n != 1 {
		t.Errorf("GetSessionToken calls = %d, want 1 (the session is cached)", n)
	}
	if n := w.emu.Calls("AssumeRole"); n != 0 {
		t.Errorf("AssumeRole calls = %d, want none", n)
	}
}
