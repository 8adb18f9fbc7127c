//go:build !linux && !darwin && !windows

package proc

// Elsewhere processes are Unknown: the audit records the peer's pid alone.
func exeOf(int) string    { return Unknown }
func parentOf(int) int    { return 0 }
func argsOf(int) []string { return nil }
