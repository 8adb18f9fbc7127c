package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const awsCLI = "/usr/bin/aws"

type processJSON struct {
	Version         int
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
}

func wantAssumedARN(session string) string {
	return fmt.Sprintf("arn:aws:sts::%s:assumed-role/spin_role-test/%s", account, session)
}

// The AWS CLI v2 and aws-sdk-go-v2, configured only by a credential_process
// profile, get the assumed role from the emulator; no key lands in a file.
func TestRealClientsGetAssumedRole(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.addKeys()

	t.Run("aws cli v2", func(t *testing.T) {
		if _, err := exec.LookPath(awsCLI); err != nil {
			t.Fatalf("%s missing: run 'make deps'", awsCLI)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		// Debian's CLI ignores AWS_ENDPOINT_URL_STS, hence --endpoint-url.
		cmd := w.command(ctx, awsCLI, "sts", "get-caller-identity", "--profile", "assume-test",
			"--endpoint-url", w.url, "--output", "json")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws sts get-caller-identity: %v\n%s", err, out)
		}
		var id struct{ Arn string }
		if err := json.Unmarshal(out, &id); err != nil {
			t.Fatalf("decode %s: %v", out, err)
		}
		if want := wantAssumedARN("spin-" + currentUser(t)); id.Arn != want {
			t.Errorf("aws cli got Arn %q, want %q", id.Arn, want)
		}
	})

	t.Run("aws-sdk-go-v2", func(t *testing.T) {
		for _, kv := range w.env {
			k, v, _ := strings.Cut(kv, "=")
			t.Setenv(k, v) // the SDK runs the helper with this process's environment
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cfg, err := config.LoadDefaultConfig(ctx, config.WithSharedConfigProfile("assume-test"))
		if err != nil {
			t.Fatal(err)
		}
		out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("GetCallerIdentity through credential_process: %v", err)
		}
		if want := wantAssumedARN("spin-" + currentUser(t)); aws.ToString(out.Arn) != want {
			t.Errorf("sdk got Arn %q, want %q", aws.ToString(out.Arn), want)
		}
		creds, err := cfg.Credentials.Retrieve(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(creds.AccessKeyID, "ASIA") || !creds.CanExpire {
			t.Errorf("sdk got key %s (expires: %v), want a temporary ASIA session", creds.AccessKeyID, creds.CanExpire)
		}
	})

	if got := w.emu.Calls("AssumeRole"); got != 1 {
		t.Errorf("emulator saw %d AssumeRole calls for two clients, want 1 (the session is cached)", got)
	}
	if hits := filesContaining(t, w.home, testSecret); len(hits) > 0 {
		t.Errorf("the secret access key is in files under HOME: %v", hits)
	}
}

// 200 helpers racing with no spind running start exactly one spind, which
// makes exactly one AssumeRole call; every helper prints credentials.
func TestConcurrentHelpersStartOneDaemon(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.addKeys()
	w.run("", "daemon", "stop")
	// 'daemon stop' returns once the socket is free; the process may take
	// a moment longer to exit on a loaded machine.
	deadline := time.Now().Add(10 * time.Second)
	for pids := w.daemons(); len(pids) != 0; pids = w.daemons() {
		if time.Now().After(deadline) {
			t.Fatalf("spind still running 10s after 'daemon stop': %v", pids)
		}
		time.Sleep(50 * time.Millisecond)
	}

	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, n)
	keys := make(chan string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, errOut, err := w.helper("assume-test")
			if err != nil {
				errs <- fmt.Errorf("helper: %v: %s", err, errOut)
				return
			}
			var p processJSON
			if err := json.Unmarshal([]byte(out), &p); err != nil || p.Version != 1 || p.SessionToken == "" || p.Expiration.IsZero() {
				errs <- fmt.Errorf("helper printed %q (err %v)", out, err)
				return
			}
			keys <- p.AccessKeyID
		}()
	}
	wg.Wait()
	close(errs)
	close(keys)
	for err := range errs {
		t.Error(err)
	}
	distinct := map[string]bool{}
	for k := range keys {
		distinct[k] = true
	}
	if len(distinct) != 1 {
		t.Errorf("helpers got %d different sessions, want 1", len(distinct))
	}
	if got := w.emu.Calls("AssumeRole"); got != 1 {
		t.Errorf("AssumeRole calls = %d, want 1", got)
	}
	if pids := w.daemons(); len(pids) != 1 {
		t.Errorf("spind processes for this socket = %v, want exactly one", pids)
	}
}

// With 30 s sessions and a 10 s min_validity, credentials handed out over a
// minute always have at least 10 s left and the emulator accepts each.
func TestMinValidityOverSessionLifetimes(t *testing.T) {
	w := newWorld(t, worldOptions{defaults: "  region: eu-west-1\n  duration: 30s\n  min_validity: 10s\n"})
	w.addKeys()
	ctx := context.Background()
	deadline := time.Now().Add(60 * time.Second)
	seen := map[string]bool{}
	for time.Now().Before(deadline) {
		asked := time.Now()
		out := w.run("", "credential-process", "assume-test")
		var p processJSON
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			t.Fatalf("decode %q: %v", out, err)
		}
		if left := p.Expiration.Sub(asked); left < 10*time.Second {
			t.Fatalf("credentials %s handed out with %s left, want >= 10s", p.AccessKeyID, left)
		}
		if !seen[p.AccessKeyID] {
			seen[p.AccessKeyID] = true
		}
		client := sts.New(sts.Options{
			Region:       "eu-west-1",
			BaseEndpoint: aws.String(w.url),
			Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{AccessKeyID: p.AccessKeyID, SecretAccessKey: p.SecretAccessKey, SessionToken: p.SessionToken}, nil
			}),
		})
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err := client.GetCallerIdentity(cctx, &sts.GetCallerIdentityInput{})
		cancel()
		if err != nil {
			t.Fatalf("emulator refused credentials %s (%s left when handed out): %v", p.AccessKeyID, p.Expiration.Sub(asked), err)
		}
		time.Sleep(700 * time.Millisecond)
	}
	if len(seen) < 3 {
		t.Errorf("saw %d sessions over 60s of 30s sessions, want at least 3", len(seen))
	}
	if n := w.emu.Rejections("ExpiredToken"); n != 0 {
		t.Errorf("emulator rejected %d expired tokens, want 0", n)
	}
}

// A credential_process line whose --config is not the config the running
// spind serves (written with SPIN_CONFIG set, say) gets one line naming
// both and the fix, from the lean helper and from spin credential-process
// alike, rather than "unknown profile" with a fix in the wrong file; the
// same line naming spind's own config gets the credentials.
func TestHelperConfigOtherThanSpinds(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.addKeys()
	data, err := os.ReadFile(w.config)
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(w.home, "other.yaml")
	w.writeFile(other, string(data))
	helper := filepath.Join(filepath.Dir(w.spin), helperName)
	for _, args := range [][]string{
		{helper, "--config", other, "assume-test"},
		{w.spin, "--config", other, "credential-process", "assume-test"},
	} {
		cmd := w.command(context.Background(), args[0], args[1:]...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		want := "spin: profile assume-test's credential_process line names spin config " + other + ", but spind (pid "
		if err == nil || stdout.Len() != 0 || !strings.HasPrefix(stderr.String(), want) ||
			!strings.Contains(stderr.String(), "serves "+w.config+": run 'spin daemon stop'") || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("%s: %v, stdout %q, stderr %q; want one line starting %q", filepath.Base(args[0]), err, stdout.String(), stderr.String(), want)
		}
	}
	cmd := w.command(context.Background(), helper, "--config", w.config, "assume-test")
	if out, err := cmd.Output(); err != nil || !strings.Contains(string(out), `"AccessKeyId":"ASIA`) {
		t.Errorf("the line with spind's own config: %v, %s", err, out)
	}
}
