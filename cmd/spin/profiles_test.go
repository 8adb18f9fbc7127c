package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/cloudspin/spin/profiles"
)

// The rest of the profiles commands' behaviour is in
// testdata/script/profiles_*.txt.

// TestProfilesWriteConcurrentProcesses: 20 `spin profiles write` processes,
// each with its own config.yaml, on one AWS config.
func TestProfilesWriteConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds spin")
	}
	dir := t.TempDir()
	bin, lean := filepath.Join(dir, "spin"), filepath.Join(dir, "spin-credential-process")
	// spind beside spin reads each result back through aws-sdk-go-v2.
	for out, pkg := range map[string]string{bin: ".", lean: "../spin-credential-process", filepath.Join(dir, "spind"): "../spind"} {
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
