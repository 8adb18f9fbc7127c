package profiles

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestRedactSecrets(t *testing.T) {
	in := "# mine\r\n[default]\r\naws_access_key_id = AKIAKEEPTHEID0000001\r\nAWS_Secret_Access_Key=hunter2secret\r\naws_session_token =  tok\n  aws_secret_access_key =\nregion = eu-west-1"
	want := "# mine\r\n[default]\r\naws_access_key_id = AKIAKEEPTHEID0000001\r\n# AWS_Secret_Access_Key = (value removed from this backup by spin)\r\n# aws_session_token = (value removed from this backup by spin)\n  aws_secret_access_key =\nregion = eu-west-1"
	if got := string(RedactSecrets([]byte(in))); got != want {
		t.Errorf("RedactSecrets =\n%q\nwant\n%q", got, want)
	}
	if HasSecret([]byte(want)) || !HasSecret([]byte(in)) {
		t.Error("HasSecret disagrees")
	}
}

// `spin profiles write` over a ~/.aws/config that holds a key keeps the
// user's content in config.spin.bak, but not the key.
func TestBackupKeepsNoPlaintextKey(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "config")
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	old := "[profile legacy]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = " + secret + "\n"
	if err := os.WriteFile(target, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	u, err := UpdateAWSConfig(context.Background(), target, false, func(c *AWSConfig) ([]Change, error) {
		act, err := c.SetProfile("p", []string{"[profile p]", Marker, "credential_process = /bin/true"}, false)
		return []Change{{Name: "p", Action: act, CredentialProcess: "/bin/true"}}, err
	})
	if err != nil || u.Backup == "" {
		t.Fatalf("update: %v %+v", err, u)
	}
	bak, err := os.ReadFile(u.Backup)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(bak), secret) || !strings.Contains(string(bak), "aws_access_key_id = AKIAIOSFODNN7EXAMPLE") {
		t.Errorf("backup:\n%s", bak)
	}
	if hits := StrayCopies([]string{target}, ""); len(hits) != 0 {
		t.Errorf("StrayCopies after a write: %v", hits)
	}
}

func TestStrayCopiesFindsKeysInSpinsCopies(t *testing.T) {
	aws, tmp := t.TempDir(), t.TempDir()
	conf, creds := filepath.Join(aws, "config"), filepath.Join(aws, "credentials")
	key := []byte("[x]\naws_secret_access_key = s3cr3t\n")
	files := map[string][]byte{
		conf:                key, // the user's own file: not a stray copy
		conf + ".spin.bak":  key,
		creds + ".spin.bak": key,
		filepath.Join(aws, ".credentials.tmp123"):        key,
		filepath.Join(aws, ".config.spin-check-9"):       key,
		filepath.Join(aws, "notes.spin.bak"):             []byte("[x]\nregion = eu-west-1\n"),
		filepath.Join(tmp, "spin-awsconfig-1", "config"): key,
	}
	for p, data := range files {
		os.MkdirAll(filepath.Dir(p), 0o700)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got := StrayCopies([]string{conf, creds}, tmp)
	slices.Sort(got)
	want := []string{filepath.Join(aws, ".config.spin-check-9"), filepath.Join(aws, ".credentials.tmp123"), conf + ".spin.bak", creds + ".spin.bak", filepath.Join(tmp, "spin-awsconfig-1", "config")}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("StrayCopies =\n%q\nwant\n%q", got, want)
	}
}
