//go:build releasedocs

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/version"
)

// newDocsCmd writes the man pages and shell completions that release
// archives and packages ship. Hidden: only the release build runs it, with
// SOURCE_DATE_EPOCH so that the pages' dates come from the commit, from a
// spin built with -tags releasedocs (scripts/release): cobra/doc and the
// markdown library it links cost every other spin a millisecond of init.
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
			date := time.Unix(epoch, 0).UTC()
			root := cmd.Root()
			root.DisableAutoGenTag = true // no "generated on <date>" footer
			root.InitDefaultCompletionCmd()
			man := filepath.Join(args[0], "man")
			comp := filepath.Join(args[0], "completions")
			for _, d := range []string{man, comp} {
				if err := os.MkdirAll(d, 0o755); err != nil {
					return err
				}
			}
			header := &doc.GenManHeader{Section: "1", Date: &date, Source: "spin " + version.Get().Version, Manual: "spin manual"}
			if err := doc.GenManTree(root, header, man); err != nil {
				return fmt.Errorf("man pages: %w", err)
			}
			for name, gen := range map[string]func(string) error{
				"spin.bash": func(p string) error { return root.GenBashCompletionFileV2(p, true) },
				"_spin":     root.GenZshCompletionFile,
				"spin.fish": func(p string) error { return root.GenFishCompletionFile(p, true) },
				"spin.ps1":  root.GenPowerShellCompletionFileWithDesc,
			} {
				if err := gen(filepath.Join(comp, name)); err != nil {
					return fmt.Errorf("completion %s: %w", name, err)
				}
			}
			return nil
		},
	}
}
