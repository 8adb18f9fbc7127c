package launch

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"golang.org/x/sys/windows"
)

// detach starts spind without a console of its own and outside the
// console's Ctrl-C group.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &windows.SysProcAttr{CreationFlags: windows.CREATE_NEW_PROCESS_GROUP | windows.DETACHED_PROCESS}
}

func rootDir() string { return os.Getenv("SystemDrive") + `\` }

// OpenLog opens spind's log for appending. On Windows the directory sits
// in the user's profile, whose ACL already keeps other users out; the
// unix checks (owner, mode, symlinks in a shared /tmp) have no equivalent
// that would add to that.
func OpenLog(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("log directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	return f, nil
}
