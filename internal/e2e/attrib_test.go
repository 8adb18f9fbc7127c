package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"
)

// A profile's source_identity and session_tags reach STS through the real
// helper, and the credential_process JSON carries AccountId, which the AWS
// CLI v2 and aws-sdk-go-v2 accept (the SDK exposes it).
func TestAttributionReachesSTS(t *testing.T) {
	w := newWorld(t, worldOptions{profiles: fmt.Sprintf(`  assume-test:
    source: %s
    role_arn: arn:aws:iam::%s:role/spin_role-test
    source_identity: "{{user}}.e2e"
    session_tags:
      team: infra
      owner: "{{user}}"
    transitive_tag_keys: [team]
`, "KEYSET", account)})
	// The key set's name is only known once the world exists.
	b, err := os.ReadFile(w.config)
	if err != nil {
		t.Fatal(err)
	}
	conf := strings.Replace(string(b), "KEYSET", w.keySet, 1)
	w.writeFile(w.config, conf)
	w.addKeys()
	user := currentUser(t)

	out, errOut, err := w.helper("assume-test")
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, errOut)
	}
	var j struct{ AccountId, AccessKeyId string }
	if err := json.Unmarshal([]byte(out), &j); err != nil || j.AccountId != account {
		t.Fatalf("helper printed AccountId %q (%v), want %s", j.AccountId, err, account)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cli := w.command(ctx, awsCLI, "sts", "get-caller-identity", "--profile", "assume-test", "--endpoint-url", w.url, "--output", "json")
	if b, err := cli.CombinedOutput(); err != nil || !strings.Contains(string(b), wantAssumedARN("spin-"+user)) {
		t.Errorf("aws cli with AccountId in the JSON: %v\n%s", err, b)
	}

	for _, kv := range w.env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithSharedConfigProfile("assume-test"))
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if creds.AccountID != account {
		t.Errorf("aws-sdk-go-v2 read AccountID %q, want %s", creds.AccountID, account)
	}
	if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("GetCallerIdentity through the helper: %v", err)
	}

	got, ok := w.emu.Session(creds.AccessKeyID)
	if !ok {
		t.Fatalf("the emulator knows no role session %s", creds.AccessKeyID)
	}
	if want := user + ".e2e"; got.SourceIdentity != want {
		t.Errorf("SourceIdentity %q, want %q", got.SourceIdentity, want)
	}
	if d := cmp.Diff(map[string]string{"team": "infra", "owner": user}, got.Tags); d != "" {
		t.Errorf("session tags (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"team"}, got.TransitiveTagKeys); d != "" {
		t.Errorf("transitive keys (-want +got):\n%s", d)
	}
	if n := w.emu.Calls("AssumeRole"); n != 1 {
		t.Errorf("%d AssumeRole calls, want 1", n)
	}

	// Editing the tags makes the next request assume the role afresh.
	w.writeFile(w.config, strings.Replace(conf, "team: infra", "team: platform", 1))
	if _, errOut, err := w.helper("assume-test"); err != nil {
		t.Fatalf("helper after the edit: %v\n%s", err, errOut)
	}
	calls := w.emu.AssumeRoleCalls()
	if len(calls) != 2 || calls[1].Tags["team"] != "platform" {
		t.Errorf("after editing session_tags: calls %+v, want a second AssumeRole with team=platform", calls)
	}
}

// spin exec's endpoint carries AccountId too, and aws-sdk-go-v2's
// container provider reads it.
func TestExecEndpointCarriesAccountID(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.addKeys()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	w.env = append(w.env, childRoleEnv+"=account")
	out, errOut, err := w.try("", "exec", "assume-test", "--", self)
	if err != nil || strings.TrimSpace(out) != account {
		t.Errorf("spin exec: %v, child printed %q (stderr %s), want %s", err, out, errOut, account)
	}
}
