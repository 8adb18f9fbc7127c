package stackrun

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cloudspin/spin/internal/hint"
)

// BinaryEnv names the variable that picks the tofu/terraform binary.
const BinaryEnv = "SPIN_TF_BINARY"

const installHint = "install OpenTofu (https://opentofu.org/docs/intro/install/), or in spin's source tree " +
	"run scripts/install-tofu.sh, which builds it into .tools/bin; or name a binary with --tofu PATH or " + BinaryEnv

// FindBinary returns the absolute path of the binary to run: flag (--tofu)
// if set, else $SPIN_TF_BINARY, else tofu, else terraform on $PATH. A
// name without a / is looked up on $PATH.
func FindBinary(flag string, getenv func(string) string) (string, error) {
	path := getenv("PATH")
	for _, c := range []struct{ from, name string }{{"--tofu", flag}, {BinaryEnv, getenv(BinaryEnv)}} {
		if c.name == "" {
			continue
		}
		p, err := lookPath(c.name, path)
		if err != nil {
			return "", &hint.Error{Err: fmt.Errorf("%s %s: %w", c.from, c.name, err), Next: installHint}
		}
		return p, nil
	}
	for _, name := range []string{"tofu", "terraform"} {
		if p, err := lookPath(name, path); err == nil {
			return p, nil
		}
	}
	return "", &hint.Error{Err: errors.New("neither tofu nor terraform is on PATH"), Next: installHint}
}

// lookPath finds an executable like exec.LookPath, but on the given PATH
// rather than the process's own, and always returns an absolute path.
func lookPath(name, path string) (string, error) {
	if strings.Contains(name, "/") {
		return executable(name)
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			continue // an empty entry means ".", which spin never searches
		}
		if p, err := executable(filepath.Join(dir, name)); err == nil {
			return p, nil
		}
	}
	return "", errors.New("not found on PATH")
}

func executable(p string) (string, error) {
	fi, err := os.Stat(p)
	switch {
	case err != nil:
		return "", errors.New("no such file")
	case fi.IsDir():
		return "", errors.New("is a folder")
	case fi.Mode().Perm()&0o111 == 0:
		return "", errors.New("is not executable")
	}
	return filepath.Abs(p)
}
