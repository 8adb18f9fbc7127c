package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cloudspin/spin/internal/audit"
)

// After the AWS CLI and a Go program (this test binary as a child) call
// through the helper, `spin audit --json` names both programs and the
// process that ran them; with allowed_callers: [/usr/bin/aws] the Go
// program is refused with one line naming it and the setting, and the CLI
// still works.
func TestAuditNamesCallersAndAllowedCallersRefuses(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.addKeys()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	awsCall := func() (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		out, err := w.command(ctx, awsCLI, "sts", "get-caller-identity", "--profile", "assume-test",
			"--endpoint-url", w.url, "--output", "json").CombinedOutput()
		return string(out), err
	}
	goCall := func() (stdout, stderr string, err error) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := w.command(ctx, self)
		cmd.Env = append(cmd.Env, childRoleEnv+"=sdk", "AWS_PROFILE=assume-test")
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err = cmd.Run()
		return o.String(), e.String(), err
	}
	if out, err := awsCall(); err != nil {
		t.Fatalf("aws: %v\n%s", err, out)
	}
	if out, errOut, err := goCall(); err != nil {
		t.Fatalf("go program: %v\n%s%s", err, out, errOut)
	}

	var recs []audit.Record
	if err := json.Unmarshal([]byte(w.run("", "audit", "--json", "--since", "10m", "--profile", "assume-test")), &recs); err != nil {
		t.Fatal(err)
	}
	var sawCLI, sawGo bool
	for _, r := range recs {
		parent := -1 // the process that ran the caller: this test
		for i, p := range r.Chain {
			if p.PID == r.Caller.PID && i+1 < len(r.Chain) {
				parent = r.Chain[i+1].PID
			}
		}
		helper := len(r.Chain) > 0 && strings.HasSuffix(r.Chain[0].Exe, "/"+helperName)
		switch {
		case r.Caller.Script == awsCLI && strings.Contains(r.Caller.Exe, "python"):
			sawCLI = helper && parent == os.Getpid() && r.Outcome == audit.OK
		case r.Caller.Exe == self && r.Caller.PID != os.Getpid():
			sawGo = helper && parent == os.Getpid() && r.Outcome == audit.OK
		}
	}
	if !sawCLI || !sawGo {
		t.Fatalf("audit (CLI seen: %v, Go program seen: %v), want both with the helper below and this test as parent:\n%+v", sawCLI, sawGo, recs)
	}
	if out := w.run("", "status", "--callers"); !strings.Contains(out, awsCLI+" (python") || !strings.Contains(out, self) {
		t.Errorf("status --callers:\n%s\nwant both callers", out)
	}

	// Through the hand-over too: with spind stopped the lean helper execs
	// spin in its place (the same pid), which starts spind and asks; the
	// request is still the Go program's, with spin's own binary below it.
	w.run("", "daemon", "stop")
	if out, errOut, err := goCall(); err != nil {
		t.Fatalf("go program, spind stopped: %v\n%s%s", err, out, errOut)
	}
	recs = nil
	_ = json.Unmarshal([]byte(w.run("", "audit", "--json")), &recs)
	if n := len(recs); n == 0 || recs[n-1].Caller.Exe != self || recs[n-1].Caller.PID == os.Getpid() ||
		len(recs[n-1].Chain) == 0 || !strings.HasSuffix(recs[n-1].Chain[0].Exe, "/spin") || recs[n-1].Outcome != audit.OK {
		t.Errorf("after the hand-over the last record is not the Go program's, asked through spin: %+v", recs)
	}

	conf, err := os.ReadFile(w.config)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(conf), "    role_arn:", "    allowed_callers: ["+awsCLI+"]\n    role_arn:", 1)
	w.writeFile(w.config, edited)
	w.run("", "daemon", "stop") // refused through the hand-over as well
	_, errOut, err := goCall()
	if err == nil {
		t.Fatal("the Go program got credentials despite allowed_callers")
	}
	var line string
	for _, l := range strings.Split(errOut, "\n") {
		if strings.HasPrefix(l, "spin: ") {
			line = l
		}
	}
	for _, want := range []string{"profile assume-test refused " + self, "allowed_callers [" + awsCLI + "]", w.config + ":"} {
		if !strings.Contains(line, want) {
			t.Errorf("refusal line %q lacks %q (stderr: %s)", line, want, errOut)
		}
	}
	if out, err := awsCall(); err != nil {
		t.Errorf("aws refused under allowed_callers [%s]: %v\n%s", awsCLI, err, out)
	}
	recs = nil
	_ = json.Unmarshal([]byte(w.run("", "audit", "--json")), &recs)
	if n := len(recs); n < 2 || recs[n-1].Outcome != audit.OK || recs[n-2].Outcome != audit.NotAllowed {
		t.Errorf("the refusal and the CLI's success are not the audit's last records: %+v", recs)
	}
	st, err := os.Stat(w.home + "/.local/state/spin/audit.log")
	if err != nil {
		t.Errorf("audit log: %v", err)
	} else if st.Mode().Perm() != 0o600 {
		t.Errorf("audit log mode %v; want 0600", st.Mode().Perm())
	}
	if hits := filesContaining(t, w.home+"/.local/state", testSecret); len(hits) > 0 {
		t.Errorf("the secret is in %v", hits)
	}
}
