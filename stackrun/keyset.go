package stackrun

import (
	"fmt"

	"github.com/cloudspin/spin/internal/hint"
)

// KeySet is the key set the stack's role profiles use: flag (--source)
// when given, else the stack's parameters.api_user.
func (c *Config) KeySet(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	switch v := c.Parameters["api_user"].(type) {
	case string:
		if v != "" {
			return v, nil
		}
	case nil:
	default:
		return "", hint.Wrap(fmt.Errorf("parameters.api_user of stack %s is not a string (%s)", c.Dir, c.Origin("parameters.api_user")),
			"name the key set the profiles use with --source KEYSET")
	}
	return "", hint.Wrap(fmt.Errorf("stack %s sets no parameters.api_user, so spin does not know which key set the profiles use", c.Dir),
		"name it with --source KEYSET (the name you gave 'spin keys add')")
}
