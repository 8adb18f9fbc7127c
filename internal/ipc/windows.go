//go:build windows

package ipc

import (
	"context"
	"fmt"
	"net"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// Pipe is the named pipe transport.
type Pipe struct{}

// Default is this platform's transport.
func Default() Transport { return Pipe{} }

// Listen creates the pipe with a DACL for the current user only. go-winio
// creates the first instance with FILE_FLAG_FIRST_PIPE_INSTANCE, so a
// pipe some other process made first under this name is an error, not a
// listener shared with it.
func (Pipe) Listen(name string) (net.Listener, error) {
	sid, err := currentSID()
	if err != nil {
		return nil, err
	}
	ln, err := winio.ListenPipe(name, &winio.PipeConfig{SecurityDescriptor: PipeSDDL(sid)})
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", name, err)
	}
	return ln, nil
}

// Dial connects to the pipe and checks that the process serving it runs as
// this user: a pipe squatted by another user before spind started must not
// receive our requests (it could not have our DACL, but it could have its
// own).
func (Pipe) Dial(ctx context.Context, name string) (net.Conn, error) {
	c, err := winio.DialPipeContext(ctx, name)
	if err != nil {
		return nil, err
	}
	if err := checkServer(c); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func currentSID() (string, error) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return "", fmt.Errorf("current user's SID: %w", err)
	}
	return u.User.Sid.String(), nil
}

func checkServer(c net.Conn) error {
	f, ok := c.(interface{ Fd() uintptr })
	if !ok {
		return fmt.Errorf("pipe connection %T has no handle to check its server", c)
	}
	var pid uint32
	if err := windows.GetNamedPipeServerProcessId(windows.Handle(f.Fd()), &pid); err != nil {
		return fmt.Errorf("pipe server process: %w", err)
	}
	p, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return fmt.Errorf("pipe server process %d: %w", pid, err)
	}
	defer windows.CloseHandle(p)
	var tok windows.Token
	if err := windows.OpenProcessToken(p, windows.TOKEN_QUERY, &tok); err != nil {
		return fmt.Errorf("pipe server process %d: %w", pid, err)
	}
	defer tok.Close()
	owner, err := tok.GetTokenUser()
	if err != nil {
		return fmt.Errorf("pipe server process %d: %w", pid, err)
	}
	me, err := currentSID()
	if err != nil {
		return err
	}
	if got := owner.User.Sid.String(); got != me {
		return fmt.Errorf("the pipe's server (pid %d) runs as %s, not as you (%s): refusing to talk to it", pid, got, me)
	}
	return nil
}
