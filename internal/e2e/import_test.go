package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func readWorldFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// The walkthrough's files (steps 1.1 and 3) adopted by `spin profiles
// import`: the key moves into the Secret Service, no plaintext key is left
// under HOME, the user's other content stays byte for byte, and the AWS CLI
// resolves the adopted profile through spin.
func TestImportWalkthroughProfiles(t *testing.T) {
	w := newWorld(t, worldOptions{})
	// The walkthrough names the key set; it is this test's alone in the
	// test binary's private Secret Service, and cleanup removes it.
	w.keySet = "cloudspin_user"
	credPath := filepath.Join(w.home, ".aws", "credentials")
	const credsBefore, credsAfter = "# my keys\n[default]\naws_access_key_id = AKIAUNRELATED0000001\naws_secret_access_key = unrelatedSecretunrelatedSecretunrelated1\n\n",
		"\n[other]\nregion = us-east-1 ; mine\n"
	creds := credsBefore + "[cloudspin_user]\naws_access_key_id = " + testKeyID + "\naws_secret_access_key = " + testSecret + "\n" + credsAfter
	const mine = "# my aws config\r\n[default]\r\nregion = us-west-2\r\noutput = json\r\n\r\n[sso-session corp]\r\nsso_start_url = https://example.awsapps.com/start\r\n\r\n"
	conf := mine + "[profile assume-cloudspin_examples-account]\r\nrole_arn = arn:aws:iam::" + account + ":role/spin_role-test\r\nsource_profile = cloudspin_user\r\n"
	spinConf := fmt.Sprintf("# spin, before import\nkeyring:\n  backend: secret-service\n  file_dir: %s\nendpoints:\n  sts: %s\ndefaults:\n  region: eu-west-1\n", filepath.Join(w.home, "keyring"), w.url)
	w.writeFile(credPath, creds)
	w.writeFile(w.awsConf, conf)
	w.writeFile(w.config, spinConf)

	out := w.run("", "profiles", "import")
	if !strings.Contains(out, "imported profile assume-cloudspin_examples-account (key set cloudspin_user") || strings.Contains(out, testSecret) {
		t.Errorf("profiles import printed %q", out)
	}
	if hits := filesContaining(t, w.home, testSecret); len(hits) > 0 {
		t.Errorf("plaintext secret left in %v", hits)
	}
	if got := readWorldFile(t, credPath); got != credsBefore[:len(credsBefore)-1]+credsAfter {
		t.Errorf("credentials file:\n%q\nwant the user's other sections byte for byte", got)
	}
	if got := readWorldFile(t, w.awsConf); !strings.HasPrefix(got, mine+"[profile assume-cloudspin_examples-account]\r\n# managed by spin") {
		t.Errorf("~/.aws/config:\n%q\nwant the user's content, then the managed profile", got)
	}
	if got := readWorldFile(t, w.config); !strings.HasPrefix(got, spinConf+"profiles:\n  assume-cloudspin_examples-account:\n") {
		t.Errorf("config.yaml:\n%s", got)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cli, err := w.command(ctx, awsCLI, "sts", "get-caller-identity", "--profile", "assume-cloudspin_examples-account",
		"--endpoint-url", w.url, "--query", "Arn", "--output", "text").CombinedOutput()
	if err != nil {
		t.Fatalf("aws: %v\n%s", err, cli)
	}
	if got, want := strings.TrimSpace(string(cli)), wantAssumedARN("spin-"+currentUser(t)); got != want {
		t.Errorf("aws printed %q, want %q", got, want)
	}
	w.run("", "keys", "remove", w.keySet, "--yes")
}

// `spin keys import --from-credentials-file X --remove` moves one key pair:
// the profile that uses the key set works, and the plaintext is gone.
func TestImportKeysFromCredentialsFile(t *testing.T) {
	w := newWorld(t, worldOptions{})
	credPath := filepath.Join(w.home, ".aws", "credentials")
	const other = "[default]\r\nregion = us-east-1\r\n"
	w.writeFile(credPath, other+"\r\n["+w.keySet+"]\r\naws_access_key_id = "+testKeyID+"\r\naws_secret_access_key = "+testSecret+"\r\n")

	out := w.run("", "keys", "import", "--from-credentials-file", w.keySet, "--remove")
	if !strings.Contains(out, "stored key set "+w.keySet+" (AKIA…0001)") || strings.Contains(out, testSecret) {
		t.Errorf("keys import printed %q", out)
	}
	if got := readWorldFile(t, credPath); got != other {
		t.Errorf("credentials file = %q, want %q", got, other)
	}
	if hits := filesContaining(t, w.home, testSecret); len(hits) > 0 {
		t.Errorf("plaintext secret left in %v", hits)
	}
	if _, errOut, err := w.helper("assume-test"); err != nil {
		t.Errorf("helper for a profile using the imported key set: %v\n%s", err, errOut)
	}
	_, errOut, err := w.try("", "keys", "import", "--from-credentials-file", w.keySet)
	if err == nil || !strings.Contains(errOut, "no access key") {
		t.Errorf("second import: err %v, stderr %q; want no key found", err, errOut)
	}
	w.run("", "keys", "remove", w.keySet, "--yes")
}
