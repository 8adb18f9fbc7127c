// Package service renders and installs the per-user service definition
// that starts spind at login: a systemd user unit on Linux, a launchd
// agent on macOS. The service runs spind the way `spin daemon start` does,
// minus the unlock: a file keyring's passphrase never goes into a unit.
package service

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/cloudspin/spin/internal/atomicfile"
)

// Unit describes what to install.
type Unit struct {
	Spind  string // absolute path of spind
	Config string // spin config path, when not the default
	Origin string // who wrote the unit; default "'spin daemon install'"
}

// Kind is the service manager of this OS.
type Kind string

const (
	Systemd Kind = "systemd"
	Launchd Kind = "launchd"
)

// label names the service in both managers.
const label = "dev.cloudspin.spind"

// KindFor returns the service manager for goos.
func KindFor(goos string) (Kind, error) {
	switch goos {
	case "linux":
		return Systemd, nil
	case "darwin":
		return Launchd, nil
	}
	return "", fmt.Errorf("no service manager support on %s: start spind with 'spin daemon start' from your login script", goos)
}

// Path is where the definition goes for a user with the given home and
// XDG_CONFIG_HOME (may be empty).
func Path(k Kind, home, xdgConfig string) string {
	if k == Launchd {
		return filepath.Join(home, "Library", "LaunchAgents", label+".plist")
	}
	if xdgConfig == "" || !filepath.IsAbs(xdgConfig) {
		xdgConfig = filepath.Join(home, ".config")
	}
	return filepath.Join(xdgConfig, "systemd", "user", "spind.service")
}

// Render returns the definition's text.
func Render(k Kind, u Unit) ([]byte, error) {
	if !filepath.IsAbs(u.Spind) {
		return nil, fmt.Errorf("spind path %q is not absolute", u.Spind)
	}
	args := []string{u.Spind}
	if u.Config != "" {
		args = append(args, "--config", u.Config)
	}
	if k == Launchd {
		return renderPlist(args), nil
	}
	var quoted []string
	for _, a := range args {
		if strings.ContainsAny(a, "\"\\\n%$") {
			return nil, fmt.Errorf("path %q has characters a systemd unit cannot carry safely", a)
		}
		quoted = append(quoted, `"`+a+`"`)
	}
	var b bytes.Buffer
	if u.Origin == "" {
		b.WriteString("# Written by 'spin daemon install'. Remove with 'spin daemon uninstall'.\n")
	} else {
		b.WriteString("# Installed by " + u.Origin + ". Enable with 'systemctl --user enable --now spind.service'.\n")
	}
	fmt.Fprintf(&b, `[Unit]
Description=spin credential daemon (spind)
Documentation=https://github.com/cloudspin/spin

[Service]
Type=simple
ExecStart=%s
Restart=on-failure
RestartSec=2
# spind exits 3 when another spind already serves the socket.
SuccessExitStatus=3
RestartPreventExitStatus=3

[Install]
WantedBy=default.target
`, strings.Join(quoted, " "))
	return b.Bytes(), nil
}

func renderPlist(args []string) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>` + label + `</string>
	<key>ProgramArguments</key>
	<array>
`)
	for _, a := range args {
		b.WriteString("\t\t<string>" + xmlEscape(a) + "</string>\n")
	}
	b.WriteString(`	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>KeepAlive</key>
	<dict>
		<key>SuccessfulExit</key>
		<false/>
	</dict>
</dict>
</plist>
`)
	return b.Bytes()
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// EnableHint is the command that turns the installed service on.
func EnableHint(k Kind, path string) string {
	if k == Launchd {
		return "launchctl load -w " + path
	}
	return "systemctl --user daemon-reload && systemctl --user enable --now spind.service"
}

// DisableHint is the command to run before removing the definition.
func DisableHint(k Kind, path string) string {
	if k == Launchd {
		return "launchctl unload -w " + path
	}
	return "systemctl --user disable --now spind.service"
}

// Install writes the definition (0644, directories 0755 as the managers
// expect) and reports whether it changed.
func Install(path string, text []byte) (changed bool, err error) {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, text) {
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return false, err
	}
	return true, atomicfile.WriteFile(path, text, 0o644)
}

// Uninstall removes the definition; a missing one is not an error.
func Uninstall(path string) (removed bool, err error) {
	err = os.Remove(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// Current is the service manager of the running OS.
func Current() (Kind, error) { return KindFor(runtime.GOOS) }
