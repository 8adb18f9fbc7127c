package profiles

import (
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/cloudspin/spin/internal/yamlnode"
)

// DefaultKeyMaxAge is CIS AWS Foundations 1.14's limit: rotate access keys
// every 90 days or sooner.
const DefaultKeyMaxAge = 90 * 24 * time.Hour

// KeysConfig is keys: in config.yaml, the hygiene of long-term keys.
type KeysConfig struct {
	// MaxAge is the access-key age past which spin status, spin keys list
	// and spin doctor say to run 'spin keys rotate'.
	MaxAge time.Duration
}

var keysKeys = []string{"max_age"}

// keys reads `keys: {max_age: 90d}`. max_age takes Go durations and, since
// key ages are counted in days, a whole number of days ("90d").
func (p *parser) keys(e entry) {
	const where = "in keys"
	for _, f := range p.section(e, "keys", keysKeys) {
		p.origin("keys.max_age", f.Key)
		if d, ok := p.days(f, where); ok {
			p.cfg.Keys.MaxAge = d
		}
	}
}

// days parses "90d" as 90 days, anything else as a Go duration.
func (p *parser) days(f entry, where string) (time.Duration, bool) {
	v := f.Val
	if v.Kind == yaml.ScalarNode && !yamlnode.IsNull(v) {
		if n, ok := strings.CutSuffix(v.Value, "d"); ok {
			days, err := strconv.Atoi(n)
			if err != nil || days <= 0 {
				p.Errorf(v, "%s %q %s must be a positive whole number of days (90d) or a duration (2160h)", f.Name, v.Value, where)
				return 0, false
			}
			return time.Duration(days) * 24 * time.Hour, true
		}
	}
	return p.duration(f, where)
}
