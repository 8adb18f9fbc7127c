//go:build !releasedocs

package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/internal/hint"
)

// newDocsCmd stands in for docs.go's in a normal build, which leaves out
// cobra/doc (init cost on every command): scripts/release builds the spin
// that writes man pages with -tags releasedocs.
func newDocsCmd(*env) *cobra.Command {
	return &cobra.Command{
		Use:    "__release-docs DIR",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(*cobra.Command, []string) error {
			return hint.Wrap(errors.New("this spin is built without man pages and completions"), "go build -tags releasedocs ./cmd/spin")
		},
	}
}
