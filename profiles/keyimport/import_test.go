package keyimport

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/profiles"
)

const (
	impKeyID  = "AKIAIOSFODNN7EXAMPLE"
	impSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	impMFA    = "arn:aws:iam::123456789012:mfa/cloudspin_user"
	impRole   = "arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-account"
	// The walkthrough's files (steps 1.1 and 3), with content of the user's around.
	impCreds  = "[default]\naws_access_key_id = AKIAOTHEROTHEROTHER1\naws_secret_access_key = otherSecretotherSecretotherSecret0000000\n\n[cloudspin_user]\naws_access_key_id = " + impKeyID + "\naws_secret_access_key = " + impSecret + "\n"
	impConfig = "# mine\r\n[default]\r\nregion = us-west-2\r\n\r\n[profile cloudspin_user]\r\nmfa_serial = " + impMFA + "\r\n\r\n[profile assume-cloudspin_examples-account]\r\nrole_arn = " + impRole + "\r\nsource_profile = cloudspin_user\r\n"
)

// memStore is a KeyStore in memory that behaves as spind does: a put of an
// existing name needs Force unless it holds the same key, the list masks
// key ids.
type memStore struct {
	mu   sync.Mutex
	keys map[string]api.KeyRequest
	puts int
	// failPut refuses every put; lie lists a wrong masked key id.
	failPut, lie bool
	imported     map[string]string // SSO token files handed over, by source
}

type storeError struct{ msg, hint string }

func (e *storeError) Error() string { return e.msg }
func (e *storeError) Hint() string  { return e.hint }

func (m *memStore) PutKey(_ context.Context, name string, k api.KeyRequest) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failPut {
		return &storeError{"store key set: the keyring is unhappy", "check spind's log"}
	}
	if old, exists := m.keys[name]; exists && !k.Force {
		if old.AccessKeyID == k.AccessKeyID && old.SecretAccessKey.Equal(k.SecretAccessKey) && old.MFASerial == k.MFASerial {
			return nil
		}
		return &storeError{"key set " + name + " already exists", "add --force to replace it"}
	}
	m.keys[name] = k
	m.puts++
	return nil
}

// ImportSignin records the SSO tokens handed over, as spind would take them.
func (m *memStore) ImportSignin(_ context.Context, source string, in api.SigninImport) (api.SigninImported, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.imported == nil {
		m.imported = map[string]string{}
	}
	m.imported[source] = in.Cache
	return api.SigninImported{}, nil
}

func (m *memStore) ListKeys(context.Context) ([]api.KeyInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []api.KeyInfo
	for n, k := range m.keys {
		id := secret.MaskKeyID(k.AccessKeyID)
		if m.lie {
			id = "AKIA…LIES"
		}
		out = append(out, api.KeyInfo{Name: n, AccessKeyID: id, MFASerial: k.MFASerial})
	}
	return out, nil
}

func (m *memStore) Status(context.Context) (api.Status, error) {
	return api.Status{Backend: "mem"}, nil
}

// importHome is a HOME with the walkthrough's AWS files and a config.yaml.
type importHome struct {
	cfg, aws, creds string
}

func newImportHome(t *testing.T, spinConfig string) importHome {
	t.Helper()
	dir := t.TempDir()
	h := importHome{cfg: filepath.Join(dir, "spin", "config.yaml"), aws: filepath.Join(dir, "aws", "config"), creds: filepath.Join(dir, "aws", "credentials")}
	for path, data := range map[string]string{h.cfg: spinConfig, h.aws: impConfig, h.creds: impCreds} {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

func (h importHome) snapshot(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range []string{h.cfg, h.aws, h.creds} {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[p] = string(data)
	}
	return out
}

func TestKeySetImport(t *testing.T) {
	h := newImportHome(t, "")
	ctx := context.Background()
	ks := &memStore{keys: map[string]api.KeyRequest{}}
	// assume-cloudspin_examples-account still names cloudspin_user: the
	// keys are stored but stay in the file.
	imp, err := PlanKeySetImport(ctx, h.creds, h.aws, "cloudspin_user", "ci", true, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, removed, err := imp.Apply(ctx, ks, false); err != nil || len(removed) != 0 || !imp.Keep ||
		len(imp.Users) != 1 || imp.Users[0].Profile != "assume-cloudspin_examples-account" || h.snapshot(t)[h.creds] != impCreds {
		t.Fatalf("got %+v, %v, %v; want the keys kept for assume-cloudspin_examples-account", imp, removed, err)
	}
	// Forced, they go; storing the same key again needs no force.
	imp, err = PlanKeySetImport(ctx, h.creds, h.aws, "cloudspin_user", "ci", true, true)
	if err != nil {
		t.Fatal(err)
	}
	backend, removed, err := imp.Apply(ctx, ks, false)
	if err != nil {
		t.Fatal(err)
	}
	if k := ks.keys["ci"]; k.AccessKeyID != impKeyID || k.SecretAccessKey.Reveal() != impSecret || k.MFASerial != impMFA || backend != "mem" {
		t.Errorf("stored %+v in %q, want the walkthrough's key with its mfa_serial as key set ci", ks.keys, backend)
	}
	if want := []Removal{{Path: h.creds, Profile: "cloudspin_user"}}; !slices.EqualFunc(removed, want, func(a, b Removal) bool { return a.Path == b.Path && a.Profile == b.Profile && len(a.StillAt) == 0 }) {
		t.Errorf("removed %+v, want %+v", removed, want)
	}
	if got, want := h.snapshot(t)[h.creds], strings.Split(impCreds, "\n\n")[0]+"\n"; got != want {
		t.Errorf("credentials file:\n%q\nwant\n%q", got, want)
	}
	if _, err := os.Stat(h.creds + ".spin.bak"); err == nil {
		t.Errorf("a backup of the credentials file was kept")
	}
}

// Every refusal comes before anything is stored, and leaves the file.
func TestKeySetImportRefuses(t *testing.T) {
	tests := []struct {
		name, creds, from string
		setup             func(*memStore)
		want, hint        string
	}{
		{"a path", impCreds, "/home/me/.aws/credentials", nil, "--from-credentials-file takes a profile of the credentials file (the NAME of its [NAME] section), not the file /home/me/.aws/credentials",
			"to read another credentials file: AWS_SHARED_CREDENTIALS_FILE=/home/me/.aws/credentials spin keys import --from-credentials-file PROFILE"},
		{"missing profile", impCreds, "nobody", nil, "no access key in the credentials file", "the profile may use SSO or another credential source; add keys with 'spin keys add nobody'"},
		{"temporary", impCreds + "\n[tmp]\naws_access_key_id = ASIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\naws_session_token = y\n", "tmp", nil, "temporary keys", ""},
		{"key set exists", impCreds, "cloudspin_user", func(m *memStore) { m.keys["cloudspin_user"] = api.KeyRequest{AccessKeyID: "AKIAOLDOLDOLDOLDOLD1"} }, "key set cloudspin_user already exists with another key (AKIA…OLD1)", "add --force to replace it (nothing was changed)"},
		{"store fails", impCreds, "cloudspin_user", func(m *memStore) { m.failPut = true }, "store key set cloudspin_user: store key set: the keyring is unhappy (nothing was removed)", "check spind's log"},
		{"not read back", impCreds, "cloudspin_user", func(m *memStore) { m.lie = true }, "nothing was removed", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newImportHome(t, "")
			if err := os.WriteFile(h.creds, []byte(tt.creds), 0o600); err != nil {
				t.Fatal(err)
			}
			ks := &memStore{keys: map[string]api.KeyRequest{}}
			if tt.setup != nil {
				tt.setup(ks)
			}
			ctx := context.Background()
			imp, err := PlanKeySetImport(ctx, h.creds, h.aws, tt.from, tt.from, true, true)
			if err == nil {
				_, _, err = imp.Apply(ctx, ks, false)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), impSecret) || hint.Of(err) != tt.hint {
				t.Errorf("got %v (hint %q); want a refusal containing %q (hint %q)", err, hint.Of(err), tt.want, tt.hint)
			}
			if h.snapshot(t)[h.creds] != tt.creds {
				t.Errorf("the credentials file changed")
			}
		})
	}
}

func TestProfilesImportApply(t *testing.T) {
	h := newImportHome(t, "keyring:\n  backend: pass # mine\n")
	ctx := context.Background()
	ks := &memStore{keys: map[string]api.KeyRequest{}}
	plan := func(force bool) (*ProfilesImport, error) {
		cfg, err := profiles.Load(h.cfg)
		if err != nil {
			t.Fatal(err)
		}
		return PlanProfilesImport(ctx, cfg, profiles.Helper{Path: "/usr/bin/spin"}, h.aws, h.creds, ks, force)
	}
	imp, err := plan(false)
	if err != nil {
		t.Fatal(err)
	}
	removed, err := imp.Apply(ctx, ks)
	if err != nil || len(removed) != 1 || removed[0].Profile != "cloudspin_user" {
		t.Fatalf("got %+v, %v; want the keys of cloudspin_user removed", removed, err)
	}
	if k := ks.keys["cloudspin_user"]; k.AccessKeyID != impKeyID || k.MFASerial != impMFA {
		t.Errorf("stored %+v", ks.keys)
	}
	files := h.snapshot(t)
	wantYAML := "keyring:\n  backend: pass # mine\nprofiles:\n  assume-cloudspin_examples-account:\n    source: cloudspin_user\n    role_arn: " + impRole + "\n"
	if files[h.cfg] != wantYAML {
		t.Errorf("config.yaml:\n%s\nwant\n%s", files[h.cfg], wantYAML)
	}
	wantConf := strings.Split(impConfig, "[profile assume")[0] + "[profile assume-cloudspin_examples-account]\r\n" + profiles.Marker + "\r\ncredential_process = '/usr/bin/spin' credential-process assume-cloudspin_examples-account\r\n"
	if files[h.aws] != wantConf {
		t.Errorf("AWS config:\n%q\nwant\n%q", files[h.aws], wantConf)
	}
	if strings.Contains(files[h.creds], impSecret) || !strings.HasPrefix(impCreds, files[h.creds]) {
		t.Errorf("credentials file:\n%s\nwant [default] only", files[h.creds])
	}
	// Everything is adopted: a second plan finds nothing.
	if imp, err := plan(false); err != nil || len(imp.Profiles) != 0 {
		t.Errorf("second plan: %+v, %v; want nothing to import", imp, err)
	}
}

// A conflict with config.yaml, or a failure to store the keys, leaves
// every file as it was.
func TestProfilesImportChangesNothing(t *testing.T) {
	tests := []struct {
		name, spinConfig string
		setup            func(*memStore)
		want             string
	}{
		{"defined in config.yaml", "profiles:\n  assume-cloudspin_examples-account:\n    source: x\n", nil, "already defines profile assume-cloudspin_examples-account"},
		{"key set exists", "", func(m *memStore) { m.keys["cloudspin_user"] = api.KeyRequest{AccessKeyID: "AKIAOLDOLDOLDOLDOLD1"} }, "the keyring already holds key set cloudspin_user with another key (the keyring has AKIA…OLD1, [cloudspin_user] of the credentials file AKIA…MPLE)"},
		{"same key id, other secret", "", func(m *memStore) { m.keys["cloudspin_user"] = api.KeyRequest{AccessKeyID: impKeyID} }, "key set cloudspin_user already exists"},
		{"store fails", "", func(m *memStore) { m.failPut = true }, "nothing was removed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newImportHome(t, tt.spinConfig)
			ks := &memStore{keys: map[string]api.KeyRequest{}}
			if tt.setup != nil {
				tt.setup(ks)
			}
			before := h.snapshot(t)
			cfg, err := profiles.Load(h.cfg)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			imp, err := PlanProfilesImport(ctx, cfg, profiles.Helper{Path: "/usr/bin/spin"}, h.aws, h.creds, ks, false)
			if err == nil {
				_, err = imp.Apply(ctx, ks)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
			for p, data := range h.snapshot(t) {
				if before[p] != data {
					t.Errorf("%s changed", p)
				}
			}
			if tt.name != "store fails" && ks.puts != 0 {
				t.Errorf("%d keys stored, want none", ks.puts)
			}
		})
	}
}

// A failure after the keys are stored keeps the plaintext key and says
// how to resume; running the import again with force finishes the job.
func TestProfilesImportResumes(t *testing.T) {
	h := newImportHome(t, "")
	if out, err := exec.Command("chattr", "+i", h.aws).CombinedOutput(); err != nil {
		t.Skipf("chattr +i not possible here (needs root): %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("chattr", "-i", h.aws).Run() })
	ctx := context.Background()
	ks := &memStore{keys: map[string]api.KeyRequest{}}
	run := func(force bool) error {
		cfg, err := profiles.Load(h.cfg)
		if err != nil {
			t.Fatal(err)
		}
		imp, err := PlanProfilesImport(ctx, cfg, profiles.Helper{Path: "/usr/bin/spin"}, h.aws, h.creds, ks, force)
		if err != nil {
			return err
		}
		_, err = imp.Apply(ctx, ks)
		return err
	}
	err := run(false)
	if err == nil || !strings.Contains(err.Error(), "the keys are stored and") || hint.Of(err) != "fix it and run 'spin profiles import --force' again" {
		t.Fatalf("got %v (hint %q); want the failure and how to resume", err, hint.Of(err))
	}
	if files := h.snapshot(t); files[h.creds] != impCreds || files[h.aws] != impConfig {
		t.Errorf("a failed import removed the plaintext key or changed the AWS config")
	}
	if err := exec.Command("chattr", "-i", h.aws).Run(); err != nil {
		t.Fatal(err)
	}
	if err := run(true); err != nil || strings.Contains(h.snapshot(t)[h.creds], impSecret) {
		t.Errorf("resumed import: %v; want the keys removed", err)
	}
}

// Either order works: keys import (keys kept for the profile that names
// them, or removed with force) then profiles import adopts the profile, and
// the keys leave the file once nothing else needs them.
func TestKeysImportThenProfilesImport(t *testing.T) {
	for _, force := range []bool{false, true} {
		t.Run(fmt.Sprint("force=", force), func(t *testing.T) {
			h := newImportHome(t, "")
			ctx := context.Background()
			ks := &memStore{keys: map[string]api.KeyRequest{}}
			imp, err := PlanKeySetImport(ctx, h.creds, h.aws, "cloudspin_user", "cloudspin_user", true, force)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := imp.Apply(ctx, ks, false); err != nil {
				t.Fatal(err)
			}
			cfg, err := profiles.Load(h.cfg)
			if err != nil {
				t.Fatal(err)
			}
			pi, err := PlanProfilesImport(ctx, cfg, profiles.Helper{Path: "/usr/bin/spin"}, h.aws, h.creds, ks, false)
			if err != nil {
				t.Fatal(err)
			}
			var dry, real strings.Builder
			pi.Report(&dry, &dry, true, nil)
			removed, err := pi.Apply(ctx, ks)
			if err != nil {
				t.Fatalf("profiles import after keys import: %v", err)
			}
			pi.Report(&real, &real, false, removed)
			if len(pi.Profiles) != 1 || pi.Profiles[0].FromKeyring != force || len(pi.Skipped) != 0 {
				t.Errorf("plan %+v; want the profile imported", pi.ImportPlan)
			}
			if strings.Contains(h.snapshot(t)[h.creds], impSecret) {
				t.Errorf("the plaintext key is still in the credentials file")
			}
			// The dry run said what the real run did.
			wantDry := strings.ReplaceAll(strings.ReplaceAll(real.String(), "imported", "would import"), "removed the keys", "would remove the keys") + "dry run: nothing stored or written\n"
			if !force && sortedLines(dry.String()) != sortedLines(wantDry) {
				t.Errorf("dry run said\n%s\nthe real run\n%s", dry.String(), real.String())
			}
		})
	}
}

// A profile that cannot be imported (a setting spin does not carry) keeps
// its source's keys in the credentials file, while the profile that can be
// is imported; once it is fixed, importing again finishes the job.
func TestProfilesImportKeepsKeysForSkipped(t *testing.T) {
	h := newImportHome(t, "")
	skipped := "\n[profile tagged]\nrole_arn = " + impRole + "\nsource_profile = cloudspin_user\nsts_regional_endpoints = legacy\n"
	if err := os.WriteFile(h.aws, []byte(strings.ReplaceAll(impConfig, "\r", "")+skipped), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ks := &memStore{keys: map[string]api.KeyRequest{}}
	run := func() (*ProfilesImport, []Removal) {
		t.Helper()
		cfg, err := profiles.Load(h.cfg)
		if err != nil {
			t.Fatal(err)
		}
		imp, err := PlanProfilesImport(ctx, cfg, profiles.Helper{Path: "/usr/bin/spin"}, h.aws, h.creds, ks, false)
		if err != nil {
			t.Fatal(err)
		}
		removed, err := imp.Apply(ctx, ks)
		if err != nil {
			t.Fatal(err)
		}
		return imp, removed
	}
	imp, removed := run()
	if len(imp.Profiles) != 1 || len(removed) != 0 || !imp.Keys[0].Keep || imp.Keys[0].Users[0].Profile != "tagged" {
		t.Fatalf("got %+v, removed %v; want one import and the keys kept for tagged", imp.ImportPlan, removed)
	}
	var out strings.Builder
	imp.Report(&out, &out, false, removed)
	if !strings.Contains(out.String(), "spin: warning: the keys of [cloudspin_user] stay in "+h.creds+": tagged (line 12) of the AWS config still names it as source_profile") {
		t.Errorf("report:\n%s\nwant the kept keys explained", out.String())
	}
	if !strings.Contains(h.snapshot(t)[h.creds], impSecret) {
		t.Fatal("the keys tagged needs were removed")
	}
	// tagged fixed: the second import adopts it and removes the keys.
	fixed := strings.Replace(h.snapshot(t)[h.aws], "sts_regional_endpoints = legacy\n", "", 1)
	if err := os.WriteFile(h.aws, []byte(fixed), 0o600); err != nil {
		t.Fatal(err)
	}
	imp, removed = run()
	if len(imp.Profiles) != 1 || imp.Profiles[0].Profile.Name != "tagged" || !imp.Keys[0].Stored || len(removed) != 1 {
		t.Errorf("second import: %+v, removed %v", imp.ImportPlan, removed)
	}
	if strings.Contains(h.snapshot(t)[h.creds], impSecret) {
		t.Errorf("the keys are still in the credentials file")
	}
}

func sortedLines(s string) string {
	l := strings.Split(s, "\n")
	slices.Sort(l)
	return strings.Join(l, "\n")
}

// A profiles.KeyImport must never print its secret, whatever the verb.
func TestKeyImportDoesNotPrintSecret(t *testing.T) {
	c, err := profiles.ReadCredentials(profiles.ParseAWSConfig([]byte(impCreds)), "cloudspin_user")
	if err != nil {
		t.Fatal(err)
	}
	k := profiles.KeyImport{Credentials: c}
	b, _ := json.Marshal(k)
	for _, s := range []string{string(b), fmt.Sprintf("%v %+v %#v", k, k, k)} {
		if strings.Contains(s, impSecret) {
			t.Errorf("a profiles.KeyImport shows the secret: %s", s)
		}
	}
}
