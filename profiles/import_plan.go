package profiles

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/internal/yamlnode"
)

// ImportPlan is what `spin profiles import` will do, worked out from the
// files before anything is written.
type ImportPlan struct {
	// Keys are the source profiles' key pairs, one per source, in the
	// order profiles first use them. Each becomes the key set named after
	// its source profile.
	Keys     []KeyImport
	Profiles []ProfileImport
	Skipped  []ImportSkip
	// Sources are the sso sources config.yaml gains for the SSO profiles
	// among Profiles, and Tokens the AWS CLI's cached tokens they move
	// into the keyring.
	Sources []SourceImport
	Tokens  []TokenImport
}

// KeyImport is one key pair to move into the keyring.
type KeyImport struct {
	Credentials        // Profile is the key set name
	MFASerial   string // the source profile's mfa_serial
	// Stored is set when the keyring already holds a key set of that name
	// with the same access key id: it is checked again, not replaced.
	Stored bool
	// Replaces is set when the keyring holds another key under that name
	// (force).
	Replaces bool
	// Users are the profiles left behind in the AWS config file that still
	// name this source_profile: they would break without its keys, so the
	// keys stay in the credentials file unless Keep is false (force).
	Users []ImportSkip
	Keep  bool
}

// ProfileImport is one ~/.aws/config profile to adopt.
type ProfileImport struct {
	Profile Profile // as it goes into config.yaml
	Line    int     // its header in ~/.aws/config
	// Replaces is set when config.yaml already defines the name (force).
	Replaces bool
	// Comments counts the comment lines inside the section, which the
	// rewrite drops (they stay in config.spin.bak).
	Comments int
	// LoginSession is the login_session of a profile that used `aws
	// login`: it identifies the profile when the import rewrites it.
	LoginSession string
	// FromKeyring is set when the source's keys are not in the
	// credentials file but its key set already is in the keyring (a
	// `spin keys import --remove` before).
	FromKeyring bool
}

// ImportSkip is a role profile that is left as it is, and why.
type ImportSkip struct {
	Profile string
	Line    int
	Reason  string
}

func (s ImportSkip) String() string {
	return fmt.Sprintf("profile %s (line %d): %s", s.Profile, s.Line, s.Reason)
}

// importKeys are the role profile settings spin carries into config.yaml.
// session_tags and transitive_session_tags are aws-vault's settings
// (session_tags = team=infra,env=dev; transitive_session_tags = team);
// transitive_tag_keys, spin's own name, is read the same.
var importKeys = []string{"role_arn", "source_profile", "external_id", "mfa_serial", "role_session_name", "duration_seconds", "region", "source_identity",
	"session_tags", "transitive_session_tags", "transitive_tag_keys"}

// KeySetConflictError reports source profiles whose key set name the
// keyring already holds with another key.
type KeySetConflictError struct {
	Conflicts []string // "NAME (the keyring has AKIA…, the credentials file AKIA…)"
}

func (e *KeySetConflictError) Error() string {
	return "the keyring already holds key set " + strings.Join(e.Conflicts, ", key set ")
}

// PlanImport finds the role_arn + source_profile profiles of conf (the AWS
// config file) whose source profile has long-term keys in creds (the
// credentials file) or already is a key set in the keyring (keyring maps
// the stored key set names to their masked access key ids), and maps them
// onto config.yaml profiles and key sets. A profile spin cannot adopt
// whole (settings it does not carry, keys that are missing, temporary or
// elsewhere, a chained role) is skipped with a reason. A source's keys stay
// in the credentials file while a profile left behind names it, unless
// force is set. Profiles cfg already defines, and key sets the keyring
// holds with another key, are errors unless force is set. PlanImport is
// pure: it reads its arguments and changes nothing, so a dry run and the
// real run do the same.
func PlanImport(conf, creds *AWSConfig, cfg *Config, keyring map[string]string, force bool) (*ImportPlan, error) {
	plan := &ImportPlan{}
	exists := &ProfileExistsError{Path: cfg.Path}
	conflict := &KeySetConflictError{}
	keys := map[string]bool{}
	for _, s := range conf.Sections() {
		name, ok := s.Profile()
		if !ok || s.Managed {
			continue
		}
		settings, other := conf.Settings(s)
		role, _ := lookupSetting(settings, "role_arn")
		src, _ := lookupSetting(settings, "source_profile")
		if role.Value == "" || src.Value == "" {
			continue
		}
		skip := func(format string, args ...any) {
			plan.Skipped = append(plan.Skipped, ImportSkip{Profile: name, Line: s.Line, Reason: fmt.Sprintf(format, args...)})
		}
		if _, _, err := conf.onlySection(name); err != nil {
			if !slices.ContainsFunc(plan.Skipped, func(k ImportSkip) bool { return k.Profile == name }) {
				skip("%v", err)
			}
			continue
		}
		if extra := extraSettings(settings, other); extra != "" {
			skip("has %s, which spin does not carry over: move or remove it, then import again", extra)
			continue
		}
		if src.Value != name && sourceAssumesRole(conf, src.Value) {
			skip("source_profile %s assumes a role itself: spin does not chain roles", src.Value)
			continue
		}
		stored, inKeyring := keyring[src.Value]
		c, err := ReadCredentials(creds, src.Value)
		fromKeyring := false
		switch {
		case errors.Is(err, ErrNoCredentials) && inKeyring:
			fromKeyring = true
		case errors.Is(err, ErrNoCredentials):
			skip("source_profile %s has no keys in the credentials file and the keyring has no key set %s: run 'spin keys add %s', then import again (or, for SSO, add a source under sources:)", src.Value, src.Value, src.Value)
			continue
		case err != nil:
			skip("%v", err)
			continue
		default:
			if err := (&AWSConfig{lines: creds.Lines()}).RemoveCredentials(src.Value, c.AccessKeyID); err != nil {
				skip("%v", err)
				continue
			}
		}
		p, err := importedProfile(name, src.Value, settings)
		if err == nil {
			err = checkImported(cfg, p)
		}
		if err != nil {
			skip("%v", err)
			continue
		}
		_, replaces := cfg.Profiles[name]
		if replaces && !force {
			exists.Names = append(exists.Names, name)
		}
		plan.Profiles = append(plan.Profiles, ProfileImport{Profile: p, Line: s.Line, Replaces: replaces, Comments: conf.comments(s), FromKeyring: fromKeyring})
		if fromKeyring || keys[src.Value] {
			continue
		}
		keys[src.Value] = true
		k := KeyImport{Credentials: c, MFASerial: MFASerialOf(conf, creds, src.Value)}
		if inKeyring {
			if masked := secret.MaskKeyID(c.AccessKeyID); stored == masked {
				k.Stored = true
			} else {
				k.Replaces = true
				if !force {
					conflict.Conflicts = append(conflict.Conflicts, fmt.Sprintf("%s with another key (the keyring has %s, [%s] of the credentials file %s)", src.Value, stored, src.Value, masked))
				}
			}
		}
		plan.Keys = append(plan.Keys, k)
	}
	planSSO(conf, cfg, plan, exists, force)
	planLogin(conf, cfg, plan, exists, force)
	if len(exists.Names) > 0 {
		return nil, exists
	}
	if len(conflict.Conflicts) > 0 {
		return nil, conflict
	}
	imported := map[string]bool{}
	for _, p := range plan.Profiles {
		imported[p.Profile.Name] = true
	}
	for i := range plan.Keys {
		k := &plan.Keys[i]
		k.Users = SourceUsers(conf, k.Profile, imported)
		k.Keep = len(k.Users) > 0 && !force
	}
	return plan, nil
}

// SourceUsers are the profiles of conf (the AWS config file) that spin does
// not manage and that name source as their source_profile, but for those
// in except: they stop working when source's keys leave the credentials
// file.
func SourceUsers(conf *AWSConfig, source string, except map[string]bool) []ImportSkip {
	var out []ImportSkip
	for _, s := range conf.Sections() {
		name, ok := s.Profile()
		if !ok || s.Managed || except[name] {
			continue
		}
		settings, _ := conf.Settings(s)
		if sp, ok := lookupSetting(settings, "source_profile"); ok && sp.Value == source && name != source {
			out = append(out, ImportSkip{Profile: name, Line: s.Line, Reason: "its source_profile is " + source})
		}
	}
	return out
}

// carriedKeys are settings of how AWS tools behave, not of where the
// credentials come from (`aws configure` writes output): an imported
// profile keeps them in its section, after spin's lines, as every later
// write keeps the user's own settings there (SetProfile).
var carriedKeys = []string{"output", "cli_pager", "cli_auto_prompt", "cli_binary_format", "cli_timestamp_format",
	"cli_history", "retry_mode", "max_attempts", "parameter_validation", "tcp_keepalive"}

// extraSettings names what a role profile holds beyond importKeys and
// carriedKeys.
func extraSettings(settings []Setting, other []int) string {
	return extraSettingsOf(settings, other, importKeys)
}

// extraSettingsOf lists the settings that are neither among allowed nor
// carried over (carriedKeys), and the first nested or continued line.
func extraSettingsOf(settings []Setting, other []int, allowed []string) string {
	var extra []string
	for _, st := range settings {
		if !slices.Contains(allowed, st.Key) && !slices.Contains(carriedKeys, st.Key) && !slices.Contains(extra, st.Key) {
			extra = append(extra, st.Key)
		}
	}
	if len(other) > 0 {
		extra = append(extra, fmt.Sprintf("nested or continued lines (line %d)", other[0]))
	}
	return strings.Join(extra, ", ")
}

func sourceAssumesRole(conf *AWSConfig, name string) bool {
	for _, s := range conf.profileSections(name) {
		settings, _ := conf.Settings(s)
		if _, ok := lookupSetting(settings, "role_arn"); ok {
			return true
		}
		if _, ok := lookupSetting(settings, "source_profile"); ok {
			return true
		}
	}
	return false
}

// MFASerialOf returns profile name's mfa_serial as AWS tools merge it: the
// credentials file's [name] wins over the config file's.
func MFASerialOf(conf, creds *AWSConfig, name string) string {
	if s, err := creds.credentialsSection(name); err == nil {
		settings, _ := creds.Settings(s)
		if m, ok := lookupSetting(settings, "mfa_serial"); ok {
			return m.Value
		}
	}
	if s, found, err := conf.onlySection(name); err == nil && found {
		settings, _ := conf.Settings(s)
		m, _ := lookupSetting(settings, "mfa_serial")
		return m.Value
	}
	return ""
}

func importedProfile(name, source string, settings []Setting) (Profile, error) {
	get := func(k string) string { v, _ := lookupSetting(settings, k); return v.Value }
	p := Profile{
		Name: name, Source: source, RoleARN: get("role_arn"), ExternalID: get("external_id"),
		MFASerial: get("mfa_serial"), RoleSessionName: get("role_session_name"), Region: get("region"),
	}
	if si, ok := lookupSetting(settings, "source_identity"); ok {
		p.SourceIdentity, p.SourceIdentitySet = si.Value, true
	}
	var err error
	if p.SessionTags, err = importTags(get("session_tags")); err != nil {
		return Profile{}, err
	}
	for _, k := range []string{"transitive_session_tags", "transitive_tag_keys"} {
		p.TransitiveTagKeys = append(p.TransitiveTagKeys, splitList(get(k))...)
	}
	if d := get("duration_seconds"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return Profile{}, fmt.Errorf("duration_seconds %q is not a number of seconds", d)
		}
		p.Duration = time.Duration(n) * time.Second
	}
	return p, nil
}

// importTags reads aws-vault's session_tags = key=value,key=value. What
// STS accepts as a tag is left to checkImported, which parses the profile
// as config.yaml would hold it.
func importTags(v string) ([]Tag, error) {
	var tags []Tag
	for _, kv := range splitList(v) {
		k, val, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("session_tags %q: %q is not key=value (write session_tags = team=infra,env=dev)", v, kv)
		}
		tags = append(tags, Tag{Key: strings.TrimSpace(k), Value: strings.TrimSpace(val)})
	}
	return tags, nil
}

// splitList splits a comma-separated setting, dropping empty items.
func splitList(v string) []string {
	var out []string
	for f := range strings.SplitSeq(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// checkImported parses p as config.yaml would hold it, under cfg's
// defaults, so a profile spin would refuse to load is skipped up front
// (a name, ARN or duration spin does not accept) rather than failing the
// final check after the keys are stored.
func checkImported(cfg *Config, p Profile) error { return checkImportedWith(cfg, p, nil) }

// checkImportedWith is checkImported for a profile of source src.
func checkImportedWith(cfg *Config, p Profile, src *SourceDef) error {
	d := cfg.Defaults
	doc := fmt.Sprintf("defaults:\n  duration: %s\n  min_validity: %s\n  mfa_duration: %s\nprofiles:\n%s",
		fmtDur(d.Duration), fmtDur(d.MinValidity), fmtDur(d.MFADuration), renderProfileYAML(p, 2, 2, "\n"))
	if src != nil {
		doc += "sources:\n" + renderSourceYAML(*src, 2, 2, "\n")
	}
	_, err := Parse("config.yaml", []byte(doc))
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) {
		return err
	}
	var msgs []string
	for _, e := range joined.Unwrap() {
		var pe *yamlnode.Error
		if errors.As(e, &pe) {
			msgs = append(msgs, pe.Msg)
		} else {
			msgs = append(msgs, e.Error())
		}
	}
	return fmt.Errorf("spin would not accept it: %s", strings.Join(msgs, "; "))
}

// comments counts the comment lines inside the lines SetProfile replaces.
func (c *AWSConfig) comments(s Section) int {
	n := 0
	for i := s.start + 1; i < c.owned(s); i++ {
		if k, _, _ := classify(c.lines[i].Text); k == commentLine {
			n++
		}
	}
	return n
}
