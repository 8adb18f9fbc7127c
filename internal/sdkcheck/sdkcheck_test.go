package sdkcheck_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

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

// The secret reaches the checker's stdin through Encode only: a Request
// printed or marshalled the usual way shows "[redacted]".
func TestSecretOnlyOnThePipe(t *testing.T) {
	r := sdkcheck.Request{CredentialsFile: "/c", Profiles: []sdkcheck.Profile{{Name: "a", AccessKeyID: "AKIA", SecretAccessKey: secret.New("s3cr3t")}}}
	if j, _ := json.Marshal(r); strings.Contains(string(j), "s3cr3t") {
		t.Errorf("json.Marshal shows the secret: %s", j)
	}
	in, err := sdkcheck.Encode(r)
	if err != nil {
		t.Fatal(err)
	}
	back, err := sdkcheck.Decode(in)
	if err != nil || len(back.Profiles) != 1 || back.Profiles[0].SecretAccessKey.Reveal() != "s3cr3t" || back.Profiles[0].AccessKeyID != "AKIA" || back.CredentialsFile != "/c" {
		t.Errorf("round trip: %+v, %v", back, err)
	}
}
