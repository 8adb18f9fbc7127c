package profiles

import (
	"context"
	"errors"
	"io/fs"
	"os"
)

// StackWrite is `spin profiles write --from-stack` planned: config.yaml
// before and after it gains the stack's role profiles.
type StackWrite struct {
	Plan     []StackProfile
	Path     string  // config.yaml
	Old, New []byte  // its bytes now, and after the write
	Config   *Config // New, parsed
	add      []Profile
	replace  bool
}

// PlanStackWrite plans config.yaml's profiles for the stack's role outputs
// (PlanStackProfiles) and renders the file they give. Nothing is written.
func PlanStackWrite(cfg *Config, roles []StackRole, source, tmpl string, force bool) (*StackWrite, error) {
	if tmpl == "" {
		tmpl = DefaultNameTemplate
	}
	if err := CheckNameTemplate(tmpl); err != nil {
		return nil, err
	}
	plan, err := PlanStackProfiles(cfg, roles, source, tmpl, force)
	if err != nil {
		return nil, err
	}
	w := &StackWrite{Plan: plan, Path: cfg.Path}
	w.add, w.replace = StackChanges(plan)
	w.Old, err = os.ReadFile(cfg.Path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	w.New = w.Old
	if len(w.add) > 0 {
		if w.New, err = InsertProfiles(cfg.Path, w.Old, w.add, w.replace); err != nil {
			return nil, err
		}
	}
	if w.Config, err = Parse(cfg.Path, w.New); err != nil {
		return nil, err
	}
	w.Config.User = cfg.User
	return w, nil
}

// Apply writes config.yaml, once the AWS config file at awsPath is known to
// take its profiles (a dry run of Sync with o), so a refusal there leaves
// both files as they were. Writing the AWS config file is then `spin
// profiles write` from the new config.yaml.
func (w *StackWrite) Apply(ctx context.Context, awsPath string, h Helper, o SyncOptions) error {
	want, err := w.Config.AWSProfiles()
	if err != nil {
		return err
	}
	_, err = UpdateAWSConfig(ctx, awsPath, true, func(doc *AWSConfig) ([]Change, error) {
		return Sync(doc, h, want, o)
	})
	if err != nil || len(w.add) == 0 {
		return err
	}
	return WriteConfigProfiles(ctx, w.Path, w.add, w.replace)
}
