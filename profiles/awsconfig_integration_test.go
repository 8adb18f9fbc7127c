package profiles

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// TestUpdateAWSConfigConcurrent: writers with different profile sets on one
// file each get their profiles in exactly once (cmd/spin runs the same with
// 20 processes).
func TestUpdateAWSConfigConcurrent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte("# keep me\n[default]\nregion = us-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const writers = 20
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Go(func() {
			h := Helper{Path: "/usr/local/bin/spin", Config: fmt.Sprintf("/cfg/%d.yaml", i)}
			want := []AWSProfile{{Name: fmt.Sprintf("w%d-a", i), Region: "eu-west-1"}, {Name: fmt.Sprintf("w%d-b", i)}}
			_, err := UpdateAWSConfig(context.Background(), path, false, syncEdit(h, want, SyncOptions{}))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checkAllProfilesOnce(t, data, writers)
	if got := dirEntries(t, dir); !slices.Equal(got, []string{"config", "config.spin.bak", "config.spin.lock"}) {
		t.Errorf("got %q, want config, its backup and its lock file only", got)
	}
}

// checkAllProfilesOnce checks that data holds w0-a … w(n-1)-b exactly once
// each and that aws-sdk-go-v2 reads every one of them.
func checkAllProfilesOnce(t *testing.T, data []byte, n int) {
	t.Helper()
	doc := ParseAWSConfig(data)
	if !strings.HasPrefix(string(data), "# keep me\n[default]\nregion = us-east-1\n") || len(doc.Warnings) > 0 {
		t.Errorf("the user's lines were not kept, or warnings %v:\n%s", doc.Warnings, data)
	}
	count := map[string]int{}
	for _, s := range doc.Sections() {
		count[s.Name]++
	}
	var changes []Change
	for i := range n {
		for _, suffix := range []string{"a", "b"} {
			name := fmt.Sprintf("w%d-%s", i, suffix)
			if count[name] != 1 {
				t.Errorf("profile %s appears %d times, want once", name, count[name])
			}
			cp := fmt.Sprintf("'/usr/local/bin/spin' --config '/cfg/%d.yaml' credential-process %s", i, name)
			ch := Change{Name: name, Action: Added, CredentialProcess: cp}
			if suffix == "a" {
				ch.Region = "eu-west-1"
			}
			changes = append(changes, ch)
		}
	}
	if err := validate(context.Background(), filepath.Join(t.TempDir(), "config"), data, changes); err != nil {
		t.Error(err)
	}
}

// TestAWSCLIReadsWrittenFile: the AWS CLI v2 (Python, its own INI reader)
// reads what spin writes.
func TestAWSCLIReadsWrittenFile(t *testing.T) {
	const aws = "/usr/bin/aws"
	if _, err := os.Stat(aws); err != nil {
		t.Skip("no /usr/bin/aws (apt-get install awscli)")
	}
	home := t.TempDir()
	path := filepath.Join(home, ".aws", "config")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("# mine\n[default]\nregion = us-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := Helper{Path: "/opt/spin tools/spin", Config: filepath.Join(home, "spin config.yaml")}
	if _, err := UpdateAWSConfig(context.Background(), path, false, syncEdit(h, testWant, SyncOptions{})); err != nil {
		t.Fatal(err)
	}
	cp, _ := h.CredentialProcess("assume-cloudspin_examples-account")
	for key, want := range map[string]string{"region": "eu-west-1", "credential_process": cp} {
		cmd := exec.Command(aws, "configure", "get", key, "--profile", "assume-cloudspin_examples-account")
		cmd.Env = []string{"HOME=" + home, "AWS_CONFIG_FILE=" + path, "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none"), "PATH=/usr/bin:/bin"}
		out, err := cmd.CombinedOutput()
		if got := strings.TrimSpace(string(out)); err != nil || got != want {
			t.Errorf("aws configure get %s = %q, %v; want %q", key, got, err, want)
		}
	}
}
