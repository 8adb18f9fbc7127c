package profiles

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/cloudspin/spin/internal/yamlnode"
)

// STS limits that are warnings, not errors: the emulator accepts more, and
// a role's own maximum (1h unless raised) is only known to AWS.
const (
	maxRoleSession = 12 * time.Hour // AssumeRole
	maxMFASession  = 36 * time.Hour // GetSessionToken for an IAM user
)

func (p *parser) keyring(e entry) {
	for _, f := range p.section(e, "keyring", keyringKeys) {
		p.origin("keyring."+f.Name, f.Key)
		if f.Name == "lock_after" {
			// Off unless set: a lock the user did not ask for would
			// look like a broken spind.
			if d, ok := p.duration(f, "in keyring"); ok {
				p.cfg.Keyring.LockAfter = d
			}
			continue
		}
		s, ok := p.str(f, "in keyring")
		if !ok || s == "" {
			continue
		}
		switch f.Name {
		case "backend":
			if !slices.Contains(backends, s) {
				p.Errorf(f.Val, "unknown keyring backend %q (known: %s)", s, strings.Join(backends, ", "))
				continue
			}
			p.cfg.Keyring.Backend = s
		case "file_dir":
			dir, err := expandHome(s)
			if err != nil {
				p.Errorf(f.Val, "file_dir %q in keyring: %v", s, err)
				continue
			}
			p.cfg.Keyring.FileDir = dir
		}
	}
}

func (p *parser) defaults(e entry) {
	const where = "in defaults"
	d := &p.cfg.Defaults
	var durAt, mfaAt, minAt *yaml.Node
	for _, f := range p.section(e, "defaults", defaultsKeys) {
		p.origin("defaults."+f.Name, f.Key)
		switch f.Name {
		case "region":
			if s, ok := p.region(f, where); ok && s != "" {
				d.Region = s
			}
		case "duration":
			if v, ok := p.session(f, where, maxRoleSession, "AssumeRole"); ok {
				d.Duration, durAt = v, f.Val
			}
		case "mfa_duration":
			if v, ok := p.session(f, where, maxMFASession, "GetSessionToken"); ok {
				d.MFADuration, mfaAt = v, f.Val
			}
		case "min_validity":
			if v, ok := p.duration(f, where); ok {
				d.MinValidity, minAt = v, f.Val
			}
		}
	}
	// Point at the session length if the file set it, else at min_validity;
	// built-in values alone always pass.
	p.checkLifetime(cmp.Or(durAt, minAt), "duration", d.Duration, d.MinValidity, where)
	p.checkLifetime(cmp.Or(mfaAt, minAt), "mfa_duration", d.MFADuration, d.MinValidity, where)
}

func (p *parser) region(f entry, where string) (string, bool) {
	s, ok := p.str(f, where)
	if ok && s != "" && !regionRE().MatchString(s) {
		p.Errorf(f.Val, "region %q %s is not an AWS region name (lowercase letters, digits and -, like eu-west-1)", s, where)
		return "", false
	}
	return s, ok
}

func (p *parser) profiles(e entry) {
	for _, f := range p.section(e, "profiles", nil) {
		valid := true
		if err := CheckName(f.Name); err != nil {
			p.Errorf(f.Key, "invalid profile name %q: %v", f.Name, err)
			valid = false
		}
		pr := p.profile(f) // checked even under a bad name, to report everything at once
		if valid {
			p.origin("profiles."+f.Name, f.Key)
			p.cfg.Order = append(p.cfg.Order, f.Name)
			p.cfg.Profiles[f.Name] = pr
		}
	}
}

func (p *parser) profile(e entry) Profile {
	pr := Profile{Name: e.Name}
	where := fmt.Sprintf("in profile %q", e.Name)
	set := map[string]*yaml.Node{} // key -> value node, for keys with a usable value
	hasSource := false
	fields := p.section(e, fmt.Sprintf("profile %q", e.Name), profileKeys)
	if e.Val.Kind != yaml.MappingNode && !yamlnode.IsNull(e.Val) {
		return pr // reported by section; a missing source would only add noise
	}
	for _, f := range fields {
		p.origin("profiles."+e.Name+"."+f.Name, f.Key)
		hasSource = hasSource || f.Name == "source"
		if p.profileKey(&pr, f, where) {
			set[f.Name] = f.Val
		}
	}
	if !hasSource {
		p.Errorf(e.Key, "profile %q has no source: name the key set it uses (added with spin keys add NAME) or an entry of sources:", e.Name)
	}
	p.checkProfileSource(e, &pr, set, where)
	p.checkAttribution(&pr, set, where)
	d := p.cfg.Defaults
	minValidity := cmp.Or(pr.MinValidity, d.MinValidity)
	if pr.RoleARN != "" {
		p.checkLifetime(cmp.Or(set["duration"], set["min_validity"]), "duration", cmp.Or(pr.Duration, d.Duration), minValidity, where)
		return pr
	}
	if pr.Kind != KindKeySet {
		return pr // the source's sign-in decides these sessions' lifetime
	}
	// A bootstrap profile hands out the key set or an MFA session.
	p.checkLifetime(set["min_validity"], "mfa_duration", d.MFADuration, minValidity, where)
	for _, k := range roleOnly {
		if n := set[k]; n != nil {
			p.Warnf(n, "%s has no effect in bootstrap profile %q (it has no role_arn)", k, e.Name)
		}
	}
	return pr
}

// profileKey stores one known key's value; it reports whether the value is
// set and valid.
func (p *parser) profileKey(pr *Profile, f entry, where string) bool {
	switch f.Name {
	case "duration":
		v, ok := p.session(f, where, maxRoleSession, "AssumeRole")
		pr.Duration = v
		return ok
	case "min_validity":
		v, ok := p.duration(f, where)
		pr.MinValidity = v
		return ok
	case "region":
		s, ok := p.region(f, where)
		pr.Region = s
		return ok && s != ""
	case "sso_account_id", "sso_role_name":
		return p.ssoKey(pr, f, where)
	case "source_identity":
		return p.sourceIdentityKey(pr, f, where)
	case "session_tags":
		return p.sessionTagsKey(pr, f, where)
	case "transitive_tag_keys":
		return p.transitiveKeys(pr, f, where)
	case "allowed_callers":
		return p.allowedCallersKey(pr, f, where)
	}
	s, ok := p.str(f, where)
	if ok && s == "" && f.Name == "source" {
		p.Errorf(f.Val, "source %s is empty: name the key set it uses (added with spin keys add NAME) or an entry of sources:", where)
	}
	if !ok || s == "" {
		return false
	}
	var problem string
	switch f.Name {
	case "source":
		if err := CheckName(s); err != nil {
			problem = fmt.Sprintf("is not a key set or source name: %v", err)
		}
		pr.Source = s
	case "role_arn":
		if !roleARNRE().MatchString(s) {
			problem = "is not an IAM role ARN (want arn:aws:iam::<12-digit account>:role/<name>, or arn:aws-cn:, arn:aws-us-gov: and so on in other partitions)"
		}
		pr.RoleARN = s
	case "role_session_name":
		if _, err := renderSessionName(s, "user"); err != nil {
			problem = err.Error()
		}
		pr.RoleSessionName = s
	case "external_id":
		if len(s) < 2 || len(s) > 1224 || !externalIDRE().MatchString(s) {
			problem = "must be 2 to 1224 characters from letters, digits and _+=,.@:/-"
		}
		pr.ExternalID = s
	case "mfa_serial":
		if !mfaSerialRE().MatchString(s) {
			problem = "is not an MFA device (an ARN like arn:aws:iam::123456789012:mfa/NAME, or a hardware serial: 9 to 256 of letters, digits and _+=/:,.@-)"
		}
		pr.MFASerial = s
	}
	if problem != "" {
		p.Errorf(f.Val, "%s %q %s %s", f.Name, s, where, problem)
		return false
	}
	return true
}
