package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const keysJSON = `{"keys": [{"access_key_id": "AKIATEST000000000001", "secret_access_key": "secret1", "user_name": "demo", "account": "111122223333"}]}`

func writeKeys(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "keys.json")
	if err := os.WriteFile(p, []byte(keysJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitURL polls for the URL file the server writes once listening.
func waitURL(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil {
			return strings.TrimSpace(string(b))
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s did not appear", path)
	return ""
}

func checkIdentity(t *testing.T, url string) {
	t.Helper()
	c := sts.New(sts.Options{
		Region:       "eu-west-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIATEST000000000001", "secret1", ""),
		BaseEndpoint: aws.String(url),
		Retryer:      aws.NopRetryer{},
	})
	out, err := c.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity against %s: %v", url, err)
	}
	if got, want := aws.ToString(out.Arn), "arn:aws:iam::111122223333:user/demo"; got != want {
		t.Errorf("got Arn %q, want %q", got, want)
	}
}

func checkBucket(t *testing.T, url, bucket string) {
	t.Helper()
	c := s3.New(s3.Options{
		Region:       "eu-west-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIATEST000000000001", "secret1", ""),
		BaseEndpoint: aws.String(url),
		UsePathStyle: true,
		Retryer:      aws.NopRetryer{},
	})
	if _, err := c.HeadBucket(t.Context(), &s3.HeadBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Errorf("HeadBucket %s against %s: %v", bucket, url, err)
	}
}

// syncBuffer collects the server's log lines from its goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunServesUntilCanceled(t *testing.T) {
	dir := t.TempDir()
	urlFile := filepath.Join(dir, "url")
	ctx, cancel := context.WithCancel(t.Context())
	var stderr syncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--keys", writeKeys(t, dir), "--url-file", urlFile,
			"--bucket", "state-bucket"}, &stderr)
	}()
	url := waitURL(t, urlFile)
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Errorf("got URL %q, want http://127.0.0.1:PORT", url)
	}
	checkIdentity(t, url)
	checkBucket(t, url, "state-bucket")
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("got exit code %d, want 0; stderr:\n%s", code, stderr.String())
	}
	if _, err := os.Stat(urlFile); !os.IsNotExist(err) {
		t.Errorf("URL file still there after stop (%v)", err)
	}
	if logs := stderr.String(); !strings.Contains(logs, "GetCallerIdentity") || strings.Contains(logs, "secret1") {
		t.Errorf("got logs without the action or with the secret:\n%s", logs)
	}
}

// --tls-cert serves HTTPS with a certificate written for clients to trust
// (SSL_CERT_FILE), and the log on exit says what clients cost it.
func TestRunServesTLS(t *testing.T) {
	dir := t.TempDir()
	urlFile, certFile := filepath.Join(dir, "url"), filepath.Join(dir, "cert.pem")
	ctx, cancel := context.WithCancel(t.Context())
	var stderr syncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"--keys", writeKeys(t, dir), "--url-file", urlFile, "--tls-cert", certFile}, &stderr)
	}()
	url := waitURL(t, urlFile)
	if !strings.HasPrefix(url, "https://127.0.0.1:") {
		t.Fatalf("got URL %q, want https://127.0.0.1:PORT", url)
	}
	pem, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("%s holds no certificate", certFile)
	}
	c := sts.New(sts.Options{
		Region:       "eu-west-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIATEST000000000001", "secret1", ""),
		BaseEndpoint: aws.String(url),
		Retryer:      aws.NopRetryer{},
		HTTPClient:   &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}},
	})
	if _, err := c.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("GetCallerIdentity over TLS: %v", err)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit code %d; stderr:\n%s", code, stderr.String())
	}
	if logs := stderr.String(); !strings.Contains(logs, "connections=1 tls_handshakes=1") {
		t.Errorf("the stop line does not count one connection and one handshake:\n%s", logs)
	}
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	keys := writeKeys(t, dir)
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"keys": [{"access_key_id": "AKIA1"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		code    int
		wantErr string
	}{
		{"unknown flag", []string{"--nope"}, 2, "flag provided but not defined"},
		{"no keys", []string{}, 2, "awsemu: --keys is required"},
		{"extra argument", []string{"--keys", keys, "x"}, 2, `unexpected argument "x"`},
		{"bad keys file", []string{"--keys", bad}, 1, "secret_access_key"},
		{"missing keys file", []string{"--keys", filepath.Join(dir, "none.json")}, 1, "no such file"},
		{"bad address", []string{"--keys", keys, "--listen", "127.0.0.1:99999"}, 1, "invalid port"},
		{"invalid bucket name", []string{"--keys", keys, "--bucket", "Bad_Bucket"}, 1, `bucket "Bad_Bucket"`},
		{"url file in missing dir", []string{"--keys", keys, "--url-file", filepath.Join(dir, "no", "url")}, 1, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			if code := run(t.Context(), tt.args, &stderr); code != tt.code || !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("got code %d, stderr %q, want %d and %q", code, stderr.String(), tt.code, tt.wantErr)
			}
		})
	}
}

// TestBinaryStopsOnSIGTERM builds the command and checks the signal wiring
// in main.
func TestBinaryStopsOnSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary; skipped with -short")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "awsemu")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	urlFile := filepath.Join(dir, "url")
	cmd := exec.Command(bin, "--keys", writeKeys(t, dir), "--url-file", urlFile)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	checkIdentity(t, waitURL(t, urlFile))
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("after SIGTERM: got %v, want exit 0; stderr:\n%s", err, stderr.String())
	}
}
