package release

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// WriteDocs writes root's man pages (dir/man) and shell completions
// (dir/completions), dated date (the commit's, so that two builds of one
// commit ship the same pages). Only the spin that scripts/release builds
// with -tags releasedocs links this file's cobra/doc, whose markdown
// library costs every other spin a millisecond of init.
func WriteDocs(root *cobra.Command, dir, source string, date time.Time) error {
	root.DisableAutoGenTag = true // no "generated on <date>" footer
	root.InitDefaultCompletionCmd()
	man := filepath.Join(dir, "man")
	comp := filepath.Join(dir, "completions")
	for _, d := range []string{man, comp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	header := &doc.GenManHeader{Section: "1", Date: &date, Source: source, Manual: "spin manual"}
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
}
