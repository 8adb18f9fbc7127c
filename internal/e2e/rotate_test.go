package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/cloudspin/spin/internal/awsemu"
)

// withIAM points spind's IAM (and console sign-in) calls at the emulator:
// endpoints: is the config's last section, so lines can be appended.
func (w *world) withIAM(extra string) {
	w.t.Helper()
	data, err := os.ReadFile(w.config)
	if err != nil {
		w.t.Fatal(err)
	}
	w.writeFile(w.config, string(data)+"  iam: "+w.url+"\n  signin: "+w.url+"\n"+extra)
}

// emuKeys are the emulated IAM user's access keys.
func (w *world) emuKeys() []awsemu.Key { return w.emu.AccessKeys(account, "cloudspin_user") }

// stsAccepts reports whether STS takes a long-term key as it stands.
func (w *world) stsAccepts(id, secret string) error {
	c := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(w.url), Retryer: aws.NopRetryer{},
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, "")})
	_, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	return err
}

// A rotation while 20 helpers ask for new sessions in a loop (each call a
// fresh session name, so each is an AssumeRole with the key set's key): no
// helper fails, the old key is dead at the emulator, the new one is what
// spind signs with, and no secret lands in a file.
func TestRotateUnderLoad(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.withIAM("")
	w.addKeys()
	if _, errOut, err := w.helper("assume-test"); err != nil {
		t.Fatalf("helper before rotation: %v: %s", err, errOut)
	}

	var stop atomic.Bool
	var calls, failures atomic.Int64
	var wg sync.WaitGroup
	helper := filepath.Join(filepath.Dir(w.spin), helperName)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; !stop.Load(); n++ {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				cmd := w.command(ctx, helper, "assume-test")
				cmd.Env = append(cmd.Env, fmt.Sprintf("SPIN_SESSION_NAME=h%d-%d", i, n))
				out, err := cmd.CombinedOutput()
				cancel()
				calls.Add(1)
				if err != nil || !strings.Contains(string(out), `"SessionToken"`) {
					if failures.Add(1) <= 3 {
						t.Errorf("helper %d call %d: %v: %s", i, n, err, out)
					}
				}
			}
		}()
	}
	time.Sleep(time.Second) // let the helpers get going
	// IAM's eventual consistency: the new key works only after 2s, so the
	// rotation waits for it while the helpers keep calling.
	w.emu.SetIAMKeyDelay(2 * time.Second)
	before := calls.Load()
	out := w.run("", "keys", "rotate", w.keySet)
	during := calls.Load() - before
	time.Sleep(time.Second) // and keep calling with the new key
	stop.Store(true)
	wg.Wait()
	if during == 0 {
		t.Errorf("no helper call finished while the rotation ran: the test showed nothing")
	}
	t.Logf("%d helper calls, %d failed; rotate said %q", calls.Load(), failures.Load(), out)
	if failures.Load() != 0 {
		t.Fatalf("%d of %d helper calls failed during the rotation", failures.Load(), calls.Load())
	}

	keys := w.emuKeys()
	if len(keys) != 1 || keys[0].AccessKeyID == testKeyID {
		t.Fatalf("IAM holds %v after rotation, want exactly one new key", keys)
	}
	newKey := keys[0]
	if !strings.Contains(out, "is deleted") || !strings.Contains(out, newKey.AccessKeyID[len(newKey.AccessKeyID)-4:]) {
		t.Errorf("rotate printed %q, want the new (masked) key and the old one deleted", out)
	}
	if err := w.stsAccepts(testKeyID, testSecret); err == nil || !strings.Contains(err.Error(), "InvalidClientTokenId") {
		t.Errorf("the old key after rotation: got %v, want InvalidClientTokenId", err)
	}
	if err := w.stsAccepts(newKey.AccessKeyID, newKey.SecretAccessKey); err != nil {
		t.Errorf("the new key after rotation: %v", err)
	}
	cmd := w.command(context.Background(), helper, "assume-test")
	cmd.Env = append(cmd.Env, "SPIN_SESSION_NAME=after-rotation")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helper after rotation: %v: %s", err, out)
	}
	arCalls := w.emu.AssumeRoleCalls()
	if last := arCalls[len(arCalls)-1]; last.SourceAccessKeyID != newKey.AccessKeyID {
		t.Errorf("spind signed the last AssumeRole with %s, want the new key %s", last.SourceAccessKeyID, newKey.AccessKeyID)
	}
	if hits := filesContaining(t, w.home, newKey.SecretAccessKey); len(hits) > 0 {
		t.Errorf("the new secret is in %v", hits)
	}
}

// A rotation killed after CreateAccessKey (spind dies while IAM still
// hides the new key from STS) and run again ends with exactly one key;
// with two keys in IAM the rotation is refused, naming both.
func TestRotateInterruptedThenTwoKeys(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.withIAM("")
	w.addKeys()
	w.emu.SetIAMKeyDelay(time.Hour)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rot := w.command(ctx, w.spin, "keys", "rotate", w.keySet)
	var rotOut strings.Builder
	rot.Stdout, rot.Stderr = &rotOut, &rotOut
	if err := rot.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill spind once IAM made the key and spind stored it as pending
	// (spin keys list says so); spind stores it right after IAM answers.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, errOut, _ := w.try("", "keys", "list")
		if len(w.emuKeys()) == 2 && strings.Contains(errOut, "a rotation of key set "+w.keySet+" stopped halfway") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no pending key within 20s; rotate said %q", rotOut.String())
		}
	}
	for _, pid := range w.daemons() {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	if err := rot.Wait(); err == nil {
		t.Fatalf("rotate succeeded although spind was killed: %q", rotOut.String())
	}
	keys := w.emuKeys()
	if len(keys) != 2 {
		t.Fatalf("IAM holds %v after the interruption, want the old and the new key", keys)
	}
	pending := keys[1]
	// IAM catches up; the re-run (with a new spind) finishes the job.
	w.emu.SetIAMKeyDelay(0)
	w.emu.AddKey(pending)
	out := w.run("", "keys", "rotate", w.keySet)
	keys = w.emuKeys()
	if len(keys) != 1 || keys[0].AccessKeyID != pending.AccessKeyID {
		t.Fatalf("IAM holds %v after the re-run, want exactly the key the first run created (%s); rotate said %q", keys, pending.AccessKeyID, out)
	}
	if _, errOut, err := w.helper("assume-test"); err != nil {
		t.Fatalf("helper after the re-run: %v: %s", err, errOut)
	}

	// A second key made elsewhere: the rotation stops and names both.
	other := awsemu.Key{AccessKeyID: "AKIAE2EOTHERKEY00002", SecretAccessKey: "otherSecret/0000000000000000000000000000",
		UserName: "cloudspin_user", Account: account}
	w.emu.AddKey(other)
	_, errOut, err := w.try("", "keys", "rotate", w.keySet)
	if err == nil || !strings.Contains(errOut, pending.AccessKeyID) || !strings.Contains(errOut, other.AccessKeyID) ||
		!strings.Contains(errOut, "spin: hint: delete the other key") {
		t.Fatalf("rotate with two keys: err %v, stderr %q; want a refusal naming both keys and the choices", err, errOut)
	}
	if lines := strings.Split(strings.TrimSpace(errOut), "\n"); len(lines) != 2 {
		t.Errorf("refusal is %d lines, want the message and one hint: %q", len(lines), errOut)
	}
	if n := len(w.emuKeys()); n != 2 {
		t.Errorf("the refused rotation left %d keys, want 2", n)
	}
}

// keys.max_age: spin keys list, spin status and spin doctor warn about an
// old key; a rotation clears the warning.
func TestKeyAgeWarning(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.withIAM("keys:\n  max_age: 2s\n")
	w.addKeys()
	if _, errOut, err := w.helper("assume-test"); err != nil { // spind now holds the key set
		t.Fatalf("helper: %v: %s", err, errOut)
	}
	time.Sleep(2500 * time.Millisecond)
	// The age grows while the commands run (doctor takes a while on a
	// loaded machine): any age past max_age will do.
	want := regexp.MustCompile(`key set ` + regexp.QuoteMeta(w.keySet) + ` is [0-9]+s old, past keys\.max_age \(2s\)`)
	for _, args := range [][]string{{"keys", "list"}, {"status"}, {"doctor"}} {
		stdout, errOut, _ := w.try("", args...)
		all := stdout + errOut
		if !want.MatchString(all) || !strings.Contains(all, "spin keys rotate "+w.keySet) {
			t.Errorf("spin %s: %q, want a warning matching %q with the rotate hint", strings.Join(args, " "), all, want)
		}
	}
	w.writeFile(w.config, strings.Replace(readFile(t, w.config), "max_age: 2s", "max_age: 1h", 1))
	if _, errOut, _ := w.try("", "keys", "list"); strings.Contains(errOut, "max_age") {
		t.Errorf("keys list with max_age 1h still warns: %q", errOut)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
