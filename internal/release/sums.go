package release

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"text/template"
)

// SHA256 returns the hex SHA-256 of a file.
func SHA256(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// WriteSums writes dir/SHA256SUMS for the named files of dir, in name order
// and in the format `sha256sum -c` reads.
func WriteSums(dir string, names []string) error {
	names = slices.Sorted(slices.Values(names))
	var b bytes.Buffer
	for _, n := range names {
		sum, err := SHA256(filepath.Join(dir, n))
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s  %s\n", sum, n)
	}
	return os.WriteFile(filepath.Join(dir, "SHA256SUMS"), b.Bytes(), 0o644)
}

// FormulaArchive is one archive the Homebrew formula can install.
type FormulaArchive struct {
	OS, Arch string // darwin/linux, amd64/arm64
	URL      string
	SHA256   string
}

// Formula is what the Homebrew formula template is rendered with.
type Formula struct {
	Version  string // without the leading v
	Archives []FormulaArchive
}

// Archive returns the archive for os/arch, or nil.
func (f Formula) Archive(os, arch string) *FormulaArchive {
	for i := range f.Archives {
		if f.Archives[i].OS == os && f.Archives[i].Arch == arch {
			return &f.Archives[i]
		}
	}
	return nil
}

// RenderFormula renders the template at path.
func RenderFormula(path string, f Formula) ([]byte, error) {
	t, err := template.New(filepath.Base(path)).Option("missingkey=error").ParseFiles(path)
	if err != nil {
		return nil, fmt.Errorf("formula template: %w", err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, f); err != nil {
		return nil, fmt.Errorf("formula template: %w", err)
	}
	return b.Bytes(), nil
}
