//go:build linux

package ttyprompt

import (
	"context"
	"errors"
	"os"
	"testing"
)

// A TTY opens the terminal for each prompt and closes it after; without a
// terminal every prompt is ErrNoTerminal, so callers can name the flag
// that does without one.
func TestTTYPromptsAndNoTerminal(t *testing.T) {
	typist, tty := newPTY(t)
	opened := 0
	open := TTY(func() (*os.File, error) { opened++; return os.OpenFile(tty.Name(), os.O_RDWR, 0) })
	ctx := context.Background()
	go func() { _, _ = typist.Write([]byte("AKIAEXAMPLE\n")) }()
	if got, err := open.Line(ctx, "id: "); err != nil || got != "AKIAEXAMPLE" {
		t.Fatalf("Line = %q, %v", got, err)
	}
	go func() { _, _ = typist.Write([]byte("s3cret\n")) }()
	if got, err := open.Hidden(ctx, "secret: "); err != nil || got.Reveal() != "s3cret" {
		t.Fatalf("Hidden = %v, %v", got, err)
	}
	if opened != 2 {
		t.Errorf("opened the terminal %d times, want once per prompt", opened)
	}

	none := TTY(func() (*os.File, error) { return nil, errors.New("open /dev/tty: no such device or address") })
	for _, tt := range []struct {
		name string
		err  error
	}{
		{"Line", func() error { _, err := none.Line(ctx, "id: "); return err }()},
		{"Hidden", func() error { _, err := none.Hidden(ctx, "secret: "); return err }()},
		{"Writer", func() error {
			w, err := none.Writer()
			if w != nil {
				t.Errorf("Writer without a terminal = %v, want nil", w)
			}
			return err
		}()},
		{"nil TTY", func() error { _, err := TTY(nil).Line(ctx, "id: "); return err }()},
	} {
		if !errors.Is(tt.err, ErrNoTerminal) {
			t.Errorf("%s without a terminal: %v, want ErrNoTerminal", tt.name, tt.err)
		}
	}
}
