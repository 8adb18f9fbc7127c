package profiles

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cloudspin/spin/internal/yamlnode"
)

// Marker is the first line after the header of every section spin writes.
// Only sections that carry it are ever rewritten or removed without --force.
const Marker = "# managed by spin: edit ~/.config/spin/config.yaml and run `spin profiles write`"

// Action is what an edit did to one profile.
type Action int

const (
	Unchanged Action = iota
	Added
	Updated
	Removed
	// Stale marks a managed profile that config.yaml no longer defines;
	// Sync leaves it in place unless asked to prune.
	Stale
)

func (a Action) String() string {
	switch a {
	case Unchanged:
		return "unchanged"
	case Added:
		return "added"
	case Updated:
		return "updated"
	case Removed:
		return "removed"
	case Stale:
		return "stale"
	}
	return "Action(" + strconv.Itoa(int(a)) + ")"
}

// ErrNoProfile is returned (wrapped) when a profile to remove is not in the
// file.
var ErrNoProfile = errors.New("no such profile")

// UnmanagedError reports profiles of the file that spin did not write and
// would have replaced.
type UnmanagedError struct {
	Names []string
	Lines []int
}

func (e *UnmanagedError) Error() string {
	parts := make([]string, len(e.Names))
	for i, n := range e.Names {
		parts[i] = fmt.Sprintf("%s (line %d)", n, e.Lines[i])
	}
	if len(parts) == 1 {
		return "profile " + parts[0] + " is not managed by spin"
	}
	return "profiles " + strings.Join(parts, ", ") + " are not managed by spin"
}

// DuplicateError reports a profile defined in several sections, which the
// editor cannot own: AWS tools merge or refuse them.
type DuplicateError struct {
	Name  string
	Lines []int
}

func (e *DuplicateError) Error() string {
	lines := make([]string, len(e.Lines))
	for i, l := range e.Lines {
		lines[i] = strconv.Itoa(l)
	}
	return fmt.Sprintf("profile %s is defined %d times (lines %s); merge them by hand", e.Name, len(e.Lines), strings.Join(lines, ", "))
}

// managedProfiles returns the names of the profiles spin wrote.
func (c *AWSConfig) managedProfiles() []string {
	var out []string
	for _, s := range c.Sections() {
		if p, ok := s.Profile(); ok && s.Managed {
			out = append(out, p)
		}
	}
	return out
}

// profileSections returns the sections that define profile name.
func (c *AWSConfig) profileSections(name string) []Section {
	var out []Section
	for _, s := range c.Sections() {
		if p, ok := s.Profile(); ok && p == name {
			out = append(out, s)
		}
	}
	return out
}

func (c *AWSConfig) onlySection(name string) (Section, bool, error) {
	secs := c.profileSections(name)
	switch len(secs) {
	case 0:
		return Section{}, false, nil
	case 1:
		return secs[0], true, nil
	}
	lines := make([]int, len(secs))
	for i, s := range secs {
		lines[i] = s.Line
	}
	return Section{}, false, &DuplicateError{Name: name, Lines: lines}
}

// SetProfile makes block (lines without endings, the header first) the
// section of profile name. A new profile goes at the end of the file; a
// managed one is replaced in place, and so is an unmanaged one when force
// is set. In a managed section only spin's own settings change: the
// user's (`aws configure set` puts them there) stay, after spin's, but for
// those that would take the credentials from elsewhere (elsewhereKeys).
// Comments and blank lines after the section's last setting, and every
// other byte, stay.
func (c *AWSConfig) SetProfile(name string, block []string, force bool) (Action, error) {
	s, found, err := c.onlySection(name)
	if err != nil {
		return Unchanged, err
	}
	if !found {
		c.appendBlock(block)
		return Added, nil
	}
	if !s.Managed && !force {
		return Unchanged, &UnmanagedError{Names: []string{name}, Lines: []int{s.Line}}
	}
	eol := c.lines[s.start].EOL
	if eol == "" {
		eol = c.eol()
	}
	repl := make([]Line, len(block))
	for i, t := range block {
		repl[i] = Line{Text: t, EOL: eol}
	}
	end := c.owned(s)
	if s.Managed {
		// The user's own settings in spin's section stay, after spin's.
		repl = append(repl, c.usersLines(s, end)...)
		if last := &repl[len(repl)-1]; last.EOL == "" {
			last.EOL = eol
		}
	}
	if slices.Equal(c.lines[s.start:end], repl) {
		return Unchanged, nil
	}
	c.lines = slices.Replace(c.lines, s.start, end, repl...)
	return Updated, nil
}

// appendBlock adds block at the end, after a blank line unless the file is
// empty or already ends with one, in the file's dominant line ending.
func (c *AWSConfig) appendBlock(block []string) {
	eol := c.eol()
	if n := len(c.lines); n > 0 {
		last := &c.lines[n-1]
		if last.EOL == "" {
			last.EOL = eol
		}
		if strings.TrimSpace(last.Text) != "" {
			c.lines = append(c.lines, Line{EOL: eol})
		}
	}
	for _, t := range block {
		c.lines = append(c.lines, Line{Text: t, EOL: eol})
	}
}

// RemoveProfile deletes the managed profile name: its header and settings,
// and the blank line that separated it when that would leave two. Comments
// after its last setting stay. A name that is not there names the managed
// profile meant, if one is near: only those could be removed.
func (c *AWSConfig) RemoveProfile(name string) error {
	s, found, err := c.onlySection(name)
	switch {
	case err != nil:
		return err
	case !found:
		if near := yamlnode.Suggest(name, c.managedProfiles()); near != "" {
			return fmt.Errorf("%w %s (did you mean %s?)", ErrNoProfile, name, near)
		}
		return fmt.Errorf("%w %s", ErrNoProfile, name)
	case !s.Managed:
		return &UnmanagedError{Names: []string{name}, Lines: []int{s.Line}}
	}
	c.removeSection(s)
	return nil
}
