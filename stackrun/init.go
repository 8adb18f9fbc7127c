package stackrun

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/cloudspin/spin/internal/hint"
)

// HashFile is where spin keeps the hash of the backend config it last
// initialised with, inside tofu's own data folder, so removing .terraform
// forgets it too.
const HashFile = ".terraform/spin-backend.sha256"

// BackendHash is the hash that decides whether tofu init must run again.
// The settings hold no secret (a profile name, never keys).
func BackendHash(backendConfig []string) string {
	h := sha256.New()
	h.Write([]byte("spin backend v1\n"))
	for _, kv := range backendConfig {
		h.Write([]byte(kv + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ensureInit runs tofu init when the backend config differs from the one
// of the last successful init (or there was none). -reconfigure, because
// a changed group or environment is another instance whose state must not
// be migrated into.
func (r *Runner) ensureInit(ctx context.Context) error {
	path := filepath.Join(r.Inv.Config.Dir, HashFile)
	want := BackendHash(r.Inv.BackendConfig)
	got, err := os.ReadFile(path)
	if err == nil && strings.TrimSpace(string(got)) == want {
		return nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	// A failed init must not leave a hash that says it worked, and a
	// backend-only one must not outlive the backend it describes.
	for _, f := range []string{path, filepath.Join(r.Inv.Config.Dir, BackendOnlyFile)} {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	// Init asks tofu version -json first, and terraform-exec would copy
	// that JSON to the user's stdout; asked now, the answer is cached.
	r.TF.SetStdout(io.Discard)
	_, _, err = r.TF.Version(ctx, false)
	r.TF.SetStdout(r.out)
	if err != nil {
		return tfError("version", err)
	}
	opts := []tfexec.InitOption{tfexec.Reconfigure(true)}
	for _, kv := range r.Inv.BackendConfig {
		opts = append(opts, tfexec.BackendConfig(kv))
	}
	if err := r.TF.Init(ctx, opts...); err != nil {
		return r.initError(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(want+"\n"), 0o644)
}

// initError names the backend setting a failed init points at.
func (r *Runner) initError(err error) error {
	// terraform-exec's error carries tofu's stderr: name the setting
	// rather than leave the user to read an S3 stack trace.
	if b := r.Inv.Config.Backend; b != nil && missingBucket(err.Error()) {
		return &hint.Error{
			Err:  fmt.Errorf("terraform_backend.bucket %q does not exist (set at %s)", b.Bucket, r.Inv.Config.Origin("terraform_backend.bucket")),
			Next: "create the state bucket (the walkthrough's statebucket step), or fix terraform_backend.bucket",
		}
	}
	err = tfError("init", err)
	var ee *ExitError
	if errors.As(err, &ee) && r.Inv.Config.Backend != nil {
		return &hint.Error{Err: err, Next: "check terraform_backend (bucket, region, endpoints, profile) with 'spin plan --show-config'"}
	}
	return err
}

// missingBucket recognises the S3 backend's report of a missing bucket.
func missingBucket(out string) bool {
	return strings.Contains(out, "NoSuchBucket") || strings.Contains(out, "S3 bucket does not exist")
}
