package passphrase

import (
	"errors"
	"strings"
	"testing"

	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/secret"
)

// answers plays the terminal: each prompt gets the next answer.
func answers(t *testing.T, asked *[]string, lines ...string) Ask {
	return func(prompt string) (secret.String, error) {
		*asked = append(*asked, prompt)
		if len(lines) == 0 {
			return secret.String{}, errors.New("no terminal to prompt on")
		}
		l := lines[0]
		lines = lines[1:]
		return secret.New(l), nil
	}
}

func TestObtain(t *testing.T) {
	const good = "correct horse battery"
	for _, tc := range []struct {
		name    string
		env     string
		isNew   bool
		lines   []string
		want    string // the passphrase, or the error's hint
		prompts int
	}{
		{"variable, existing keyring", "short", false, nil, "short", 0},
		{"variable, new keyring", good, true, nil, good, 0},
		{"short variable, new keyring", "short", true, nil, "hint: set a longer SPIN_KEYRING_PASSPHRASE, or unset it to be asked", 0},
		{"asked once", "", false, []string{"short"}, "short", 1},
		{"no terminal", "", false, nil, "hint: " + noPassphraseHint, 1},
		{"new, asked twice", "", true, []string{good, good}, good, 2},
		{"new, typo", "", true, []string{good, good + "x"}, "hint: run 'spin unlock' and type the same passphrase twice", 2},
		{"new, too short", "", true, []string{"short"}, "hint: run 'spin unlock' and choose a longer one", 1},
		{"new, no terminal", "", true, nil, "hint: " + noPassphraseHint, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var asked []string
			p, err := Obtain(secret.New(tc.env), tc.isNew, answers(t, &asked, tc.lines...))
			got := p.Reveal()
			if err != nil {
				got = "hint: " + hint.Of(err)
				if strings.Contains(err.Error(), good) || strings.Contains(err.Error(), "short") && !strings.Contains(err.Error(), "too short") {
					t.Errorf("the error shows the passphrase: %v", err)
				}
			}
			if got != tc.want || len(asked) != tc.prompts {
				t.Errorf("got %q after %d prompts %q; want %q after %d", got, len(asked), asked, tc.want, tc.prompts)
			}
		})
	}
}
