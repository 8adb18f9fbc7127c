package broker

import (
	"context"
	"fmt"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/yamlnode"
	"github.com/cloudspin/spin/profiles"
)

// noKeySet is the answer for a key set name the keyring does not hold,
// with the near miss among the stored names ("did you mean"), found by the
// same suggester as config.yaml's unknown profiles and keys. Listing the
// keyring happens only on this error path, so lookups stay one Get. The
// near miss is a parenthesis, not a final question: the helper's one line
// is message, colon, hint.
func (b *Broker) noKeySet(ctx context.Context, k Keys, name string) *api.Error {
	msg := fmt.Sprintf("no key set %s in the %s keyring", name, b.backend)
	if s := suggestKeySet(ctx, k, name); s != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", s)
	}
	return errorf(api.CodeNotFound, "run 'spin keys list'", "%s", msg)
}

// missingSource is keySet's answer when a profile's source names no stored
// key set: a typo in config.yaml's source: is fixed there, anything else
// by adding the keys.
func (b *Broker) missingSource(ctx context.Context, k Keys, conf *profiles.Config, profile, name string) *api.Error {
	path := "config.yaml"
	if conf != nil {
		path = conf.Path
	}
	msg := fmt.Sprintf("profile %s: key set %s is not in the %s keyring", profile, name, b.backend)
	if s := suggestKeySet(ctx, k, name); s != "" {
		return errorf(api.CodeKeySetMissing, fmt.Sprintf("set source: %s for profile %s in %s, or run 'spin keys add %s'", s, profile, path, name),
			"%s (did you mean %s?)", msg, s)
	}
	return errorf(api.CodeKeySetMissing, fmt.Sprintf("run 'spin keys add %s'", name), "%s", msg)
}

// suggestKeySet is the stored key set name closest to name, or "".
func suggestKeySet(ctx context.Context, k Keys, name string) string {
	names, err := k.List(ctx)
	if err != nil {
		return ""
	}
	return yamlnode.Suggest(name, names)
}
