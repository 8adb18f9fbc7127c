package hint_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/broker/launch"
	"github.com/cloudspin/spin/internal/hint"
)

// Every carrier of a next step prints the same way, through one printer.
func TestPrint(t *testing.T) {
	spind := &client.Error{Status: 404, Body: api.Error{Code: api.CodeKeySetMissing, Message: "no key set k", Hint: "run 'spin keys add k'"}}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"plain", errors.New("boom\nagain"), "spin: boom again\n"},
		{"spind's answer", fmt.Errorf("store key set k: %w (nothing was removed)", spind),
			"spin: store key set k: no key set k (nothing was removed)\nspin: hint: run 'spin keys add k'\n"},
		{"no daemon", fmt.Errorf("%w (socket /s)", launch.ErrNoDaemon), "spin: spind is not running (socket /s)\nspin: hint: run 'spin daemon start'\n"},
		{"several problems", errors.Join(errors.New("a.yaml:1:1: one"), hint.Wrap(errors.New("a.yaml:2:1: two"), "fix it")),
			"spin: a.yaml:1:1: one\nspin: a.yaml:2:1: two\nspin: hint: fix it\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		hint.Print(&b, tt.err)
		if b.String() != tt.want {
			t.Errorf("%s: got\n%s\nwant\n%s", tt.name, b.String(), tt.want)
		}
	}
}
