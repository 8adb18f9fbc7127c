package stackrun

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/yamlnode"
)

// The files of a stack instance, merged in this order.
const (
	DefaultsFile = "stack-instance-defaults.yaml" // committed with the stack
	LocalFile    = "stack-instance-local.yaml"    // per user, git-ignored
	ExampleFile  = "stack-instance-local-example.yaml"
)

// EnvironmentFile is the file --environment env adds, relative to the
// stack folder.
func EnvironmentFile(env string) string {
	return filepath.Join("environments", "stack-instance-"+env+".yaml")
}

// Config is a stack instance: the stack-instance files of one folder,
// merged, checked and typed.
type Config struct {
	Dir         string   // the stack folder as given
	Name        string   // the stack's name: the folder's base name
	Environment string   // "" without --environment
	Files       []string // the files read, in merge order
	Group       string   // instance.group
	// Parameters are tofu variables: JSON-ready values (map[string]any,
	// []any, string, bool, numbers, nil).
	Parameters map[string]any
	Backend    *Backend // nil: no terraform_backend, tofu keeps its own state
	Resources  Resources
	// BackendBlock is what the folder's *.tf files declare; Load fills it.
	BackendBlock BackendBlock

	root *value // the merged tree, for origins and --show-config
}

// Backend is terraform_backend: the s3 backend's settings. RoleARN and
// Profile name credentials; tofu gets only the spin profile they map to.
type Backend struct {
	Bucket  string
	Key     string // default <stack>/<group>.tfstate
	Region  string
	RoleARN string
	Profile string
	// Endpoints holds the endpoints block (s3, sts, iam) for
	// S3-compatible stores and the emulator.
	Endpoints map[string]string
	// Flags are the boolean settings that are true (encrypt,
	// use_path_style, skip_*), by name.
	Flags map[string]bool
}

// Resources says which credentials the stack's providers use: aws_profile
// (a bootstrap profile, before the roles exist), or a role by
// assume_role_profile and/or assume_role_arn, which win over aws_profile.
type Resources struct {
	AWSProfile        string
	AssumeRoleProfile string
	AssumeRoleARN     string
	Region            string
}

// File is one stack-instance file's name and content.
type File struct {
	Path string // as it appears in messages: the folder joined with the name
	Data []byte
}

var envNameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`) })

// Load reads the stack-instance files of dir (and the environment's file
// when env is set) and merges them.
func Load(dir, env string) (*Config, error) {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, &hint.Error{Err: fmt.Errorf("stack folder %s does not exist", dir),
			Next: "run spin in a stack folder, or name one: spin plan examples/00-iam-roles"}
	case err != nil:
		return nil, err
	case !fi.IsDir():
		return nil, &hint.Error{Err: fmt.Errorf("%s is not a folder", dir), Next: "name the stack folder that holds the *.tf files"}
	}
	if env != "" && !envNameRE().MatchString(env) {
		return nil, fmt.Errorf("environment %q is not a name (letters, digits, _ . and -)", env)
	}
	var files []File
	for _, name := range []string{DefaultsFile, LocalFile} {
		p := filepath.Join(dir, name)
		data, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		files = append(files, File{p, data})
	}
	if len(files) == 0 {
		return nil, noFiles(dir)
	}
	if env != "" {
		p := filepath.Join(dir, EnvironmentFile(env))
		data, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &hint.Error{Err: fmt.Errorf("no %s for environment %s", p, env), Next: environmentsHint(dir)}
		}
		if err != nil {
			return nil, err
		}
		files = append(files, File{p, data})
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	c, err := Parse(filepath.Base(abs), dir, env, files)
	if err != nil {
		return nil, err
	}
	c.BackendBlock, err = scanBackend(dir)
	return c, err
}

func noFiles(dir string) error {
	err := fmt.Errorf("no %s or %s in %s", DefaultsFile, LocalFile, dir)
	if _, serr := os.Stat(filepath.Join(dir, ExampleFile)); serr == nil {
		return &hint.Error{Err: err, Next: fmt.Sprintf("copy the example and edit it: cp %s %s",
			filepath.Join(dir, ExampleFile), filepath.Join(dir, LocalFile))}
	}
	return &hint.Error{Err: err, Next: fmt.Sprintf("is %s a stack folder? create %s with instance: {group: NAME}",
		dir, filepath.Join(dir, LocalFile))}
}

func environmentsHint(dir string) string {
	names, _ := filepath.Glob(filepath.Join(dir, EnvironmentFile("*")))
	var envs []string
	for _, n := range names {
		envs = append(envs, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(n), "stack-instance-"), ".yaml"))
	}
	if len(envs) == 0 {
		return "create it, or drop --environment (the stack has no environments/ files)"
	}
	return "create it, or use one of: " + strings.Join(envs, ", ")
}

// Parse merges files (in order) into the instance config of the stack
// called name. Every problem in a file is a *yamlnode.Error; several are
// joined.
func Parse(name, dir, env string, files []File) (*Config, error) {
	var root *value
	var errs []error
	for _, f := range files {
		p := &parser{yamlnode.Reader{File: f.Path, Kind: stackKind}}
		v := p.parseFile(f.Data)
		errs = append(errs, p.Errs()...)
		if v != nil {
			root = merge(root, v)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if root == nil {
		root = newMap(Pos{})
	}
	c := &Config{Dir: dir, Name: name, Environment: env, root: root}
	for _, f := range files {
		c.Files = append(c.Files, f.Path)
	}
	return c, c.decode()
}

// decode fills the typed fields from the merged tree and checks what only
// the merged result can show.
func (c *Config) decode() error {
	r := c.root
	c.Group = r.get("instance", "group").str()
	if c.Group == "" {
		return &hint.Error{Err: fmt.Errorf("instance.group is not set in %s", strings.Join(c.Files, ", ")),
			Next: fmt.Sprintf("set it in %s: instance: {group: YOURNAME_sandbox}", filepath.Join(c.Dir, LocalFile))}
	}
	if ps := r.get("parameters"); ps != nil {
		c.Parameters = ps.plain().(map[string]any)
	}
	c.Resources = Resources{
		AWSProfile:        r.get("resources", "aws_profile").str(),
		AssumeRoleProfile: r.get("resources", "assume_role_profile").str(),
		AssumeRoleARN:     r.get("resources", "assume_role_arn").str(),
		Region:            r.get("resources", "region").str(),
	}
	tb := r.get("terraform_backend")
	if tb == nil || len(tb.keys) == 0 {
		return nil
	}
	b := &Backend{
		Bucket:  tb.get("bucket").str(),
		Key:     tb.get("key").str(),
		Region:  tb.get("region").str(),
		RoleARN: tb.get("role_arn").str(),
		Profile: tb.get("profile").str(),
	}
	if b.Bucket == "" {
		return &hint.Error{Err: fmt.Errorf("terraform_backend.bucket is not set in %s", strings.Join(c.Files, ", ")),
			Next: "name the S3 state bucket, or remove terraform_backend to keep the state in the stack folder"}
	}
	if b.Key == "" {
		b.Key = c.DefaultKey()
	}
	for _, n := range endpointNames {
		if u := tb.get("endpoints", n).str(); u != "" {
			if b.Endpoints == nil {
				b.Endpoints = map[string]string{}
			}
			b.Endpoints[n] = u
		}
	}
	for _, n := range backendFlags {
		if tb.get(n).boolean() {
			if b.Flags == nil {
				b.Flags = map[string]bool{}
			}
			b.Flags[n] = true
		}
	}
	c.Backend = b
	return nil
}

// DefaultKey is the state key when terraform_backend.key is not set.
func (c *Config) DefaultKey() string { return c.Name + "/" + c.Group + ".tfstate" }

// Origin returns where a dotted setting (such as "terraform_backend.bucket")
// was set: "file:line:col", or "default".
func (c *Config) Origin(key string) Pos {
	if v := c.root.get(strings.Split(key, ".")...); v != nil {
		return v.pos
	}
	return Pos{}
}
