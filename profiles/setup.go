package profiles

import (
	"fmt"
	"os"
	"path/filepath"
)

// ConfigPath is spin's config.yaml: flag (--config) when given, else
// $SPIN_CONFIG or the default path.
func ConfigPath(flag string, getenv func(string) string) (string, error) {
	if flag != "" {
		return filepath.Abs(flag)
	}
	return DefaultConfigPath(getenv)
}

// Setup is what the profile commands work from: spin's config, the helper
// its profiles run and the AWS config file they go into.
type Setup struct {
	Config  *Config
	Helper  Helper
	AWSPath string
}

// LoadSetup loads the config at configPath (see ConfigPath), finds the
// helper beside the running spin and the AWS config file.
func LoadSetup(configPath string, getenv func(string) string) (*Setup, error) {
	cfg, err := Load(configPath)
	if err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("cannot locate the spin binary: %w", err)
	}
	h, err := HelperFor(exe)
	if err != nil {
		return nil, err
	}
	// SPIN_CONFIG is not in an SDK's environment; XDG_CONFIG_HOME and HOME
	// are: a config anywhere else is named in the helper's command line.
	def, derr := DefaultConfigPath(func(k string) string {
		if k == "SPIN_CONFIG" {
			return ""
		}
		return getenv(k)
	})
	if derr != nil || def != cfg.Path {
		h.Config = cfg.Path
	}
	awsPath, err := AWSConfigPath(getenv)
	if err != nil {
		return nil, err
	}
	return &Setup{Config: cfg, Helper: h, AWSPath: awsPath}, nil
}
