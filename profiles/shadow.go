package profiles

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sort"
)

// Shadow is a spin profile that the shared credentials file also defines
// with keys (what `aws configure --profile NAME` writes). AWS tools merge
// the two files and take those static keys over spin's credential_process,
// so the profile silently runs as whoever the keys belong to.
type Shadow struct {
	Profile  string // the spin profile, and the credentials file's section
	Source   string // its source in config.yaml
	KeySet   bool   // Source is a key set (not an entry of sources:)
	CredPath string
	Line     int // the section's header in CredPath
}

func (s Shadow) String() string {
	return fmt.Sprintf("profile %s is shadowed: [%s] of %s (line %d) holds keys, and AWS tools use them instead of spin's credentials",
		s.Profile, s.Profile, s.CredPath, s.Line)
}

// Fix is the command or edit that repairs it. Importing the keys under the
// profile's own name would be wrong: a profile is not a key set.
func (s Shadow) Fix() string {
	if s.KeySet {
		return fmt.Sprintf("if they are key set %s's keys, run 'spin keys import --from-credentials-file %s --name %s --remove' (stores them as %s and removes the section); otherwise delete [%s] from %s",
			s.Source, s.Profile, s.Source, s.Source, s.Profile, s.CredPath)
	}
	return fmt.Sprintf("delete [%s] from %s ('aws configure --profile %s' writes it; spin's profiles take no keys there)", s.Profile, s.CredPath, s.Profile)
}

// FindShadows returns cfg's profiles that creds (the credentials file at
// credPath) shadows with keys, by name.
func FindShadows(cfg *Config, creds *AWSConfig, credPath string) []Shadow {
	var out []Shadow
	for name, p := range cfg.Profiles {
		sec, err := creds.credentialsSection(name)
		if err != nil {
			continue
		}
		settings, _ := creds.Settings(sec)
		if !slices.ContainsFunc(settings, func(st Setting) bool { return slices.Contains(keySettings, st.Key) }) {
			continue
		}
		_, isSource := cfg.Sources[p.Source]
		out = append(out, Shadow{Profile: name, Source: p.Source, KeySet: !isSource, CredPath: credPath, Line: sec.Line})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Profile < out[j].Profile })
	return out
}

// ReadShadows reads the credentials file at credPath (a missing one shadows
// nothing) and returns FindShadows.
func ReadShadows(cfg *Config, credPath string) ([]Shadow, error) {
	data, err := os.ReadFile(credPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return FindShadows(cfg, ParseAWSConfig(data), credPath), nil
}
