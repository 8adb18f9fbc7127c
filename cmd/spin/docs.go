//go:build releasedocs

package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/release"
	"github.com/cloudspin/spin/internal/version"
)

// newDocsCmd writes the man pages and shell completions that release
// archives and packages ship (release.WriteDocs), dated SOURCE_DATE_EPOCH.
func newDocsCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:    "__release-docs DIR",
		Short:  "Write man pages (DIR/man) and shell completions (DIR/completions)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			epoch, err := strconv.ParseInt(e.getenv("SOURCE_DATE_EPOCH"), 10, 64)
			if err != nil {
				return hint.Wrap(fmt.Errorf("SOURCE_DATE_EPOCH is not a Unix time: %w", err), "export SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)")
			}
			return release.WriteDocs(cmd.Root(), args[0], "spin "+version.Get().Version, time.Unix(epoch, 0).UTC())
		},
	}
}
