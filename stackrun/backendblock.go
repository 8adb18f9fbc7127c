package stackrun

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"

	"github.com/cloudspin/spin/internal/hint"
)

// BackendBlock is the backend a stack's *.tf files declare, as far as a
// line scan can tell (spin does not parse HCL): the first
// `backend "TYPE"` line outside a # comment.
type BackendBlock struct {
	TFFiles int    // how many *.tf files the folder has; 0 skips the check
	Type    string // "" when none declares a backend
	At      string // file:line of the declaration
}

var backendRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\s*backend\s+"([^"]+)"`) })

// scanBackend looks for the backend block in dir's *.tf files.
func scanBackend(dir string) (BackendBlock, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil {
		return BackendBlock{}, err
	}
	b := BackendBlock{TFFiles: len(files)}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return BackendBlock{}, err
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, len(data)+1)
		for n := 1; sc.Scan(); n++ {
			if m := backendRE().FindStringSubmatch(sc.Text()); m != nil {
				return BackendBlock{TFFiles: len(files), Type: m[1], At: fmt.Sprintf("%s:%d", f, n)}, nil
			}
		}
	}
	return b, nil
}

// checkBackendBlock catches a terraform_backend that tofu would ignore:
// with -backend-config but no backend "s3" block, tofu only warns and keeps
// the state in the stack folder. And the other way round, an s3 block
// without settings fails in init with a less helpful message.
func checkBackendBlock(c *Config) error {
	b := c.BackendBlock
	switch {
	case b.TFFiles == 0:
		return nil
	case c.Backend != nil && b.Type == "":
		return &hint.Error{Err: fmt.Errorf("terraform_backend is set, but no *.tf file in %s declares a backend, so tofu would keep the state in the folder", c.Dir),
			Next: `add terraform { backend "s3" {} } to the stack, or remove terraform_backend`}
	case c.Backend != nil && b.Type != "s3":
		return &hint.Error{Err: fmt.Errorf("terraform_backend is for the s3 backend, but %s declares backend %q", b.At, b.Type),
			Next: `use backend "s3" {}, or remove terraform_backend and configure that backend in the *.tf files`}
	case c.Backend == nil && b.Type == "s3":
		return &hint.Error{Err: fmt.Errorf("%s declares backend \"s3\", but no stack-instance file sets terraform_backend", b.At),
			Next: fmt.Sprintf("set terraform_backend: {bucket: ..., region: ...} in %s", filepath.Join(c.Dir, LocalFile))}
	}
	return nil
}
