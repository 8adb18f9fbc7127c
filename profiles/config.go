package profiles

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cloudspin/spin/internal/awsnet"
	"github.com/cloudspin/spin/internal/yamlnode"
)

// Defaults used when config.yaml does not set a value. The region stays
// empty: the AWS SDK then applies its own rules (AWS_REGION and so on).
const (
	DefaultKeyringBackend  = "auto"
	DefaultDuration        = time.Hour
	DefaultMinValidity     = 15 * time.Minute // botocore refreshes at 15m left
	DefaultMFADuration     = 12 * time.Hour
	DefaultSessionTemplate = "spin-{{user}}"
)

// ErrUnknownProfile is returned (wrapped) by Resolve for a name config.yaml
// does not define, so callers can answer "not found" rather than "broken".
var ErrUnknownProfile = errors.New("unknown profile")

// Config is spin's config.yaml with defaults applied to the top-level
// sections. Profiles hold what the file says; Resolve merges in the defaults.
type Config struct {
	Path string
	// Exists is false only when Load found no file: spind must start
	// before the user writes one, but `spin` can still say so.
	Exists bool
	// User replaces {{user}} in role_session_name. Load sets it to the OS
	// user name; Parse leaves it empty so tests stay deterministic.
	User     string
	Keyring  KeyringConfig
	Defaults Defaults
	// Sources are the entries of sources: (sso, login, web_identity); a
	// profile's source that is not one of them names a key set.
	Sources map[string]SourceDef
	// SourceOrder lists the source names in file order.
	SourceOrder []string
	Profiles    map[string]Profile
	// Net holds endpoints: and network:, where spind's AWS calls go; it
	// wins over an explicit start's environment, setting by setting.
	Net awsnet.Config
	// Keys holds keys: (key hygiene, config_keys.go).
	Keys KeysConfig
	// Order lists the profile names in file order.
	Order []string
	// Warnings are PATH:LINE:COL messages about settings that load but
	// will likely fail against real AWS.
	Warnings []string

	origins map[string]string // dotted key -> "path:line:col"
}

// KeyringConfig selects spind's keyring backend.
type KeyringConfig struct {
	Backend string // auto | keychain | wincred | secret-service | kwallet | pass | keyctl | file
	// FileDir is where the file backend keeps its items, with ~ expanded.
	// It is empty when the home directory is unknown and the file did not
	// set an absolute path.
	FileDir string
	// LockAfter locks spind after this long without a request that needs
	// a key set (credentials, keys, mfa): it forgets the key sets and the
	// file keyring's passphrase until `spin unlock`. Zero means never.
	LockAfter time.Duration
}

// Defaults apply to every profile that does not set its own value.
type Defaults struct {
	Region      string
	Duration    time.Duration // AssumeRole DurationSeconds
	MinValidity time.Duration // never hand out credentials with less left
	MFADuration time.Duration // GetSessionToken session length
}

// Profile is one entry under profiles: as written; zero values mean
// "use the default".
type Profile struct {
	Name            string
	Source          string // key set name in the keyring, or an entry of sources:
	Kind            SourceKind
	RoleARN         string // empty: a bootstrap profile (key sets), the base identity itself (other sources)
	RoleSessionName string // template; may contain {{user}}
	ExternalID      string
	MFASerial       string
	Region          string
	Duration        time.Duration
	// MinValidity is not in the design's example, but a profile with short
	// sessions (tests against the emulator) must be able to lower it
	// without lowering it for every other profile.
	MinValidity time.Duration
	// The account and permission set role of a profile of an sso source.
	SSOAccountID, SSORoleName string
	// SourceIdentity is a template ({{user}}); SourceIdentitySet tells an
	// explicit "" (send none) from unset (DefaultSourceIdentity).
	SourceIdentity    string
	SourceIdentitySet bool
	SessionTags       []Tag // file order
	TransitiveTagKeys []string
	// AllowedCallers are executable path globs (~ expanded); empty allows
	// every program of the user.
	AllowedCallers []string
}

// Resolved is a profile's effective settings, defaults applied and the
// session name rendered.
type Resolved struct {
	Name            string
	Source          string
	SourceKind      SourceKind
	RoleARN         string
	RoleSessionName string
	ExternalID      string
	MFASerial       string
	Region          string
	Duration        time.Duration
	MinValidity     time.Duration
	MFADuration     time.Duration
	SSOAccountID    string
	SSORoleName     string
	// RoleSessionNameSet is false when the profile left role_session_name
	// to the default; a web_identity source then names sessions after the
	// CI run instead.
	RoleSessionNameSet bool
	// SourceIdentity (rendered; empty: none), SessionTags and
	// TransitiveTagKeys go with every AssumeRole of the profile.
	SourceIdentity    string
	SessionTags       []Tag
	TransitiveTagKeys []string
	AllowedCallers    []string
}

// Bootstrap reports whether the profile hands out the key set itself (or a
// GetSessionToken session with MFA) instead of assuming a role.
func (r Resolved) Bootstrap() bool {
	return r.Source != "" && r.RoleARN == "" && (r.SourceKind == KindKeySet || r.SourceKind == "")
}

// RefreshMargin is how long before min_validity is reached spind refreshes a
// session ahead of time: min(5m, 10% of d).
func RefreshMargin(d time.Duration) time.Duration {
	return min(5*time.Minute, d/10)
}

// ExpirySkew is how much earlier than STS's expiry spind says credentials
// expire: aws-sdk-go-v2 refreshes exactly at the stated expiry, so without
// it a request signed just before could arrive just after.
func ExpirySkew(d time.Duration) time.Duration {
	return min(5*time.Second, d/10)
}

// DefaultConfigPath returns SPIN_CONFIG if set, else
// $XDG_CONFIG_HOME/spin/config.yaml, else $HOME/.config/spin/config.yaml.
func DefaultConfigPath(getenv func(string) string) (string, error) {
	if p := getenv("SPIN_CONFIG"); p != "" {
		// spind runs in /, so a relative path must be pinned now.
		return filepath.Abs(p)
	}
	// The XDG spec says to ignore a relative XDG_CONFIG_HOME.
	if x := getenv("XDG_CONFIG_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "spin", "config.yaml"), nil
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".config", "spin", "config.yaml"), nil
	}
	return "", errors.New("cannot locate spin's config: set SPIN_CONFIG or HOME")
}

// Load reads and parses the config at path. A missing file is not an error:
// it gives the defaults with Exists false.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		c := newConfig(path)
		c.User = currentUser()
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	c, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	c.User = currentUser()
	return c, nil
}

func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}

func newConfig(path string) *Config {
	c := &Config{
		Path:     path,
		Keyring:  KeyringConfig{Backend: DefaultKeyringBackend},
		Defaults: Defaults{Duration: DefaultDuration, MinValidity: DefaultMinValidity, MFADuration: DefaultMFADuration},
		Keys:     KeysConfig{MaxAge: DefaultKeyMaxAge},
		Sources:  map[string]SourceDef{},
		Profiles: map[string]Profile{},
		Net:      awsnet.Config{Endpoints: awsnet.Endpoints{}},
		origins:  map[string]string{},
	}
	c.Keyring.FileDir = defaultKeyringDir()
	return c
}

// Parse parses config.yaml's bytes; path is used in messages only. Errors
// and warnings are PATH:LINE:COL: message, one per line.
func Parse(path string, data []byte) (*Config, error) {
	c := newConfig(path)
	c.Exists = true
	p := &parser{Reader: yamlnode.Reader{File: path, Kind: configKind}, cfg: c}
	p.parse(data)
	if errs := p.Errs(); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// Resolve returns the effective settings of profile name.
func (c *Config) Resolve(name string) (Resolved, error) {
	p, ok := c.Profiles[name]
	if !ok {
		if len(c.Order) == 0 {
			return Resolved{}, fmt.Errorf("%w %q: %s defines no profiles", ErrUnknownProfile, name, c.Path)
		}
		// The near miss inside the parenthesis, as yamlnode's unknown
		// keys: spind appends its hint after a colon.
		msg := fmt.Sprintf("%s (known: %s", c.Path, strings.Join(c.Order, ", "))
		if s := yamlnode.Suggest(name, c.Order); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		return Resolved{}, fmt.Errorf("%w %q in %s)", ErrUnknownProfile, name, msg)
	}
	kind := cmp.Or(p.Kind, KindKeySet)
	if d, ok := c.Sources[p.Source]; ok {
		kind = d.Kind // hand-built Configs may not have set p.Kind
	}
	r := Resolved{
		Name:               p.Name,
		Source:             p.Source,
		SourceKind:         kind,
		SSOAccountID:       p.SSOAccountID,
		SSORoleName:        p.SSORoleName,
		RoleSessionNameSet: p.RoleSessionName != "",
		RoleARN:            p.RoleARN,
		ExternalID:         p.ExternalID,
		MFASerial:          p.MFASerial,
		Region:             cmp.Or(p.Region, c.Defaults.Region),
		Duration:           cmp.Or(p.Duration, c.Defaults.Duration),
		MinValidity:        cmp.Or(p.MinValidity, c.Defaults.MinValidity),
		MFADuration:        c.Defaults.MFADuration,
	}
	// Parse has checked the template; this error is for hand-built Configs.
	// An odd user name is sanitised, never an error.
	session, err := renderSessionName(cmp.Or(p.RoleSessionName, DefaultSessionTemplate), c.User)
	if err != nil {
		return Resolved{}, fmt.Errorf("profile %q: role_session_name %q %w", name, p.RoleSessionName, err)
	}
	r.RoleSessionName = session
	if p.RoleARN != "" { // only AssumeRole takes them
		r.SourceIdentity, r.SessionTags = resolveAttribution(p, c.User)
		r.TransitiveTagKeys = p.TransitiveTagKeys
	}
	r.AllowedCallers = p.AllowedCallers
	return r, nil
}

// inherited are the profile keys that fall back to defaults.<key>.
var inherited = []string{"region", "duration", "min_validity", "mfa_duration"}

// Origin says where a setting comes from, for `--show-config`: "path:line:col"
// of the key that set it, or "default". key is dotted, such as
// "keyring.backend" or "profiles.NAME.duration"; a profile key that the
// profile does not set reports where its defaults.<key> came from.
func (c *Config) Origin(key string) string {
	if o, ok := c.origins[key]; ok {
		return o
	}
	if rest, ok := strings.CutPrefix(key, "profiles."); ok {
		for _, k := range inherited {
			name, ok := strings.CutSuffix(rest, "."+k)
			if ok && slices.Contains(c.Order, name) {
				return c.Origin("defaults." + k)
			}
		}
	}
	return "default"
}

// defaultKeyringDir is the file backend's directory when config.yaml names
// none: $XDG_DATA_HOME/spin/keyring, else ~/.local/share/spin/keyring, as
// keystore's own default (spind always passes this one on).
func defaultKeyringDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "spin", "keyring")
	}
	dir, _ := expandHome("~/.local/share/spin/keyring")
	return dir
}
