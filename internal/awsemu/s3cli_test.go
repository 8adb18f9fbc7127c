package awsemu

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAWSCLIS3 drives the emulator's S3 with botocore (Debian's AWS CLI
// v2), which signs S3 requests its own way: Content-MD5 and a hex payload
// hash over plain HTTP.
func TestAWSCLIS3(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the AWS CLI; skipped with -short")
	}
	if _, err := os.Stat(awsCLI); err != nil {
		t.Skipf("%s not installed", awsCLI)
	}
	f := newFixture(t)
	if err := f.emu.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	sess := f.session(t, 900)
	home := t.TempDir()
	config := filepath.Join(home, "config")
	// Path-style, as the tofu backend's use_path_style.
	if err := os.WriteFile(config, []byte("[default]\ns3 =\n    addressing_style = path\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	secret := sess.SecretAccessKey
	aws := func(t *testing.T, args ...string) (string, error) {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), awsCLI, append(args, "--endpoint-url", f.url)...)
		cmd.Env = []string{
			"HOME=" + home, "PATH=/usr/bin:/bin", "LANG=C.UTF-8",
			"AWS_CONFIG_FILE=" + config, "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
			"AWS_REGION=eu-west-1", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=",
			"AWS_ACCESS_KEY_ID=" + sess.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + secret,
			"AWS_SESSION_TOKEN=" + sess.SessionToken,
		}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if err != nil {
			return stdout.String() + stderr.String(), err
		}
		return stdout.String(), nil
	}

	src := filepath.Join(home, "state.json")
	if err := os.WriteFile(src, []byte(`{"version": 4}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := aws(t, "s3", "cp", src, "s3://"+bucket+"/cp/state.json"); err != nil {
		t.Fatalf("aws s3 cp: %v\n%s", err, out)
	}
	if out, err := aws(t, "s3api", "put-object", "--bucket", bucket, "--key", "api/state.json", "--body", src); err != nil {
		t.Fatalf("aws s3api put-object: %v\n%s", err, out)
	}
	for _, key := range []string{"cp/state.json", "api/state.json"} {
		if got, err := f.emu.Object(bucket, key); err != nil || string(got) != `{"version": 4}` {
			t.Errorf("Object %q: got %q (%v)", key, got, err)
		}
	}
	out, err := aws(t, "s3", "cp", "s3://"+bucket+"/cp/state.json", "-")
	if err != nil || out != `{"version": 4}` {
		t.Errorf("aws s3 cp to stdout: got %q (%v)", out, err)
	}
	out, err = aws(t, "s3", "ls", "--recursive", "s3://"+bucket)
	if err != nil || !strings.Contains(out, "cp/state.json") || !strings.Contains(out, "api/state.json") {
		t.Errorf("aws s3 ls: got %q (%v), want both keys", out, err)
	}
	if got := f.emu.Calls("s3:PutObject"); got != 2 {
		t.Errorf("Calls(s3:PutObject): got %d, want 2", got)
	}

	secret = "wrong" + sess.SecretAccessKey
	out, err = aws(t, "s3api", "put-object", "--bucket", bucket, "--key", "denied", "--body", src)
	if err == nil || !strings.Contains(out, "SignatureDoesNotMatch") {
		t.Errorf("wrong secret: got %v, output %q, want a SignatureDoesNotMatch failure", err, out)
	}
	secret = sess.SecretAccessKey
	out, err = aws(t, "s3api", "put-object", "--bucket", "no-such-bucket", "--key", "k", "--body", src)
	if err == nil || !strings.Contains(out, "NoSuchBucket") {
		t.Errorf("missing bucket: got %v, output %q, want a NoSuchBucket failure", err, out)
	}
}
