package stackrun

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// BackendOnlyFile records the backend config of an init that set up the
// backend but installed no provider (ensureBackend). Only reading state
// trusts it; plan, up and down need HashFile, a complete init.
const BackendOnlyFile = ".terraform/spin-backend-only.sha256"

// backendStateFile is where tofu keeps the initialised backend's settings.
const backendStateFile = ".terraform/terraform.tfstate"

// ensureBackend readies the folder for reading outputs, which needs the
// backend but no provider: tofu output reads state only. A complete init
// (HashFile) serves as it is. A stack without a backend block keeps its
// state in the folder, which tofu output reads without any init. Else
// tofu init runs with an empty -plugin-dir: tofu sets up the backend
// first, then fails to find the providers, without a download; the
// backend's settings in .terraform are what tells the two failures apart.
func (r *Runner) ensureBackend(ctx context.Context) error {
	dir := r.Inv.Config.Dir
	want := BackendHash(r.Inv.BackendConfig)
	if sameHash(filepath.Join(dir, HashFile), want) {
		return nil
	}
	// An explicit backend block, "local" included, must be initialised
	// before tofu output reads through it.
	if r.Inv.Config.BackendBlock.Type == "" {
		return nil
	}
	if sameHash(filepath.Join(dir, BackendOnlyFile), want) {
		return nil
	}
	for _, f := range []string{HashFile, BackendOnlyFile, backendStateFile} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	empty, err := os.MkdirTemp(r.TempDir, "spin-no-providers-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(empty)
	// tofu's complaint about the providers is expected: kept, and shown
	// only if the backend was not set up either.
	// tofu's stdout and stderr are copied by two goroutines: one lock.
	var log bytes.Buffer
	logw := lockedWriter{&sync.Mutex{}, &log}
	r.TF.SetStdout(io.Discard)
	_, _, err = r.TF.Version(ctx, false)
	r.TF.SetStdout(logw)
	r.TF.SetStderr(logw)
	if err != nil {
		return tfError("version", err)
	}
	opts := []tfexec.InitOption{tfexec.Reconfigure(true), tfexec.PluginDir(empty)}
	for _, kv := range r.Inv.BackendConfig {
		opts = append(opts, tfexec.BackendConfig(kv))
	}
	initErr := r.TF.Init(ctx, opts...)
	r.TF.SetStdout(r.out)
	r.TF.SetStderr(r.errOut)
	// -plugin-dir is remembered in .terraform; the next complete init must
	// not look for providers in a folder that is gone.
	if err := os.Remove(filepath.Join(dir, ".terraform", "plugin_path")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	mark := BackendOnlyFile
	if initErr == nil {
		mark = HashFile // nothing to install: a complete init
	} else if _, err := os.Stat(filepath.Join(dir, backendStateFile)); err != nil || errors.Is(initErr, context.Canceled) {
		_, _ = r.errOut.Write(log.Bytes())
		return r.initError(initErr)
	}
	if err := os.MkdirAll(filepath.Join(dir, ".terraform"), 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, mark), []byte(want+"\n"), 0o644)
}

// sameHash reports whether the file at path holds hash.
func sameHash(path, hash string) bool {
	got, err := os.ReadFile(path)
	return err == nil && strings.TrimSpace(string(got)) == hash
}
