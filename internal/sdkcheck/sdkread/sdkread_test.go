package sdkread

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudspin/spin/internal/sdkcheck"
	"github.com/cloudspin/spin/internal/secret"
)

const (
	keyID = "AKIAIOSFODNN7EXAMPLE"
	key   = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// The SDK reads a value in quotes, an inline comment or a repeated key its
// own way; a credentials file read differently than spin expects is
// refused, with the profile and file named.
func TestCheckCredentials(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credentials")
	data := "[a]\naws_access_key_id = " + keyID + "\naws_secret_access_key = " + key + "\n" +
		"[quoted]\naws_access_key_id = " + keyID + "\naws_secret_access_key = \"" + key + "\"\n" +
		"[comment]\naws_access_key_id = " + keyID + "\naws_secret_access_key = " + key + " # old\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	// As the checker gets it: the secret's HMAC, not the secret.
	check := func(name, secretKey string) error {
		in, err := sdkcheck.Encode(sdkcheck.Request{CredentialsFile: path,
			Profiles: []sdkcheck.Profile{{Name: name, AccessKeyID: keyID, SecretAccessKey: secret.New(secretKey)}}})
		if err != nil {
			t.Fatal(err)
		}
		r, err := sdkcheck.Decode(in)
		if err != nil {
			t.Fatal(err)
		}
		return Check(context.Background(), r)
	}
	if err := check("a", key); err != nil {
		t.Errorf("the same key: %v", err)
	}
	// A request without the MAC (or with the secret itself, the old way)
	// never matches.
	plain := sdkcheck.Request{CredentialsFile: path, Profiles: []sdkcheck.Profile{{Name: "a", AccessKeyID: keyID, SecretAccessKey: secret.New(key)}}}
	if err := Check(context.Background(), plain); err == nil {
		t.Errorf("a request without the secret's MAC passed")
	}
	for _, tt := range []struct{ name, secret, want string }{
		{"a", key + "x", "aws-sdk-go-v2 reads profile a's keys in " + path + " differently than spin does"},
		// What a naive reader would take for the secret: the SDK strips
		// the quotes and the comment.
		{"quoted", `"` + key + `"`, "aws-sdk-go-v2 reads profile quoted's keys"},
		{"comment", key + " # old", "aws-sdk-go-v2 reads profile comment's keys"},
		{"missing", key, "aws-sdk-go-v2 cannot read profile missing from " + path},
	} {
		err := check(tt.name, tt.secret)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want %q", tt.name, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), key) {
			t.Errorf("%s: the error shows the secret: %v", tt.name, err)
		}
	}
}

func TestCheckConfigRefuses(t *testing.T) {
	tests := []struct {
		name, data string
		p          sdkcheck.Profile
		want       string
	}{
		{"quotes stripped", "[profile p]\ncredential_process = '/bin/spin' x --config '/c.yaml'\n",
			sdkcheck.Profile{Name: "p", CredentialProcess: "'/bin/spin' x --config '/c.yaml'"},
			"aws-sdk-go-v2 would read profile p's credential_process as \"/bin/spin' x --config '/c.yaml\""},
		{"lone quote", "[profile p]\ncredential_process = x\nregion = \"\n",
			sdkcheck.Profile{Name: "p", CredentialProcess: "x"}, "aws-sdk-go-v2 cannot load profile p from the result: its reader panics"},
		{"missing", "[p]\ncredential_process = x\n", sdkcheck.Profile{Name: "p"}, "aws-sdk-go-v2 does not find profile p"},
		{"region", "[profile p]\ncredential_process = x\nregion = a # b\n",
			sdkcheck.Profile{Name: "p", CredentialProcess: "x", Region: "a # b"}, "aws-sdk-go-v2 would read profile p's region as \"a\""},
		{"still there", "[profile p]\n", sdkcheck.Profile{Name: "p", Removed: true}, "aws-sdk-go-v2 still reads profile p after its removal"},
	}
	for _, tt := range tests {
		r := sdkcheck.Request{Config: []byte(tt.data), ConfigTarget: filepath.Join(t.TempDir(), "config"), Profiles: []sdkcheck.Profile{tt.p}}
		err := Check(context.Background(), r)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want %q", tt.name, err, tt.want)
		}
	}
	ok := sdkcheck.Request{Config: []byte("[profile p]\ncredential_process = x\nregion = a\n[profile q]\n"), ConfigTarget: filepath.Join(t.TempDir(), "config"),
		Profiles: []sdkcheck.Profile{{Name: "p", CredentialProcess: "x", Region: "a"}, {Name: "gone", Removed: true}}}
	if err := Check(context.Background(), ok); err != nil {
		t.Errorf("a file read as written: %v", err)
	}
}

// Serve answers over the pipe what Check says, the secret decoded from the
// request and never echoed.
func TestServe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(path, []byte("[a]\naws_access_key_id = "+keyID+"\naws_secret_access_key = "+key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		secret, problem string
	}{{key, ""}, {"wrong", "aws-sdk-go-v2 reads profile a's keys"}} {
		in, err := sdkcheck.Encode(sdkcheck.Request{CredentialsFile: path, Profiles: []sdkcheck.Profile{{Name: "a", AccessKeyID: keyID, SecretAccessKey: secret.New(tt.secret)}}})
		if err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		if code := Serve(context.Background(), bytes.NewReader(in), &out, &errOut); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
		var rep sdkcheck.Reply
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil || !rep.Checked || !strings.HasPrefix(rep.Problem, tt.problem) || (tt.problem == "") != (rep.Problem == "") {
			t.Errorf("secret %q: got %s (%v), want problem %q", tt.secret, out.String(), err, tt.problem)
		}
		if strings.Contains(out.String(), key) {
			t.Errorf("the reply shows the secret: %s", out.String())
		}
	}
	var out, errOut bytes.Buffer
	if code := Serve(context.Background(), strings.NewReader("{"), &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "bad request") {
		t.Errorf("a bad request: exit %d, stderr %q", code, errOut.String())
	}
}
