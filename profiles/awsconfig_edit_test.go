package profiles

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

var (
	testHelper = Helper{Path: "/usr/local/bin/spin"}
	testWant   = []AWSProfile{{Name: "assume-cloudspin_examples-account", Region: "eu-west-1"}, {Name: "spin-new"}}
)

// TestAWSConfigEditGolden syncs every corpus file three ways and compares
// the result with testdata/awsconfig/golden/NAME.{write,force,prune}.
func TestAWSConfigEditGolden(t *testing.T) {
	cases := []struct {
		suffix string
		want   []AWSProfile
		opts   SyncOptions
	}{
		{"write", testWant, SyncOptions{}},
		{"force", testWant, SyncOptions{Force: true}},
		{"prune", nil, SyncOptions{Prune: true}},
	}
	for name, data := range corpus(t) {
		for _, c := range cases {
			t.Run(name+"/"+c.suffix, func(t *testing.T) {
				doc := ParseAWSConfig(data)
				changes, err := Sync(doc, testHelper, c.want, c.opts)
				var got []byte
				if err != nil {
					got = []byte("error: " + err.Error() + "\n")
				} else {
					got = doc.Render()
					checkKept(t, ParseAWSConfig(data), doc, edited(changes), c.suffix == "prune")
				}
				golden(t, filepath.Join("testdata", "awsconfig", "golden", name+"."+c.suffix), got)
			})
		}
	}
}

func edited(changes []Change) map[string]bool {
	m := map[string]bool{}
	for _, ch := range changes {
		if ch.Action != Unchanged && ch.Action != Stale {
			m[ch.Name] = true
		}
	}
	return m
}

// checkKept fails unless every line of before outside the settings of the
// edited profiles is in after, in order and byte for byte. The last line
// may gain a line ending, and with dropBlank a blank line may go.
func checkKept(t testing.TB, before, after *AWSConfig, names map[string]bool, dropBlank bool) {
	t.Helper()
	if before.bom != after.bom {
		t.Fatalf("byte order mark changed")
	}
	skip := map[int]bool{}
	for _, s := range before.Sections() {
		if p, ok := s.Profile(); ok && names[p] {
			for i := s.start; i < before.owned(s); i++ {
				skip[i] = true
			}
		}
	}
	out := after.lines
	j := 0
	for i, l := range before.lines {
		if skip[i] {
			continue
		}
		if dropBlank && strings.TrimSpace(l.Text) == "" && (j == len(out) || out[j] != l) {
			continue
		}
		last := i == len(before.lines)-1
		for j < len(out) && out[j] != l && !(last && l.EOL == "" && out[j].Text == l.Text) {
			j++
		}
		if j == len(out) {
			t.Fatalf("line %d %q of the input is missing from the output:\n%s", i+1, l.Text, after.Render())
		}
		j++
	}
}

func TestSetProfile(t *testing.T) {
	block := []string{"[profile p]", Marker, "credential_process = x"}
	tests := []struct {
		name, in, want string
		act            Action
	}{
		{"empty file", "", "[profile p]\n" + Marker + "\ncredential_process = x\n", Added},
		{"separator added", "[default]\n", "[default]\n\n[profile p]\n" + Marker + "\ncredential_process = x\n", Added},
		{"final newline added", "[default]", "[default]\n\n[profile p]\n" + Marker + "\ncredential_process = x\n", Added},
		{"blank already there", "[default]\n\n", "[default]\n\n[profile p]\n" + Marker + "\ncredential_process = x\n", Added},
		{"dominant CRLF", "[a]\r\n[b]\r\nx=1\n", "[a]\r\n[b]\r\nx=1\n\r\n[profile p]\r\n" + Marker + "\r\ncredential_process = x\r\n", Added},
		{"replace keeps trailing comment", "[profile p]\n" + Marker + "\ncredential_process = old\n# mine\n\n[b]\n",
			"[profile p]\n" + Marker + "\ncredential_process = x\n# mine\n\n[b]\n", Updated},
		// aws configure set puts the user's settings into spin's section:
		// they stay, after spin's, and spin's own keys are written afresh.
		{"user's settings stay", "[profile p]\n" + Marker + "\noutput = json\ncredential_process = old\n  nested = 9\n; why\nS3 =\n  addressing_style = path\nRegion: us-east-1\ncredential_process = dup\ncli_pager =\n",
			"[profile p]\n" + Marker + "\ncredential_process = x\noutput = json\n; why\nS3 =\n  addressing_style = path\ncli_pager =\n", Updated},
		// A setting that takes the profile's credentials from elsewhere
		// than its credential_process (the SDKs try these first, and
		// assume role_arn on top) would bypass spind: it goes, with what
		// is nested under it.
		{"user's credential settings dropped", "[profile p]\n" + Marker + "\ncredential_process = x\noutput = json\nrole_arn = arn:aws:iam::1:role/r\nSource_Profile = base\naws_access_key_id = AKIA\naws_secret_access_key = s\nsso_region: eu-west-1\nweb_identity_token_file = /t\n  nested = 1\ncredential_source = Environment\nsso_session = s\nlogin_session = l\naws_session_token = t\ncli_pager =\n",
			"[profile p]\n" + Marker + "\ncredential_process = x\noutput = json\ncli_pager =\n", Updated},
		{"user's settings written once", "[profile p]\n" + Marker + "\ncredential_process = x\noutput = json\n",
			"[profile p]\n" + Marker + "\ncredential_process = x\noutput = json\n", Unchanged},
		{"user's last setting gains a newline", "[profile p]\r\n" + Marker + "\r\ncredential_process = x\r\noutput = json",
			"[profile p]\r\n" + Marker + "\r\ncredential_process = x\r\noutput = json\r\n", Updated},
		{"replace at EOF without newline", "[profile p]\r\n" + Marker + "\r\nregion = 1",
			"[profile p]\r\n" + Marker + "\r\ncredential_process = x\r\n", Updated},
		{"marker with trailing blanks", "[profile p]\n" + Marker + " \t\nregion = 1\n", "[profile p]\n" + Marker + "\ncredential_process = x\n", Updated},
		{"unchanged", "[profile p]\n" + Marker + "\ncredential_process = x\n\n", "[profile p]\n" + Marker + "\ncredential_process = x\n\n", Unchanged},
	}
	for _, tt := range tests {
		doc := ParseAWSConfig([]byte(tt.in))
		act, err := doc.SetProfile("p", block, false)
		if got := string(doc.Render()); err != nil || got != tt.want || act != tt.act {
			t.Errorf("%s: got %q, %v, %v; want %q, %v", tt.name, got, act, err, tt.want, tt.act)
		}
	}
}

func TestRemoveProfile(t *testing.T) {
	managed := "[profile p]\n" + Marker + "\ncredential_process = x\n"
	tests := []struct {
		name, in, want string
	}{
		{"only", managed, ""},
		{"at end", "[a]\n\n" + managed, "[a]\n"},
		{"in the middle", "[a]\n\n" + managed + "\n[b]\n", "[a]\n\n[b]\n"},
		{"first", managed + "\n[b]\n", "[b]\n"},
		{"comments stay", "[a]\n\n" + managed + "# about b\n[b]\n", "[a]\n\n# about b\n[b]\n"},
	}
	for _, tt := range tests {
		doc := ParseAWSConfig([]byte(tt.in))
		err := doc.RemoveProfile("p")
		if got := string(doc.Render()); err != nil || got != tt.want {
			t.Errorf("%s: got %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

func TestEditRefusals(t *testing.T) {
	block := []string{"[profile p]", Marker, "credential_process = x"}
	tests := []struct {
		name, in, profile string
		remove            bool
		want              string
	}{
		{"unmanaged", "[default]\n[profile p]\nregion = x\n", "p", false, "profile p (line 2) is not managed by spin"},
		{"marker not first", "[profile p]\nregion = x\n" + Marker + "\n", "p", true, "profile p (line 1) is not managed by spin"},
		{"duplicate", "[profile p]\n" + Marker + "\n[profile  p]\n", "p", false, "profile p is defined 2 times (lines 1, 3); merge them by hand"},
		{"default twice", "[default]\n[profile default]\n", "default", true, "profile default is defined 2 times (lines 1, 2); merge them by hand"},
		{"missing", "[profile q]\n", "p", true, "no such profile p"},
		// The near miss is a profile spin could remove: a managed one.
		{"missing near managed", "[profile prod-admin]\n" + Marker + "\n[profile prod-adm]\n", "prod-admn", true, "no such profile prod-admn (did you mean prod-admin?)"},
	}
	for _, tt := range tests {
		doc := ParseAWSConfig([]byte(tt.in))
		var err error
		if tt.remove {
			err = doc.RemoveProfile(tt.profile)
		} else {
			_, err = doc.SetProfile(tt.profile, block, false)
		}
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: got %v, want %q", tt.name, err, tt.want)
		}
		if got := string(doc.Render()); got != tt.in {
			t.Errorf("%s: the refused edit changed the document to %q", tt.name, got)
		}
	}
}

func TestSyncReportsEveryConflict(t *testing.T) {
	doc := ParseAWSConfig([]byte("[profile a]\n[default]\n[profile b]\n"))
	_, err := Sync(doc, testHelper, []AWSProfile{{Name: "a"}, {Name: "ok"}, {Name: "b"}}, SyncOptions{})
	var ue *UnmanagedError
	if !errors.As(err, &ue) || err.Error() != "profiles a (line 1), b (line 3) are not managed by spin" {
		t.Errorf("got %v, want one error naming a and b", err)
	}
}

func TestCredentialProcess(t *testing.T) {
	tests := []struct {
		h       Helper
		profile string
		want    string // or the start of the error
	}{
		{Helper{Path: "/usr/local/bin/spin"}, "p", "'/usr/local/bin/spin' credential-process p"},
		{Helper{Path: "/opt/my tools/spin", Config: "/etc/spin dir/c.yaml"}, "p", "'/opt/my tools/spin' --config '/etc/spin dir/c.yaml' credential-process p"},
		{Helper{Path: "/usr/bin/spin-credential-process", Lean: true}, "p", "'/usr/bin/spin-credential-process' p"},
		{Helper{Path: "/usr/bin/spin-credential-process", Lean: true, Config: "/c.yaml"}, "p", "'/usr/bin/spin-credential-process' --config '/c.yaml' p"},
		{Helper{Path: "/home/o'brien/spin"}, "p", "error: helper path \"/home/o'brien/spin\" contains a single quote"},
		{Helper{Path: "/usr/bin/spin", Config: "/x/it's.yaml"}, "p", "error: spin config path"},
		{Helper{Path: "spin"}, "p", "error: helper path \"spin\" is not absolute"},
		{Helper{Path: "/a #b/spin"}, "p", "error: helper path \"/a #b/spin\" contains \" #\""},
		{Helper{Path: "/a\nb/spin"}, "p", "error: helper path \"/a\\nb/spin\" contains a control character"},
		{Helper{Path: "/usr/bin/spin"}, "p;rm -rf ~", "error: profile name"},
	}
	for _, tt := range tests {
		got, err := tt.h.CredentialProcess(tt.profile)
		if err != nil {
			got = "error: " + err.Error()
		}
		if !strings.HasPrefix(got, tt.want) {
			t.Errorf("%+v.CredentialProcess(%q) = %q, want %q", tt.h, tt.profile, got, tt.want)
		}
	}
}

func TestListProfiles(t *testing.T) {
	doc := ParseAWSConfig(corpus(t)["managed"])
	want := append(testWant, AWSProfile{Name: "default"}, AWSProfile{Name: "absent", Region: "us-east-1"})
	rows, err := ListProfiles(doc, testHelper, want)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(rows)
	const exp = "[{default 2 false conflict} {assume-cloudspin_examples-account 5 true outdated} {spin-new 11 true up to date} " +
		"{stale-one 15 true stale} {user-after 20 false } {absent 0 false not written}]"
	if got != exp {
		t.Errorf("got %s\nwant %s", got, exp)
	}
}
