package e2e

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// spin profiles write renders the profile into a config the user already
// has, keeping every byte of theirs, and the AWS CLI resolves the written
// profile through the helper and spind.
func TestProfilesWriteFeedsAWSCLI(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.addKeys()
	mine := "; my settings\r\n[default]\r\nregion = us-west-2\r\n\r\n[sso-session corp]\r\nsso_start_url = https://example.awsapps.com/start\r\n"
	w.writeFile(w.awsConf, mine)

	w.run("", "profiles", "write")
	data, err := os.ReadFile(w.awsConf)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), mine) {
		t.Errorf("the user's content changed:\n%q", data)
	}
	if !strings.Contains(string(data), "[profile assume-test]\r\n# managed by spin") {
		t.Errorf("managed profile missing or not in the file's CRLF style:\n%q", data)
	}
	before, _ := os.Stat(w.awsConf)
	w.run("", "profiles", "write")
	if after, _ := os.Stat(w.awsConf); !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("a second write with no change rewrote the file")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := w.command(ctx, awsCLI, "sts", "get-caller-identity", "--profile", "assume-test",
		"--endpoint-url", w.url, "--query", "Arn", "--output", "text").CombinedOutput()
	if err != nil {
		t.Fatalf("aws: %v\n%s", err, out)
	}
	if got, want := strings.TrimSpace(string(out)), wantAssumedARN("spin-"+currentUser(t)); got != want {
		t.Errorf("aws printed %q, want %q", got, want)
	}
}
