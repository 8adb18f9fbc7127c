// Package spindbin finds spin's programs (spind above all) and says which
// environment a spind started on the user's behalf gets. It is apart from
// broker/launch, which starts and pings a daemon, so that packages that
// only run `spind __check-aws-files` (internal/sdkcheck, and profiles
// through it) do not depend on the broker.
package spindbin

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Spind locates spind: next to this binary (symlinks resolved, so a spin
// linked into ~/bin finds the spind it was installed with), else on PATH.
// The path is absolute, for a service definition to name.
func Spind() (string, error) {
	p, err := Find("spind")
	if err != nil {
		return "", errors.New("spind not found next to spin or on PATH: install both binaries together")
	}
	return p, nil
}

// Find finds one of spin's programs: next to this executable (symlinks
// resolved), else on PATH.
func Find(name string) (string, error) {
	if exe, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			cand := filepath.Join(filepath.Dir(real), name)
			if runtime.GOOS == "windows" {
				cand += ".exe"
			}
			if st, err := os.Stat(cand); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
				return cand, nil
			}
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", err
	}
	return filepath.Abs(p)
}

// AllowedEnv returns the part of env an autostarted spind gets: what it
// needs to find its config, socket, keyring and locale, and nothing that
// could steer its AWS calls (endpoints, proxies, CA bundles) or carry a
// secret. GNUPGHOME and PASSWORD_STORE_DIR go beyond DESIGN's list because
// the pass keyring backend cannot find the user's store without them, and
// SPIN_KEYRING_BACKEND because an autostart must open the keyring the
// user chose (it names a backend, never a secret).
func AllowedEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "HOME", k == "PATH", k == "SPIN_CONFIG", k == "SPIN_SOCKET", k == "SPIN_LOG_LEVEL", k == "SPIN_KEYRING_BACKEND",
			k == "DBUS_SESSION_BUS_ADDRESS", k == "LANG", k == "LANGUAGE",
			k == "GNUPGHOME", k == "PASSWORD_STORE_DIR",
			strings.HasPrefix(k, "XDG_"), strings.HasPrefix(k, "LC_"):
			out = append(out, kv)
		}
	}
	return out
}
