//go:build !linux

package proc

// Elsewhere a Watch reads the command line afresh each time.
func openCmdline(int) int          { return -1 }
func sameCmdline(int, string) bool { return false }
func closeCmdline(int)             {}
func openProcDir(int) int          { return -1 }
func exeAt(int) string             { return "" }

// Elsewhere a Cache keeps no files: procFiles is never valid, so every
// ancestor is read afresh (and without a start time, not cached at all).
type procFiles struct{}

func openProcFiles(int) procFiles                { return procFiles{} }
func (procFiles) valid() bool                    { return false }
func (procFiles) stat() (ppid int, start uint64) { return 0, 0 }
func (procFiles) cmdline() string                { return "" }
func (procFiles) sameCmdline(string) bool        { return false }
func (procFiles) gone() bool                     { return true }
func (procFiles) close()                         {}
