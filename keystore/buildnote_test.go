//go:build unix

// The keyring test kit (internal/testkeyring) drives unix daemons.

package keystore

import (
	"strings"
	"testing"
)

func TestBuildNoteNamesTheMissingKeychain(t *testing.T) {
	note := buildNote("darwin", []string{BackendPass, BackendFile})
	if !strings.Contains(note, "no Keychain backend") || !strings.Contains(note, "CGO_ENABLED=1") {
		t.Errorf("cross-built darwin spind: note %q", note)
	}
	if note := buildNote("darwin", []string{BackendKeychain, BackendFile}); note != "" {
		t.Errorf("cgo darwin spind: note %q", note)
	}
	if note := buildNote("linux", []string{BackendFile}); note != "" {
		t.Errorf("linux spind: note %q", note)
	}
	// Asking for the Keychain in such a build says how to get one.
	if h := unavailableHintFor("darwin", []string{BackendFile}, BackendKeychain); !strings.Contains(h, "CGO_ENABLED=1") {
		t.Errorf("keychain refused with %q", h)
	}
}
