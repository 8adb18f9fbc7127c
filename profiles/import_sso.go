package profiles

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
)

// SourceImport is a sources: entry `spin profiles import` adds to
// config.yaml: an [sso-session] section of the AWS config file, or the
// start URL of legacy sso_start_url profiles.
type SourceImport struct {
	Def  SourceDef
	Line int // the [sso-session] header, or the first legacy profile's
}

// TokenImport is a token the AWS CLI cached for a source, to move into
// the keyring: an sso source's in ~/.aws/sso/cache, where CacheKey (what
// the CLI hashes to name the file) is the sso-session's name or a legacy
// profile's start URL; a login source's in ~/.aws/login/cache, where it
// is the login_session.
type TokenImport struct {
	Source   string
	Kind     SourceKind
	CacheKey string
	// Users are the profiles left behind that still sign in with the
	// token: while there are any, the cache file stays.
	Users []ImportSkip
}

// ssoImportKeys are the settings of an SSO profile spin carries over.
var ssoImportKeys = []string{"sso_session", "sso_start_url", "sso_region", "sso_account_id", "sso_role_name", "sso_registration_scopes", "region"}

// ssoSession is an [sso-session NAME] section.
type ssoSession struct {
	StartURL, Region string
	Scopes           []string
	Line             int
}

func ssoSessions(conf *AWSConfig) map[string]ssoSession {
	out := map[string]ssoSession{}
	for _, s := range conf.Sections() {
		if s.Type != "sso-session" {
			continue
		}
		settings, _ := conf.Settings(s)
		get := func(k string) string { v, _ := lookupSetting(settings, k); return strings.TrimSpace(v.Value) }
		out[s.Name] = ssoSession{StartURL: get("sso_start_url"), Region: get("sso_region"), Scopes: scopesOf(get("sso_registration_scopes")), Line: s.Line}
	}
	return out
}

func scopesOf(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// ssoLogin is how an AWS config profile signs in to IAM Identity Center:
// its sso-session, or (legacy) its own start URL; key is the token
// cache's key either way.
type ssoLogin struct {
	key     string
	session string // empty for a legacy profile
	def     SSOSource
}

// ssoLoginOf reads a profile's SSO settings; ok is false for a profile
// that does not use SSO.
func ssoLoginOf(settings []Setting, sessions map[string]ssoSession) (l ssoLogin, ok bool, err error) {
	get := func(k string) string { v, _ := lookupSetting(settings, k); return strings.TrimSpace(v.Value) }
	if name := get("sso_session"); name != "" {
		s, found := sessions[name]
		switch {
		case !found:
			return l, true, fmt.Errorf("sso_session %s has no [sso-session %s] section", name, name)
		case s.StartURL == "" || s.Region == "":
			return l, true, fmt.Errorf("[sso-session %s] (line %d) lacks sso_start_url or sso_region", name, s.Line)
		}
		return ssoLogin{key: name, session: name, def: SSOSource{StartURL: s.StartURL, Region: s.Region, Scopes: s.Scopes}}, true, nil
	}
	if u := get("sso_start_url"); u != "" {
		if get("sso_region") == "" {
			return l, true, errors.New("it has sso_start_url but no sso_region")
		}
		return ssoLogin{key: u, def: SSOSource{StartURL: u, Region: get("sso_region")}}, true, nil
	}
	return l, false, nil
}

// planSSO adds the SSO profiles of conf to plan: each with its account and
// role becomes a profile of an sso source (config.yaml's own source for
// that start URL and region, else a new one named after the sso-session,
// or after the start URL's host for legacy profiles), and the token the
// AWS CLI cached for it moves into the keyring.
func planSSO(conf *AWSConfig, cfg *Config, plan *ImportPlan, exists *ProfileExistsError, force bool) {
	sessions := ssoSessions(conf)
	tokens := map[string]int{} // cache key -> index in plan.Tokens
	imported := map[string]bool{}
	for _, s := range conf.Sections() {
		name, ok := s.Profile()
		if !ok || s.Managed {
			continue
		}
		settings, other := conf.Settings(s)
		login, ok, err := ssoLoginOf(settings, sessions)
		if !ok {
			continue
		}
		skip := func(format string, args ...any) {
			plan.Skipped = append(plan.Skipped, ImportSkip{Profile: name, Line: s.Line, Reason: fmt.Sprintf(format, args...)})
		}
		if err != nil {
			skip("%v", err)
			continue
		}
		if _, _, err := conf.onlySection(name); err != nil {
			skip("%v", err)
			continue
		}
		get := func(k string) string { v, _ := lookupSetting(settings, k); return strings.TrimSpace(v.Value) }
		account, role := get("sso_account_id"), get("sso_role_name")
		if account == "" || role == "" {
			skip("it has no sso_account_id and sso_role_name (it only signs in): 'spin profiles generate SOURCE' makes a profile for every account and role")
			continue
		}
		if extra := extraSettingsOf(settings, other, ssoImportKeys); extra != "" {
			skip("has %s, which spin does not carry over: move or remove it, then import again", extra)
			continue
		}
		def, isNew, err := importedSource(cfg, plan, login, name)
		if err != nil {
			skip("%v", err)
			continue
		}
		p := Profile{Name: name, Source: def.Name, SSOAccountID: account, SSORoleName: role, Region: get("region")}
		if err := checkImportedWith(cfg, p, &def); err != nil {
			skip("%v", err)
			continue
		}
		_, replaces := cfg.Profiles[name]
		if replaces && !force {
			exists.Names = append(exists.Names, name)
		}
		if isNew {
			plan.Sources = append(plan.Sources, SourceImport{Def: def, Line: cmpLine(sessions[login.session].Line, s.Line)})
		}
		plan.Profiles = append(plan.Profiles, ProfileImport{Profile: p, Line: s.Line, Replaces: replaces, Comments: conf.comments(s)})
		imported[name] = true
		if _, ok := tokens[login.key]; !ok {
			tokens[login.key] = len(plan.Tokens)
			plan.Tokens = append(plan.Tokens, TokenImport{Source: def.Name, Kind: KindSSO, CacheKey: login.key})
		}
	}
	// A token stays in the AWS CLI's cache while a profile left behind
	// signs in with it.
	for _, s := range conf.Sections() {
		name, ok := s.Profile()
		if !ok || s.Managed || imported[name] {
			continue
		}
		settings, _ := conf.Settings(s)
		login, ok, err := ssoLoginOf(settings, sessions)
		if !ok || err != nil {
			continue
		}
		if i, ok := tokens[login.key]; ok {
			plan.Tokens[i].Users = append(plan.Tokens[i].Users, ImportSkip{Profile: name, Line: s.Line})
		}
	}
}

func cmpLine(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// importedSource finds the sources: entry an SSO login maps to: one of
// config.yaml's (same start URL and region), one the plan adds already,
// or a new one (isNew).
func importedSource(cfg *Config, plan *ImportPlan, l ssoLogin, profile string) (def SourceDef, isNew bool, err error) {
	same := func(d SourceDef) bool {
		return d.Kind == KindSSO && strings.TrimRight(d.SSO.StartURL, "/") == strings.TrimRight(l.def.StartURL, "/") && d.SSO.Region == l.def.Region
	}
	for _, name := range cfg.SourceOrder {
		if d := cfg.Sources[name]; same(d) {
			return d, false, nil
		}
	}
	for _, si := range plan.Sources {
		if same(si.Def) {
			return si.Def, false, nil
		}
	}
	name := l.session
	if name == "" {
		name = sourceNameFor(l.def.StartURL)
	}
	if _, taken := cfg.Sources[name]; taken {
		return def, false, fmt.Errorf("config.yaml's source %s signs in elsewhere than %s: rename one of them, then import again", name, l.def.StartURL)
	}
	if slices.ContainsFunc(plan.Sources, func(si SourceImport) bool { return si.Def.Name == name }) {
		return def, false, fmt.Errorf("another start URL already becomes source %s: rename the sso-session, then import again", name)
	}
	sso := l.def
	if len(sso.Scopes) == 0 {
		sso.Scopes = nil
	}
	return SourceDef{Name: name, Kind: KindSSO, SSO: sso}, true, nil
}

// sourceNameFor names a legacy start URL's source after its host's first
// label: https://my-org.awsapps.com/start gives my-org.
func sourceNameFor(startURL string) string {
	u, err := url.Parse(startURL)
	host := startURL
	if err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	label, _, _ := strings.Cut(host, ".")
	var b strings.Builder
	for _, r := range label {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	if b.Len() == 0 {
		return "sso"
	}
	return b.String()
}

// SSOCachePath is where the AWS CLI (and the SDKs' ssocreds) keep the
// token for key: ~/.aws/sso/cache/<hex SHA-1 of key>.json.
func SSOCachePath(getenv func(string) string, key string) (string, error) {
	home := getenv("HOME")
	if home == "" {
		return "", errors.New("HOME is not set: cannot find ~/.aws/sso/cache")
	}
	sum := sha1.Sum([]byte(key))
	return filepath.Join(home, ".aws", "sso", "cache", hex.EncodeToString(sum[:])+".json"), nil
}

// CachePath is where the AWS CLI keeps t's token.
func (t TokenImport) CachePath(getenv func(string) string) (string, error) {
	if t.Kind == KindLogin {
		return LoginCachePath(getenv, t.CacheKey)
	}
	return SSOCachePath(getenv, t.CacheKey)
}

// loginSourceName is what an import names the login source it adds.
const loginSourceName = "aws-login"

// planLogin adds the profiles of conf that use `aws login` console
// credentials (login_session, no role) to plan as profiles of a login
// source, one per login session (config.yaml's own login source, else a
// new one signing in where the session's first profile points); the
// session the AWS CLI cached moves into the keyring.
func planLogin(conf *AWSConfig, cfg *Config, plan *ImportPlan, exists *ProfileExistsError, force bool) {
	tokens := map[string]int{}
	bySession := map[string]SourceDef{}
	imported := map[string]bool{}
	for _, s := range conf.Sections() {
		name, ok := s.Profile()
		if !ok || s.Managed {
			continue
		}
		settings, other := conf.Settings(s)
		get := func(k string) string { v, _ := lookupSetting(settings, k); return strings.TrimSpace(v.Value) }
		session := get("login_session")
		if session == "" {
			continue
		}
		skip := func(format string, args ...any) {
			plan.Skipped = append(plan.Skipped, ImportSkip{Profile: name, Line: s.Line, Reason: fmt.Sprintf(format, args...)})
		}
		if get("role_arn") != "" {
			skip("it assumes a role with its login_session: add a login source under sources: and a profile with that role_arn by hand")
			continue
		}
		if _, _, err := conf.onlySection(name); err != nil {
			skip("%v", err)
			continue
		}
		if extra := extraSettingsOf(settings, other, []string{"login_session", "region"}); extra != "" {
			skip("has %s, which spin does not carry over: move or remove it, then import again", extra)
			continue
		}
		def, known := bySession[session]
		isNew := false
		if !known {
			def, isNew = importedLoginSource(cfg, plan, cmpString(get("region"), cfg.Defaults.Region, "us-east-1"))
		}
		p := Profile{Name: name, Source: def.Name, Region: get("region")}
		if err := checkImportedWith(cfg, p, &def); err != nil {
			skip("%v", err)
			continue
		}
		_, replaces := cfg.Profiles[name]
		if replaces && !force {
			exists.Names = append(exists.Names, name)
		}
		if isNew {
			plan.Sources = append(plan.Sources, SourceImport{Def: def, Line: s.Line})
		}
		plan.Profiles = append(plan.Profiles, ProfileImport{Profile: p, Line: s.Line, Replaces: replaces, Comments: conf.comments(s), LoginSession: session})
		imported[name] = true
		bySession[session] = def
		if _, ok := tokens[session]; !ok {
			tokens[session] = len(plan.Tokens)
			plan.Tokens = append(plan.Tokens, TokenImport{Source: def.Name, Kind: KindLogin, CacheKey: session})
		}
	}
	for name, session := range LoginSessions(conf) {
		if i, ok := tokens[session]; ok && !imported[name] {
			s, _, _ := conf.onlySection(name)
			plan.Tokens[i].Users = append(plan.Tokens[i].Users, ImportSkip{Profile: name, Line: s.Line})
		}
	}
	for i := range plan.Tokens {
		slices.SortFunc(plan.Tokens[i].Users, func(a, b ImportSkip) int { return a.Line - b.Line })
	}
}

func cmpString(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// importedLoginSource is config.yaml's first login source, else a new
// one signing in to region.
func importedLoginSource(cfg *Config, plan *ImportPlan, region string) (SourceDef, bool) {
	for _, name := range cfg.SourceOrder {
		if d := cfg.Sources[name]; d.Kind == KindLogin {
			return d, false
		}
	}
	name := loginSourceName
	for i := 2; ; i++ {
		_, taken := cfg.Sources[name]
		if !taken && !slices.ContainsFunc(plan.Sources, func(si SourceImport) bool { return si.Def.Name == name }) {
			break
		}
		name = fmt.Sprintf("%s-%d", loginSourceName, i)
	}
	return SourceDef{Name: name, Kind: KindLogin, Login: LoginSource{Region: region}}, true
}
