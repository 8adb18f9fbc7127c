//go:build !linux && !darwin && !windows

package proc

// Elsewhere processes are Unknown: the audit records the peer's pid alone.
func exeOf(int) string         { return Unknown }
func statOf(int) (int, uint64) { return 0, 0 }
func identOf(int) Ident        { return Ident{exe: Unknown} }
