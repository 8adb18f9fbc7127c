package credask

import "os"

// ForegroundTTY is the console (CONIN$ can be read and written) when the
// helper has one; a helper started by an SDK without a console gets nil
// and falls back to SPIN_MFA_COMMAND.
func ForegroundTTY() *os.File {
	f, err := os.OpenFile("CONIN$", os.O_RDWR, 0)
	if err != nil {
		return nil
	}
	return f
}
