package doctor

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/cloudspin/spin/profiles"
)

// profilesCheck compares the profiles config.yaml defines with what the
// AWS config file holds. The fix is the exact command for what is wrong:
// --prune for profiles config.yaml no longer defines, --force for the
// user's own profiles of a name config.yaml now takes; duplicates are
// removed by hand.
func profilesCheck(s *profiles.Setup, err error) []Check {
	if err != nil {
		return []Check{{Fail, "config", err.Error(), "fix the file"}}
	}
	want, err := s.Config.AWSProfiles()
	if err != nil {
		return []Check{{Fail, "profiles", err.Error(), ""}}
	}
	data, err := os.ReadFile(s.AWSPath)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return []Check{{Fail, "profiles", err.Error(), ""}}
	}
	rows, err := profiles.ListProfiles(profiles.ParseAWSConfig(data), s.Helper, want)
	if err != nil {
		return []Check{{Fail, "profiles", err.Error(), ""}}
	}
	var bad, dups []string
	fix := "spin profiles write"
	var prune, force bool
	for _, r := range rows {
		switch r.State {
		case "", "up to date":
			continue
		case "duplicate":
			dups = append(dups, r.Name)
			continue
		case "stale":
			prune = true
		case "conflict":
			force = true
		}
		bad = append(bad, r.Name+" "+r.State)
	}
	if prune {
		fix += " --prune"
	}
	if force {
		fix += " --force"
	}
	var out []Check
	if len(bad) > 0 {
		out = append(out, Check{Fail, "profiles", strings.Join(bad, ", ") + " in " + s.AWSPath, fix})
	}
	if len(dups) > 0 {
		out = append(out, Check{Fail, "profiles", "more than one [profile " + strings.Join(dups, "], [profile ") + "] in " + s.AWSPath,
			"delete all but one of each from " + s.AWSPath + ", then spin profiles write"})
	}
	switch {
	case len(out) > 0:
		return out
	case len(want) == 0:
		return []Check{{Warn, "profiles", "none defined in " + s.Config.Path, "add profiles to it, then spin profiles write"}}
	}
	return []Check{{OK, "profiles", fmt.Sprintf("%d in %s point at this spin", len(want), s.AWSPath), ""}}
}

// shadowChecks report spin profiles that the shared credentials file
// shadows with keys of the same name (aws configure --profile NAME), with
// the fix that keeps the profile spin's; only when there is one.
func shadowChecks(s *profiles.Setup, getenv func(string) string) (out []Check, names map[string]bool) {
	path, err := profiles.CredentialsPath(getenv)
	if s == nil || err != nil {
		return nil, nil
	}
	shadows, err := profiles.ReadShadows(s.Config, path)
	if err != nil {
		return []Check{{Warn, "shadowed profiles", err.Error(), ""}}, nil
	}
	names = map[string]bool{}
	for _, sh := range shadows {
		names[sh.Profile] = true
		out = append(out, Check{Fail, "shadowed profile", sh.String(), sh.Fix()})
	}
	return out, names
}

// plaintextCheck looks for secret keys left in the shared credentials
// file, read with the same editor `spin keys import` removes them with.
// Sections in skip (shadowed spin profiles) have their own check and fix.
func plaintextCheck(getenv func(string) string, skip map[string]bool) Check {
	path, err := profiles.CredentialsPath(getenv)
	if err != nil {
		return Check{Warn, "plaintext keys", err.Error(), ""}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Check{OK, "plaintext keys", "no " + path, ""}
	}
	doc := profiles.ParseAWSConfig(data)
	var sections []string
	for _, sec := range doc.Sections() {
		settings, _ := doc.Settings(sec)
		for _, st := range settings {
			if st.Key == "aws_secret_access_key" && !skip[strings.TrimSpace(sec.Type+" "+sec.Name)] {
				sections = append(sections, strings.TrimSpace(sec.Type+" "+sec.Name))
				break
			}
		}
	}
	if len(sections) > 0 {
		return Check{Fail, "plaintext keys", fmt.Sprintf("%s holds secret keys for %s", path, strings.Join(sections, ", ")),
			"spin keys import --from-credentials-file " + sections[0] + " --remove"}
	}
	return Check{OK, "plaintext keys", "none in " + path, ""}
}

// configKeysCheck looks for secret keys in the AWS config file itself:
// the AWS CLI and SDKs take aws_secret_access_key from a [profile NAME] of
// ~/.aws/config as they do from the credentials file, so a key there is as
// plaintext as one in ~/.aws/credentials. spin keys import reads only the
// credentials file, so the fix is by hand. It gives a line only when it
// finds one, as strayCopiesCheck does.
func configKeysCheck(getenv func(string) string) []Check {
	path, err := profiles.AWSConfigPath(getenv)
	if err != nil {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	doc := profiles.ParseAWSConfig(data)
	var sections []string
	for _, sec := range doc.Sections() {
		settings, _ := doc.Settings(sec)
		for _, st := range settings {
			if st.Key == "aws_secret_access_key" {
				sections = append(sections, "["+strings.TrimSpace(sec.Type+" "+sec.Name)+"]")
				break
			}
		}
	}
	if len(sections) == 0 {
		return nil
	}
	return []Check{{Fail, "plaintext keys", fmt.Sprintf("%s holds secret keys in %s", path, strings.Join(sections, ", ")),
		fmt.Sprintf("store them with 'spin keys add NAME', then delete the aws_access_key_id and aws_secret_access_key lines of %s from %s", sections[0], path)}}
}

// strayCopiesCheck looks for plaintext keys in copies of the AWS files:
// backups and temp files spin (or an older spin) made. It gives a line
// only when it finds one, since the clean case is what "plaintext keys"
// says.
func strayCopiesCheck(getenv func(string) string) []Check {
	var files []string
	for _, path := range []func(func(string) string) (string, error){profiles.AWSConfigPath, profiles.CredentialsPath} {
		if p, err := path(getenv); err == nil {
			files = append(files, p)
		}
	}
	stray := profiles.StrayCopies(files, cmp.Or(getenv("TMPDIR"), "/tmp"))
	if len(stray) == 0 {
		return nil
	}
	verb := "hold"
	if len(stray) == 1 {
		verb = "holds"
	}
	return []Check{{Fail, "stray copies", fmt.Sprintf("%s %s a plaintext secret key", strings.Join(stray, ", "), verb),
		"shred -u " + strings.Join(stray, " ")}}
}

func tofuCheck(getenv func(string) string, lookPath func(string) (string, error)) Check {
	for _, name := range []string{getenv("SPIN_TF_BINARY"), "tofu", "terraform"} {
		if name == "" {
			continue
		}
		if p, err := lookPath(name); err == nil {
			return Check{OK, "tofu", "found " + p, ""}
		}
	}
	return Check{Warn, "tofu", "neither tofu nor terraform on PATH (only spin plan/up/down need one)", "install OpenTofu, or run scripts/install-tofu.sh"}
}
