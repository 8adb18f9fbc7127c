package release

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestSnapshotRelease builds a snapshot release twice, the second time
// from a copy of the tree at another path, and checks what issue 17 asks
// of it: identical bytes, SHA256SUMS that verify, binaries for the platform
// their archive names and printing the stamped version, an SBOM listing
// the modules `go version -m` reports, a .deb lintian accepts with a unit
// systemd-analyze accepts and man pages man renders, and an .rpm with the
// same files. It takes a minute or two, so it runs only from `make
// release-check` (which `make test` runs) or with SPIN_RELEASE_CHECK=1.
// SPIN_RELEASE_PLATFORMS widens it (make test-long: all five).
func TestSnapshotRelease(t *testing.T) {
	if os.Getenv("SPIN_RELEASE_CHECK") == "" {
		t.Skip("set SPIN_RELEASE_CHECK=1 or run make release-check")
	}
	for _, tool := range []string{"lintian", "dpkg-deb", "rpm", "man", "systemd-analyze", "sha256sum", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: run scripts/install-deps.sh", tool)
		}
	}
	root := repoRoot(t)
	platforms := cmp.Or(os.Getenv("SPIN_RELEASE_PLATFORMS"), "linux/amd64")
	const version = "v0.0.0-snapshot"
	commit := strings.TrimSpace(run(t, root, "git", "rev-parse", "HEAD"))
	epoch := strings.TrimSpace(run(t, root, "git", "log", "-1", "--format=%ct"))

	tmp := t.TempDir()
	a, b := filepath.Join(tmp, "a"), filepath.Join(tmp, "b")
	release := func(dir, out string) {
		t.Helper()
		cmd := exec.Command("go", "run", "./scripts/release", "-version", version, "-commit", commit, "-platforms", platforms, "-out", out)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH="+epoch)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("release in %s: %v\n%s", dir, err, out)
		}
	}
	release(root, a)
	copyTree(t, root, filepath.Join(tmp, "src"))
	release(filepath.Join(tmp, "src"), b)

	t.Run("reproducible", func(t *testing.T) {
		sa, sb := readFile(t, filepath.Join(a, "SHA256SUMS")), readFile(t, filepath.Join(b, "SHA256SUMS"))
		if !bytes.Equal(sa, sb) {
			t.Errorf("two builds of %s differ:\n%s\n%s", commit, sa, sb)
		}
	})
	t.Run("checksums", func(t *testing.T) {
		out := run(t, a, "sha256sum", "-c", "--strict", "SHA256SUMS")
		entries, _ := os.ReadDir(a)
		for _, e := range entries {
			if e.Name() != "SHA256SUMS" && !strings.Contains(out, e.Name()+": OK") {
				t.Errorf("SHA256SUMS does not cover %s:\n%s", e.Name(), out)
			}
		}
	})
	for _, p := range strings.Split(platforms, ",") {
		goos, goarch, _ := strings.Cut(p, "/")
		t.Run("archive "+p, func(t *testing.T) { checkArchive(t, a, version, goos, goarch) })
	}
	if strings.Contains(platforms, "linux/amd64") {
		t.Run("deb", func(t *testing.T) { checkDeb(t, a, version) })
		t.Run("formula", func(t *testing.T) {
			rb := string(readFile(t, filepath.Join(a, "spin.rb")))
			sums := string(readFile(t, filepath.Join(a, "SHA256SUMS")))
			m := regexp.MustCompile(`(?m)^([0-9a-f]{64})  (spin_0\.0\.0-snapshot_linux_amd64\.tar\.gz)$`).FindStringSubmatch(sums)
			if m == nil || !strings.Contains(rb, `sha256 "`+m[1]+`"`) || !strings.Contains(rb, "/"+m[2]+`"`) {
				t.Errorf("formula does not carry the linux/amd64 archive's URL and checksum:\n%s", rb)
			}
		})
	}
}

func checkArchive(t *testing.T, dist, version, goos, goarch string) {
	base := "spin_" + strings.TrimPrefix(version, "v") + "_" + goos + "_" + goarch
	ext := ".tar.gz"
	exe := ""
	if goos == "windows" {
		ext, exe = ".zip", ".exe"
	}
	files := unpack(t, filepath.Join(dist, base+ext))
	dir := t.TempDir()
	var want []string
	for _, b := range []string{"spin", "spind", "spin-credential-process"} {
		want = append(want, base+"/"+b+exe)
	}
	want = append(want, base+"/LICENSE", base+"/README.md", base+"/man/spin.1", base+"/man/spind.1",
		base+"/completions/spin.bash", base+"/completions/_spin", base+"/completions/spin.fish", base+"/completions/spin.ps1")
	for _, w := range want {
		if _, ok := files[w]; !ok {
			t.Errorf("%s%s lacks %s", base, ext, w)
		}
	}
	sbom := readSBOM(t, filepath.Join(dist, base+ext+".cdx.json"))
	for _, b := range []string{"spin", "spind", "spin-credential-process"} {
		name := base + "/" + b + exe
		bin := filepath.Join(dir, b+exe)
		if err := os.WriteFile(bin, files[name], 0o755); err != nil {
			t.Fatal(err)
		}
		// The platform the archive's name says, from the build info.
		info := run(t, dir, "go", "version", "-m", bin)
		for _, s := range []string{"build\tGOOS=" + goos + "\n", "build\tGOARCH=" + goarch + "\n", "build\tCGO_ENABLED=0\n", "build\t-trimpath=true\n"} {
			if !strings.Contains(info, s) {
				t.Errorf("%s: go version -m lacks %q:\n%s", name, s, info)
			}
		}
		for _, p := range []string{repoRoot(t), strings.TrimSpace(run(t, dir, "go", "env", "GOMODCACHE"))} {
			if bytes.Contains(files[name], []byte(p)) {
				t.Errorf("%s carries the build path %s", name, p)
			}
		}
		// Every module go version -m reports is in the archive's SBOM.
		for _, m := range regexp.MustCompile(`(?m)^\s+dep\s+(\S+)\s+(\S+)`).FindAllStringSubmatch(info, -1) {
			if !sbom[m[1]+"@"+m[2]] {
				t.Errorf("%s: module %s@%s missing from the SBOM", name, m[1], m[2])
			}
		}
		if goos == runtime.GOOS && goarch == runtime.GOARCH {
			out := run(t, dir, bin, "--version")
			if !regexp.MustCompile(`^` + regexp.QuoteMeta(b+" "+version) + ` \(commit [0-9a-f]{12}(-dirty)?, built \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, go1\.\S+ ` + goos + "/" + goarch + `\)\n$`).MatchString(out) {
				t.Errorf("%s --version = %q", name, out)
			}
		}
	}
}

func checkDeb(t *testing.T, dist, version string) {
	debs, _ := filepath.Glob(filepath.Join(dist, "spin_*_amd64.deb"))
	rpms, _ := filepath.Glob(filepath.Join(dist, "spin-*.x86_64.rpm"))
	if len(debs) != 1 || len(rpms) != 1 {
		t.Fatalf("want one .deb and one .rpm for amd64, have %v %v", debs, rpms)
	}
	out, err := exec.Command("lintian", "--fail-on", "error", "--tag-display-limit", "0", debs[0]).CombinedOutput()
	if err != nil || regexp.MustCompile(`(?m)^E: `).Match(out) {
		t.Errorf("lintian: %v\n%s", err, out)
	} else if len(out) > 0 {
		t.Logf("lintian (no errors):\n%s", out)
	}
	x := t.TempDir()
	run(t, x, "dpkg-deb", "-x", debs[0], x)
	for _, b := range []string{"spin", "spind", "spin-credential-process"} {
		if out := run(t, x, filepath.Join(x, "usr/bin", b), "--version"); !strings.HasPrefix(out, b+" "+version+" (") {
			t.Errorf("/usr/bin/%s --version = %q", b, out)
		}
	}
	// systemd-analyze needs ExecStart to exist on this machine: verify a
	// copy pointing at the extracted spind, after checking that the path
	// is the packaged one.
	unit := string(readFile(t, filepath.Join(x, "usr/lib/systemd/user/spind.service")))
	if !strings.Contains(unit, "\nExecStart=\"/usr/bin/spind\"\n") || !strings.Contains(unit, "\nWantedBy=default.target\n") {
		t.Errorf("unit:\n%s", unit)
	}
	verify := filepath.Join(t.TempDir(), "spind.service")
	if err := os.WriteFile(verify, []byte(strings.ReplaceAll(unit, "/usr/bin/spind", filepath.Join(x, "usr/bin/spind"))), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("systemd-analyze", "verify", verify).CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	// The package enables nothing: no maintainer scripts, no wants links.
	if out := run(t, x, "dpkg-deb", "-I", debs[0]); regexp.MustCompile(`(?m)^\s+\d+ bytes,\s+\d+ lines\s+\*?\s*(postinst|preinst|prerm|postrm)`).MatchString(out) {
		t.Errorf("the .deb has maintainer scripts:\n%s", out)
	}
	pages, _ := filepath.Glob(filepath.Join(x, "usr/share/man/man1/*.1.gz"))
	if len(pages) < 10 || !slices.Contains(pages, filepath.Join(x, "usr/share/man/man1/spind.1.gz")) {
		t.Errorf("man pages: %v", pages)
	}
	for _, p := range pages {
		cmd := exec.Command("man", "-l", p)
		cmd.Env = append(os.Environ(), "MANWIDTH=80", "MAN_KEEP_FORMATTING=0")
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = io.Discard, &stderr
		if err := cmd.Run(); err != nil || stderr.Len() > 0 {
			t.Errorf("man -l %s: %v %s", filepath.Base(p), err, stderr.String())
		}
	}
	// spind's page is written by hand: it must name every flag spind has.
	help, _ := exec.Command(filepath.Join(x, "usr/bin/spind"), "--help").CombinedOutput()
	page := run(t, x, "sh", "-c", "zcat usr/share/man/man1/spind.1.gz")
	for _, m := range regexp.MustCompile(`(?m)^  -([a-z-]+)`).FindAllStringSubmatch(string(help), -1) {
		if !strings.Contains(page, `\-\-`+strings.ReplaceAll(m[1], "-", `\-`)) {
			t.Errorf("spind.1 does not document --%s", m[1])
		}
	}
	for _, c := range []string{"usr/share/bash-completion/completions/spin", "usr/share/zsh/vendor-completions/_spin", "usr/share/fish/vendor_completions.d/spin.fish"} {
		if _, err := os.Stat(filepath.Join(x, c)); err != nil {
			t.Errorf("completion: %v", err)
		}
	}
	run(t, x, "bash", "-n", "usr/share/bash-completion/completions/spin")
	if out := run(t, x, "bash", "-c", "source usr/share/bash-completion/completions/spin && complete -p spin"); !strings.Contains(out, "spin") {
		t.Errorf("bash completion registers nothing for spin: %q", out)
	}

	// The .rpm carries the same files, zsh's and the license's places
	// being Fedora's.
	debFiles := map[string]bool{}
	for _, l := range strings.Split(run(t, x, "dpkg-deb", "-c", debs[0]), "\n") {
		f := strings.Fields(l)
		if len(f) >= 6 && !strings.HasSuffix(f[5], "/") {
			debFiles[strings.TrimPrefix(f[5], ".")] = true
		}
	}
	rpmFiles := map[string]bool{}
	for _, f := range strings.Fields(run(t, x, "rpm", "-qlp", rpms[0])) {
		rpmFiles[f] = true
	}
	rename := map[string]string{
		"/usr/share/zsh/vendor-completions/_spin": "/usr/share/zsh/site-functions/_spin",
		"/usr/share/doc/spin/copyright":           "/usr/share/licenses/spin/LICENSE",
		"/usr/share/doc/spin/changelog.gz":        "",
		"/usr/share/lintian/overrides/spin":       "",
	}
	for f := range debFiles {
		want, ok := rename[f]
		if !ok {
			want = f
		}
		if want != "" && !rpmFiles[want] {
			t.Errorf("the .rpm lacks %s", want)
		}
		delete(rpmFiles, want)
	}
	for f := range rpmFiles {
		t.Errorf("the .rpm has %s, the .deb not", f)
	}
}

// unpack returns an archive's regular files by name.
func unpack(t *testing.T, path string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	if strings.HasSuffix(path, ".zip") {
		zr, err := zip.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		for _, f := range zr.File {
			if f.FileInfo().IsDir() {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			files[f.Name], err = io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
		}
		return files
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 {
			t.Errorf("%s: %s owned by %d:%d", path, h.Name, h.Uid, h.Gid)
		}
		if h.Typeflag == tar.TypeReg {
			files[h.Name], err = io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
		}
	}
}

// readSBOM returns the name@version of every component of a CycloneDX BOM.
func readSBOM(t *testing.T, path string) map[string]bool {
	t.Helper()
	var bom struct {
		BOMFormat  string `json:"bomFormat"`
		Components []struct {
			Name, Version string
		} `json:"components"`
	}
	if err := json.Unmarshal(readFile(t, path), &bom); err != nil || bom.BOMFormat != "CycloneDX" {
		t.Fatalf("%s: not a CycloneDX BOM: %v", path, err)
	}
	out := map[string]bool{}
	for _, c := range bom.Components {
		out[c.Name+"@"+c.Version] = true
	}
	return out
}

// copyTree copies the tracked and untracked-but-not-ignored files of the
// work tree, so that the second build sees exactly what the first did.
func copyTree(t *testing.T, root, dst string) {
	t.Helper()
	for _, f := range strings.Split(strings.TrimRight(run(t, root, "git", "ls-files", "-z", "-c", "-o", "--exclude-standard"), "\x00"), "\x00") {
		src := filepath.Join(root, f)
		st, err := os.Lstat(src)
		if err != nil || !st.Mode().IsRegular() {
			continue // deleted in the work tree, or a symlink such as .tools
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, f), readFile(t, src), st.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	return strings.TrimSpace(run(t, ".", "git", "rev-parse", "--show-toplevel"))
}

func run(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr)
	}
	return string(out)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
