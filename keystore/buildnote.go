package keystore

import (
	"runtime"
	"slices"
)

// BuildNote says what this build of spind lacks that its platform could
// have, or "". 99designs/keyring's Keychain backend needs cgo, so a darwin
// spind cross-built with CGO_ENABLED=0 (the release archives) has none.
func BuildNote() string { return buildNote(runtime.GOOS, AvailableBackends()) }

func buildNote(goos string, available []string) string {
	if goos == "darwin" && !slices.Contains(available, BackendKeychain) {
		return "this spind was built without cgo and has no Keychain backend; for it, build spind on macOS with CGO_ENABLED=1 (CGO_ENABLED=1 go install github.com/cloudspin/spin/cmd/spind@latest)"
	}
	return ""
}
