package main

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The helper runs once per SDK client start; the keyring library dials
// D-Bus in its init, so cmd/spin must never link it (DESIGN.md).
func TestSpinDoesNotLinkKeyring(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/cloudspin/spin/cmd/spin").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	banned := func(dep string) bool {
		for _, prefix := range []string{"github.com/99designs/keyring", "github.com/godbus/dbus", "github.com/cloudspin/spin/keystore"} {
			if dep == prefix || strings.HasPrefix(dep, prefix+"/") {
				return true
			}
		}
		// The server package holds the STS client and the keyring; its
		// client and api subpackages are what spin is meant to link.
		return dep == "github.com/cloudspin/spin/broker"
	}
	for _, dep := range strings.Fields(string(out)) {
		if banned(dep) {
			t.Errorf("cmd/spin links %s", dep)
		}
	}
	if !strings.Contains(string(out), "github.com/cloudspin/spin/broker/client") {
		t.Errorf("go list output does not include broker/client; is the check looking at the right package?\n%s", out)
	}
}

// `spin credential-process` starts once per SDK client, and every command
// pays for every linked package's init: the AWS SDK's config loader pulls
// in the STS, SSO and Sign-In clients and their endpoint tables (~3 ms of
// init), cobra/doc and blackfriday another millisecond. The SDK read-back
// of the AWS files spin writes runs in spind (internal/sdkcheck); man pages
// are written by a release build (-tags releasedocs).
func TestSpinDoesNotLinkSDKOrDocs(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/cloudspin/spin/cmd/spin").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	for _, dep := range deps {
		switch {
		case dep == "github.com/aws/aws-sdk-go-v2/config",
			strings.HasPrefix(dep, "github.com/aws/aws-sdk-go-v2/service/"),
			strings.HasPrefix(dep, "github.com/aws/aws-sdk-go-v2/credentials"),
			dep == "github.com/cloudspin/spin/internal/sdkcheck/sdkread",
			dep == "github.com/spf13/cobra/doc",
			strings.HasPrefix(dep, "github.com/russross/blackfriday"),
			strings.HasPrefix(dep, "github.com/cpuguy83/go-md2man"):
			t.Errorf("cmd/spin links %s", dep)
		}
	}
	if !slices.Contains(deps, "github.com/cloudspin/spin/internal/sdkcheck") {
		t.Errorf("go list output lacks internal/sdkcheck; is the check looking at the right package?\n%s", out)
	}
}

// The lean helper must stay lean: its start-up cost is the helper's speed
// goal (docs/benchmarks.md). Without net and cgo it is a static binary, so
// a plain `go build`/`go install` gives the fast one: no dynamic loader,
// no cgo start-up.
func TestLeanHelperImports(t *testing.T) {
	const helper = "github.com/cloudspin/spin/cmd/spin-credential-process"
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{len .CgoFiles}}", helper).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	var deps []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		dep, cgoFiles, _ := strings.Cut(line, " ")
		deps = append(deps, dep)
		if cgoFiles != "0" {
			t.Errorf("spin-credential-process links %s, which has cgo files", dep)
		}
		// Its common path links broker/credask alone: encoding/json, fmt
		// and slog (through broker/api and the rare paths of
		// broker/credproc) cost start-up time on every run.
		for _, heavy := range []string{"net", "runtime/cgo", "os/user", "net/http", "github.com/spf13/cobra", "github.com/99designs/keyring", "github.com/aws/", "gopkg.in/yaml.v3", "github.com/hashicorp/",
			"encoding/json", "fmt", "log/slog", "github.com/cloudspin/spin/broker/api", "github.com/cloudspin/spin/broker/credproc", "github.com/cloudspin/spin/broker/launch"} {
			if dep == heavy || strings.HasPrefix(dep, strings.TrimSuffix(heavy, "/")+"/") {
				t.Errorf("spin-credential-process links %s", dep)
			}
		}
	}
	if !slices.Contains(deps, "github.com/cloudspin/spin/broker/credask") || !slices.Contains(deps, "github.com/cloudspin/spin/broker/sock") {
		t.Errorf("go list output lacks broker/credask or broker/sock:\n%s", out)
	}
}

// What `go build` makes of the helper, with cgo enabled as it is by
// default, is static: no program interpreter (ld.so) to run first.
func TestLeanHelperIsStatic(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the helper")
	}
	bin := filepath.Join(t.TempDir(), "spin-credential-process")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/cloudspin/spin/cmd/spin-credential-process")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Skipf("not an ELF binary here: %v", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("the helper is dynamically linked (it has a PT_INTERP): something pulls in cgo")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the helper needs shared libraries %v", libs)
	}
}

// spin's own packages do no work at start-up (regexps are compiled and
// tables such as stackrun's schema built on first use): `spin
// credential-process` starts once per SDK client when used as the
// helper, and every command pays for every package's init. Package-level
// errors and literals stay well under the limit; stackrun's schema alone
// was 3 KiB.
func TestSpinPackagesInitCheaply(t *testing.T) {
	if testing.Short() {
		t.Skip("builds spin")
	}
	bin := filepath.Join(t.TempDir(), "spin")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/cloudspin/spin/cmd/spin").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "--help")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("spin --help: %v\n%s", err, out)
	}
	seen := 0
	for _, line := range strings.Split(string(out), "\n") {
		// init github.com/cloudspin/spin/profiles @119 ms, 0.015 ms clock, 576 bytes, 16 allocs
		f := strings.Fields(line)
		if len(f) < 9 || f[0] != "init" || !strings.HasPrefix(f[1], "github.com/cloudspin/spin/") {
			continue
		}
		seen++
		if bytes, err := strconv.Atoi(f[7]); err != nil || bytes > 2<<10 {
			t.Errorf("%s allocates %s bytes at init: compile regexps and build tables on first use", f[1], f[7])
		}
	}
	if seen == 0 {
		t.Fatalf("no init trace of spin's packages:\n%s", out)
	}
}
