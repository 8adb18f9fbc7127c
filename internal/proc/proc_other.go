//go:build !linux && !darwin

package proc

// Elsewhere (Windows) processes are Unknown for now: the audit records the
// peer's pid alone.
func exeOf(int) string    { return Unknown }
func parentOf(int) int    { return 0 }
func argsOf(int) []string { return nil }
