package stackrun

import (
	"fmt"

	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/cloudspin/spin/profiles"
)

// Invocation is everything spin derives from a stack config for tofu,
// computed without running anything: --show-config prints it and the
// runner uses it.
type Invocation struct {
	Config        *Config
	Credentials   *Credentials
	BackendConfig []string          // -backend-config key=value settings
	VarFile       []byte            // JSON; nil when there are no parameters
	Env           map[string]string // the child's whole environment
	SessionName   string            // <stack>-<group>
	// Origins say where each used profile's credentials come from.
	Origins []string
}

// Prepare maps the stack's credentials to spin profiles and builds the
// arguments and environment for tofu.
func Prepare(c *Config, spin *profiles.Config, h Host) (*Invocation, error) {
	if err := checkBackendBlock(c); err != nil {
		return nil, err
	}
	cr, err := MapProfiles(c, spin)
	if err != nil {
		return nil, err
	}
	vf, err := VarFile(c)
	if err != nil {
		return nil, fmt.Errorf("parameters of %s: %w", c.Dir, err)
	}
	inv := &Invocation{
		Config:        c,
		Credentials:   cr,
		BackendConfig: BackendConfig(c, cr),
		VarFile:       vf,
		Env:           Env(c, cr, h),
		SessionName:   SessionName(c),
		Origins:       Origins(spin, cr.Uses),
	}
	return inv, inv.checkEnv()
}

// checkEnv is the last guard before an environment reaches a child: Env
// cannot produce these, and a caller that edits the map must not either.
func (inv *Invocation) checkEnv() error {
	if bad := forbiddenIn(inv.Env); len(bad) > 0 {
		return fmt.Errorf("refusing to pass %v to tofu", bad)
	}
	if bad := tfexec.ProhibitedEnv(inv.Env); len(bad) > 0 {
		return fmt.Errorf("refusing to pass %v to tofu: terraform-exec sets these itself", bad)
	}
	return nil
}
