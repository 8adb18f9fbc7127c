package credendpoint

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

// Supervise runs child to its end while the endpoint serves it, and
// returns its exit code: 128+N when signal N ended it, as shells report.
// Ctrl-C and Ctrl-\ reach the child from the terminal already (same
// process group): forwarding them too would make tofu/terraform see two
// interrupts and exit at once, leaving the state lock. So they are caught
// and dropped here (caught, not ignored: an ignored signal would stay
// ignored in the child), and the other signals that end a session are
// passed on. err is set only when the child could not run.
func Supervise(child *exec.Cmd) (code int, err error) {
	terminal := make(chan os.Signal, 4)
	signal.Notify(terminal, syscall.SIGINT, syscall.SIGQUIT)
	defer signal.Stop(terminal)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, forwardedSignals()...)
	defer signal.Stop(sigs)
	if err := child.Start(); err != nil {
		return 0, fmt.Errorf("exec %s: %w", child.Path, err)
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				_ = child.Process.Signal(s)
			case <-terminal:
			case <-done:
				return
			}
		}
	}()
	err = child.Wait()
	close(done)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), nil
		}
		return ee.ExitCode(), nil
	}
	return 0, err
}
