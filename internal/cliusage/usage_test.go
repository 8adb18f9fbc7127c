package cliusage

import (
	"errors"
	"io"
	"testing"

	"github.com/spf13/cobra"
)

func tree() *cobra.Command {
	root := &cobra.Command{Use: "tool", SilenceErrors: true, SilenceUsage: true}
	keys := &cobra.Command{Use: "keys", Short: "keys"}
	keys.AddCommand(&cobra.Command{Use: "list", Short: "list keys", RunE: func(*cobra.Command, []string) error { return nil }})
	keys.AddCommand(&cobra.Command{Use: "remove NAME", Short: "remove a key", Args: cobra.ExactArgs(1), RunE: func(*cobra.Command, []string) error { return nil }})
	root.AddCommand(keys, &cobra.Command{Use: "config", Short: "a help topic"})
	root.SetHelpCommand(HelpCmd(root))
	Strict(root)
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	return root
}

// Mistyped commands, help topics and flags are usage errors naming the
// nearest command; a correct line is not.
func TestUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args     []string
		msg, fix string
	}{
		{[]string{"keys", "lst"}, `unknown command "lst" for "tool keys"`, "did you mean 'tool keys list'?"},
		{[]string{"help", "confg"}, `unknown help topic "confg" for "tool"`, "did you mean 'tool help config'?"},
		{[]string{"help", "keys", "lits"}, `unknown help topic "lits" for "tool keys"`, "did you mean 'tool help keys list'?"},
		{[]string{"keys", "list", "--bogus"}, "unknown flag: --bogus", "run 'tool keys list --help' for its flags"},
		{[]string{"keys", "remove"}, "accepts 1 arg(s), received 0 (usage: tool keys remove NAME [flags])", "run 'tool keys remove --help' for examples"},
		{[]string{"keys", "remove", "a", "b"}, "accepts 1 arg(s), received 2 (usage: tool keys remove NAME [flags])", "run 'tool keys remove --help' for examples"},
		{[]string{"keys", "remove", "a"}, "", ""},
		{[]string{"keys", "list"}, "", ""},
		{[]string{"help", "keys"}, "", ""},
	} {
		root := tree()
		root.SetArgs(tt.args)
		err := root.Execute()
		var ue *Error
		switch {
		case tt.msg == "" && err != nil:
			t.Errorf("%v: %v, want no error", tt.args, err)
		case tt.msg != "" && (!errors.As(err, &ue) || ue.Error() != tt.msg || ue.Hint() != tt.fix):
			t.Errorf("%v: got %#v, want usage error %q with hint %q", tt.args, err, tt.msg, tt.fix)
		}
	}
}
