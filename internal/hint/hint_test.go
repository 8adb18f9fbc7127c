package hint

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

type spindError struct{ msg, hint string }

func (e *spindError) Error() string { return e.msg }
func (e *spindError) Hint() string  { return e.hint }

func TestOf(t *testing.T) {
	inner := &spindError{"no key set k", "run 'spin keys add k'"}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"plain", errors.New("x"), ""},
		{"wrapped", fmt.Errorf("store: %w", Wrap(errors.New("x"), "do y")), "do y"},
		{"outer wins", Wrap(fmt.Errorf("a: %w", inner), "outer"), "outer"},
		{"empty outer falls through", Wrap(fmt.Errorf("a: %w", inner), ""), "run 'spin keys add k'"},
		{"joined", errors.Join(errors.New("first"), inner), "run 'spin keys add k'"},
	}
	for _, tt := range tests {
		if got := Of(tt.err); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestWrapKeepsTheChain(t *testing.T) {
	err := Wrap(fmt.Errorf("profile p: %w", context.Canceled), "try again")
	if !errors.Is(err, context.Canceled) || err.Error() != "profile p: context canceled" {
		t.Errorf("got %v; want context.Canceled in the chain and the message unchanged", err)
	}
	if Wrap(nil, "x") != nil {
		t.Error("Wrap(nil) is not nil")
	}
}
