package main

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/profiles"
)

const (
	importKeyID  = "AKIAIOSFODNN7EXAMPLE"
	importSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	importMFA    = "arn:aws:iam::123456789012:mfa/cloudspin_user"
	importRole   = "arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-account"
	// The walkthrough's files (steps 1.1 and 3), with content of the user's around.
	importCreds  = "[default]\naws_access_key_id = AKIAOTHEROTHEROTHER1\naws_secret_access_key = otherSecretotherSecretotherSecret0000000\n\n[cloudspin_user]\naws_access_key_id = " + importKeyID + "\naws_secret_access_key = " + importSecret + "\n"
	importConfig = "# mine\r\n[default]\r\nregion = us-west-2\r\n\r\n[profile cloudspin_user]\r\nmfa_serial = " + importMFA + "\r\n\r\n[profile assume-cloudspin_examples-account]\r\nrole_arn = " + importRole + "\r\nsource_profile = cloudspin_user\r\n"
)

// fakeSpind answers the key calls of spind's protocol on a unix socket.
type fakeSpind struct {
	mu   sync.Mutex
	keys map[string]api.KeyRequest
	puts int
	// failPut refuses every PUT; lie lists a wrong masked key id.
	failPut, lie bool
}

func startFakeSpind(t *testing.T) (*fakeSpind, string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "spinimp") // short: socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "broker.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSpind{keys: map[string]api.KeyRequest{}}
	fail := func(w http.ResponseWriter, status int, code, msg string) {
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(api.Error{Code: code, Message: msg})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /v1/keys/{name}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		k, err := api.DecodeKeyRequest(r.Body)
		_, exists := f.keys[r.PathValue("name")]
		switch {
		case err != nil || f.failPut:
			fail(w, http.StatusInternalServerError, api.CodeKeyring, "store key set: the keyring is unhappy")
		case exists && !k.Force:
			fail(w, http.StatusConflict, api.CodeConflict, "key set exists")
		default:
			f.keys[r.PathValue("name")] = k
			f.puts++
			w.WriteHeader(http.StatusNoContent)
		}
	})
	mux.HandleFunc("GET /v1/keys", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		out := []api.KeyInfo{}
		for n, k := range f.keys {
			id := k.AccessKeyID[:4] + "…" + k.AccessKeyID[len(k.AccessKeyID)-4:]
			if f.lie {
				id = "AKIA…LIES"
			}
			out = append(out, api.KeyInfo{Name: n, AccessKeyID: id, MFASerial: k.MFASerial})
		}
		_ = json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(api.Status{Backend: "fake"})
	})
	srv := &http.Server{Handler: mux}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close() })
	return f, sock
}

// newImportWorld is a HOME with the walkthrough's AWS files, spin's
// config.yaml holding no profiles, and a fake spind.
func newImportWorld(t *testing.T) (*profilesWorld, *fakeSpind, string) {
	t.Helper()
	w := newProfilesWorld(t, importConfig)
	f, sock := startFakeSpind(t)
	w.env["SPIN_SOCKET"] = sock
	creds := filepath.Join(w.home, ".aws", "credentials")
	for path, data := range map[string]string{creds: importCreds, w.spinConfig: "keyring:\n  backend: pass # mine\n"} {
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return w, f, creds
}

func TestKeysImport(t *testing.T) {
	w, f, creds := newImportWorld(t)
	out, errOut, code := w.spin("keys", "import", "--from-credentials-file", "cloudspin_user", "--remove")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	k := f.keys["cloudspin_user"]
	if k.AccessKeyID != importKeyID || k.SecretAccessKey.Reveal() != importSecret || k.MFASerial != importMFA {
		t.Errorf("spind got %+v, want the walkthrough's key with its mfa_serial", k)
	}
	wantOut := "stored key set cloudspin_user (AKIA…MPLE) from [cloudspin_user] of " + creds + " in the fake keyring\nremoved the keys of [cloudspin_user] from " + creds + "\n"
	if out != wantOut || strings.Contains(out+errOut, importSecret) {
		t.Errorf("got stdout %q, stderr %q; want %q", out, errOut, wantOut)
	}
	if got, want := readFile(t, creds), strings.Split(importCreds, "\n\n")[0]+"\n"; got != want {
		t.Errorf("credentials file:\n%q\nwant\n%q", got, want)
	}
	if got := dirEntries(t, filepath.Dir(creds)); slices.Contains(got, "credentials.spin.bak") {
		t.Errorf("a backup of the credentials file was kept: %q", got)
	}

	// Without --remove, under another name: the file stays, with a note.
	w2, f2, creds2 := newImportWorld(t)
	_, errOut, code = w2.spin("keys", "import", "--from-credentials-file", "cloudspin_user", "--name", "ci")
	if code != 0 || f2.keys["ci"].AccessKeyID != importKeyID || readFile(t, creds2) != importCreds || !strings.Contains(errOut, "still in") {
		t.Errorf("exit %d, stderr %q, keys %v: want key set ci stored and the file untouched", code, errOut, f2.keys)
	}
}

func TestKeysImportRefuses(t *testing.T) {
	tests := []struct {
		name, creds, from string
		setup             func(*fakeSpind)
		want              string
	}{
		{"missing profile", importCreds, "nobody", nil, "no access key in the credentials file"},
		{"temporary", importCreds + "\n[tmp]\naws_access_key_id = ASIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\naws_session_token = y\n", "tmp", nil, "temporary keys"},
		{"key set exists", importCreds, "cloudspin_user", func(f *fakeSpind) { f.keys["cloudspin_user"] = api.KeyRequest{AccessKeyID: "AKIAOLDOLDOLDOLDOLD1"} }, "already exists"},
		{"store fails", importCreds, "cloudspin_user", func(f *fakeSpind) { f.failPut = true }, "the keyring is unhappy (nothing was removed)"},
		{"not read back", importCreds, "cloudspin_user", func(f *fakeSpind) { f.lie = true }, "nothing was removed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, f, creds := newImportWorld(t)
			if err := os.WriteFile(creds, []byte(tt.creds), 0o600); err != nil {
				t.Fatal(err)
			}
			if tt.setup != nil {
				tt.setup(f)
			}
			_, errOut, code := w.spin("keys", "import", "--from-credentials-file", tt.from, "--remove")
			if code == 0 || !strings.Contains(errOut, tt.want) || strings.Contains(errOut, importSecret) {
				t.Errorf("exit %d, stderr %q; want a refusal containing %q", code, errOut, tt.want)
			}
			if readFile(t, creds) != tt.creds {
				t.Errorf("the credentials file changed")
			}
		})
	}
}

func TestProfilesImport(t *testing.T) {
	w, f, creds := newImportWorld(t)
	out, errOut, code := w.spin("profiles", "import")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if k := f.keys["cloudspin_user"]; k.AccessKeyID != importKeyID || k.MFASerial != importMFA {
		t.Errorf("spind got %+v", f.keys)
	}
	wantOut := "imported profile assume-cloudspin_examples-account (key set cloudspin_user, role " + importRole + ")\n" +
		"removed the keys of [cloudspin_user] from " + creds + "\n"
	if out != wantOut || errOut != "" {
		t.Errorf("got stdout %q, stderr %q; want %q", out, errOut, wantOut)
	}
	wantYAML := "keyring:\n  backend: pass # mine\nprofiles:\n  assume-cloudspin_examples-account:\n    source: cloudspin_user\n    role_arn: " + importRole + "\n"
	if got := readFile(t, w.spinConfig); got != wantYAML {
		t.Errorf("config.yaml:\n%s\nwant\n%s", got, wantYAML)
	}
	block := strings.ReplaceAll(w.block("assume-cloudspin_examples-account", ""), "region = eu-west-1\n", "")
	wantConf := strings.Split(importConfig, "[profile assume")[0] + strings.ReplaceAll(block, "\n", "\r\n")
	if got := readFile(t, w.awsConfig); got != wantConf {
		t.Errorf("~/.aws/config:\n%q\nwant\n%q", got, wantConf)
	}
	if got := readFile(t, creds); strings.Contains(got, importSecret) || !strings.HasPrefix(importCreds, got) {
		t.Errorf("credentials file:\n%s\nwant [default] only", got)
	}

	// Everything is adopted: a second run finds nothing and changes nothing.
	_, errOut, code = w.spin("profiles", "import")
	if code != 0 || !strings.Contains(errOut, "no role_arn + source_profile profiles to import") || f.puts != 1 {
		t.Errorf("second run: exit %d, stderr %q, %d stores", code, errOut, f.puts)
	}
}

// A dry run, a conflict with config.yaml, or a failure to store the keys
// leaves every file as it was.
func TestProfilesImportChangesNothing(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		spinConfig string
		setup      func(*fakeSpind)
		wantCode   int
		want       string
	}{
		{"dry run", []string{"--dry-run"}, "", nil, 0, "would import profile assume-cloudspin_examples-account"},
		{"defined in config.yaml", nil, "profiles:\n  assume-cloudspin_examples-account:\n    source: x\n", nil, 1, "already defines profile assume-cloudspin_examples-account"},
		{"key set exists", nil, "", func(f *fakeSpind) { f.keys["cloudspin_user"] = api.KeyRequest{AccessKeyID: importKeyID} }, 1, "add --force"},
		{"store fails", nil, "", func(f *fakeSpind) { f.failPut = true }, 1, "nothing was removed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, f, creds := newImportWorld(t)
			if tt.spinConfig != "" {
				if err := os.WriteFile(w.spinConfig, []byte(tt.spinConfig), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if tt.setup != nil {
				tt.setup(f)
			}
			before := map[string]string{}
			for _, p := range []string{w.spinConfig, w.awsConfig, creds} {
				before[p] = readFile(t, p)
			}
			out, errOut, code := w.spin(append([]string{"profiles", "import"}, tt.args...)...)
			if code != tt.wantCode || !strings.Contains(out+errOut, tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, out, errOut, tt.wantCode, tt.want)
			}
			for p, data := range before {
				if readFile(t, p) != data {
					t.Errorf("%s changed", p)
				}
			}
			if tt.name != "store fails" && f.puts != 0 {
				t.Errorf("%d keys stored, want none", f.puts)
			}
		})
	}
}

// profiles.KeyImport must never print its secret, whatever the verb.
func TestKeyImportDoesNotPrintSecret(t *testing.T) {
	doc := profiles.ParseAWSConfig([]byte(importCreds))
	c, err := profiles.ReadCredentials(doc, "cloudspin_user")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(profiles.KeyImport{Credentials: c})
	if strings.Contains(string(b), importSecret) {
		t.Errorf("JSON of a KeyImport shows the secret: %s", b)
	}
}

// A failure after the keys are stored keeps the plaintext key, and running
// the import again with --force finishes the job.
func TestProfilesImportResumes(t *testing.T) {
	w, _, creds := newImportWorld(t)
	if out, err := exec.Command("chattr", "+i", w.awsConfig).CombinedOutput(); err != nil {
		t.Skipf("chattr +i not possible here (needs root): %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("chattr", "-i", w.awsConfig).Run() })
	_, errOut, code := w.spin("profiles", "import")
	if code != 1 || !strings.Contains(errOut, "the keys are stored and") || !strings.Contains(errOut, "spin: hint: fix it and run 'spin profiles import --force' again") {
		t.Fatalf("exit %d, stderr %q; want the failure and how to resume", code, errOut)
	}
	if readFile(t, creds) != importCreds || readFile(t, w.awsConfig) != importConfig {
		t.Errorf("a failed import removed the plaintext key or changed ~/.aws/config")
	}
	if err := exec.Command("chattr", "-i", w.awsConfig).Run(); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := w.spin("profiles", "import", "--force"); code != 0 || strings.Contains(readFile(t, creds), importSecret) {
		t.Errorf("resumed import: exit %d, stderr %q; want the keys removed", code, errOut)
	}
}
