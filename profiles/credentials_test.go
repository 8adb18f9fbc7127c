package profiles

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	exampleKeyID  = "AKIAIOSFODNN7EXAMPLE"
	exampleSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

func TestCredentialsPath(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"HOME": "/h"}, "/h/.aws/credentials"},
		{map[string]string{"HOME": "/h", "AWS_SHARED_CREDENTIALS_FILE": "/x/creds"}, "/x/creds"},
		{map[string]string{"HOME": "/h", "AWS_SHARED_CREDENTIALS_FILE": "~/c"}, "/h/c"},
	}
	for _, tt := range tests {
		got, err := CredentialsPath(func(k string) string { return tt.env[k] })
		if err != nil || got != tt.want {
			t.Errorf("CredentialsPath(%v) = %q, %v; want %q", tt.env, got, err, tt.want)
		}
	}
	if _, err := CredentialsPath(func(string) string { return "" }); err == nil {
		t.Error("CredentialsPath without HOME: got no error")
	}
}

// Every corpus file holds the example key under [cloudspin_user]; spin's
// reader and aws-sdk-go-v2's must agree on it.
func TestReadCredentialsCorpus(t *testing.T) {
	files, _ := filepath.Glob("testdata/credentials/*.ini")
	if len(files) < 8 {
		t.Fatalf("got %d corpus files, want at least 8", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			c, err := ReadCredentials(ParseAWSConfig(data), "cloudspin_user")
			if err != nil {
				t.Fatal(err)
			}
			if c.AccessKeyID != exampleKeyID || c.SecretAccessKey.Reveal() != exampleSecret {
				t.Errorf("got key %q (secret matches: %v), want %s", c.AccessKeyID, c.SecretAccessKey.Reveal() == exampleSecret, exampleKeyID)
			}
			if err := CheckWithSDK(context.Background(), f, c); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestReadCredentialsRefuses(t *testing.T) {
	const pair = "aws_access_key_id = " + exampleKeyID + "\naws_secret_access_key = " + exampleSecret + "\n"
	tests := []struct {
		name, file string
		want       error
		wantMsg    string
	}{
		{"no section", "[other]\n" + pair, ErrNoCredentials, ""},
		{"only in a profile section", "[profile cloudspin_user]\n" + pair, ErrNoCredentials, ""},
		{"sso profile", "[cloudspin_user]\nregion = eu-west-1\n", ErrNoCredentials, "line 1"},
		{"id only", "[cloudspin_user]\naws_access_key_id = " + exampleKeyID + "\n", ErrPartialKeyPair, ""},
		{"empty secret", "[cloudspin_user]\naws_access_key_id = " + exampleKeyID + "\naws_secret_access_key =\n", ErrPartialKeyPair, ""},
		{"session token", "[cloudspin_user]\n" + pair + "aws_session_token = FwoGZXIvYXdzEXAMPLE\n", ErrTemporaryKeys, ""},
		{"asia", "[cloudspin_user]\naws_access_key_id = ASIAIOSFODNN7EXAMPLE\naws_secret_access_key = " + exampleSecret + "\n", ErrTemporaryKeys, ""},
		{"duplicate", "[cloudspin_user]\n" + pair + "[cloudspin_user]\nregion = x\n", nil, "defined 2 times (lines 1, 4)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadCredentials(ParseAWSConfig([]byte(tt.file)), "cloudspin_user")
			if err == nil || tt.want != nil && !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("got error %v, want %v containing %q", err, tt.want, tt.wantMsg)
			}
			if strings.Contains(err.Error(), exampleSecret) {
				t.Errorf("error quotes the secret: %v", err)
			}
		})
	}
}

// TestRemoveCredentialsGolden removes [cloudspin_user]'s keys from every
// corpus file: the golden shows the result, and every line that was not
// one of the section's must still be there, in order.
func TestRemoveCredentialsGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/credentials/*.ini")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			doc := ParseAWSConfig(data)
			if err := doc.RemoveCredentials("cloudspin_user", exampleKeyID); err != nil {
				t.Fatal(err)
			}
			got := doc.Render()
			if strings.Contains(string(got), exampleSecret) {
				t.Errorf("the secret is still in the result")
			}
			if _, err := ReadCredentials(doc, "cloudspin_user"); !errors.Is(err, ErrNoCredentials) {
				t.Errorf("after removal ReadCredentials gives %v, want ErrNoCredentials", err)
			}
			checkSubsequence(t, ParseAWSConfig(data).Lines(), doc.Lines())
			golden(t, strings.TrimSuffix(f, ".ini")+".golden", got)
		})
	}
}

// checkSubsequence fails unless after is before with some lines left out,
// every kept line byte for byte (the last may gain a line ending).
func checkSubsequence(t *testing.T, before, after []Line) {
	t.Helper()
	j := 0
	for _, l := range before {
		if j < len(after) && after[j] == l {
			j++
		}
	}
	if j != len(after) {
		t.Errorf("line %d of the result is not a line of the input, in order: %q", j+1, after[j].Text)
	}
}

func TestRemoveCredentialsRefuses(t *testing.T) {
	const pair = "aws_access_key_id = " + exampleKeyID + "\naws_secret_access_key = " + exampleSecret + "\n"
	tests := []struct{ name, file, id, want string }{
		{"key changed", "[cloudspin_user]\n" + pair, "AKIADIFFERENTDIFFERE", "no longer holds the key"},
		{"missing", "[other]\n" + pair, exampleKeyID, "no access key"},
		{"nested lines", "[cloudspin_user]\n" + pair + "s3 =\n  max_concurrent_requests = 4\n", exampleKeyID, "nested or continued lines (line 5)"},
		{"duplicate", "[cloudspin_user]\n" + pair + "[cloudspin_user]\n" + pair, exampleKeyID, "defined 2 times"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := ParseAWSConfig([]byte(tt.file))
			err := doc.RemoveCredentials("cloudspin_user", tt.id)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got error %v, want one containing %q", err, tt.want)
			}
			if string(doc.Render()) != tt.file {
				t.Errorf("a refused removal changed the document")
			}
		})
	}
}

func TestUpdateCredentials(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real-credentials")
	link := filepath.Join(dir, "credentials")
	src, err := os.ReadFile("testdata/credentials/walkthrough.ini")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(real, src, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real-credentials", link); err != nil {
		t.Fatal(err)
	}
	remove := func(doc *AWSConfig) ([]string, error) {
		return []string{"cloudspin_user"}, doc.RemoveCredentials("cloudspin_user", exampleKeyID)
	}
	u, err := UpdateCredentials(context.Background(), link, remove)
	if err != nil || !u.Written || u.Backup != "" || u.Path != real {
		t.Fatalf("UpdateCredentials = %+v, %v; want written to %s without a backup", u, err, real)
	}
	golden(t, "testdata/credentials/walkthrough.golden", readTestFile(t, real))
	if fi, err := os.Stat(real); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("mode after the write: %v, %v; want 0640 kept", fi.Mode(), err)
	}
	if got := dirEntries(t, dir); !slices.Equal(got, []string{"credentials", "real-credentials", "real-credentials.spin.lock"}) {
		t.Errorf("directory holds %q: want no backup or temp file", got)
	}
	// A second run finds no keys: an error, and nothing written.
	if _, err := UpdateCredentials(context.Background(), link, remove); !errors.Is(err, ErrNoCredentials) {
		t.Errorf("second run: got %v, want ErrNoCredentials", err)
	}
	// An edit that leaves a key behind is refused.
	if err := os.WriteFile(real, src, 0o640); err != nil {
		t.Fatal(err)
	}
	_, err = UpdateCredentials(context.Background(), link, func(doc *AWSConfig) ([]string, error) {
		return []string{"cloudspin_user"}, doc.RemoveCredentials("bootstrap", "AKIABOOTBOOTBOOTBOOT")
	})
	if err == nil || !strings.Contains(err.Error(), "would still hold a key") {
		t.Errorf("got %v, want a refusal", err)
	}
	if string(readTestFile(t, real)) != string(src) {
		t.Errorf("a refused edit changed the file")
	}
}

func TestUpdateCredentialsImmutable(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "credentials")
	src, _ := os.ReadFile("testdata/credentials/only.ini")
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	chattr(t, path)
	_, err := UpdateCredentials(context.Background(), path, func(doc *AWSConfig) ([]string, error) {
		return []string{"cloudspin_user"}, doc.RemoveCredentials("cloudspin_user", exampleKeyID)
	})
	if err == nil || !strings.Contains(err.Error(), "cannot write") {
		t.Errorf("got %v, want cannot write", err)
	}
	if string(readTestFile(t, path)) != string(src) {
		t.Errorf("the immutable file changed")
	}
}

func readTestFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
