// Command release builds spin's release into dist/: archives for each
// platform (three binaries, LICENSE, README, completions, man pages), .deb
// and .rpm for linux, an SBOM per archive, a Homebrew formula and
// SHA256SUMS. Two runs of one commit give the same bytes: builds are
// -trimpath with CGO_ENABLED=0, times come from the commit
// (SOURCE_DATE_EPOCH), archives have fixed owners and modes.
//
//	go run ./scripts/release -version v0.3.0
//	go run ./scripts/release -version v0.0.0-snapshot -platforms linux/amd64 -out dist-snapshot
//
// nfpm and cyclonedx-gomod run as Go tools pinned in tools/go.mod.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cloudspin/spin/internal/release"
	"github.com/cloudspin/spin/internal/service"
)

// allPlatforms are the default targets; windows/amd64 is a .zip (built,
// not run here: the README says so).
const allPlatforms = "linux/amd64,linux/arm64,darwin/amd64,darwin/arm64,windows/amd64"

// binaries are the commands every archive and package carries.
func binaries() []string { return []string{"spin", "spind", "spin-credential-process"} }

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

type opts struct {
	version   string // v0.3.0
	out       string
	platforms []string
	urlBase   string
	root      string // repository root
	commit    string
	date      time.Time
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	version := fs.String("version", "", "release version, v0.x.y (required)")
	out := fs.String("out", "dist", "output directory (emptied first)")
	platforms := fs.String("platforms", allPlatforms, "comma-separated GOOS/GOARCH list")
	urlBase := fs.String("url", "https://github.com/cloudspin/spin/releases/download/{{version}}/", "where the formula fetches archives from")
	commit := fs.String("commit", "", "commit to stamp (default: git rev-parse HEAD, -dirty if the tree is)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !regexp.MustCompile(`^v\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$`).MatchString(*version) {
		return fmt.Errorf("-version %q is not v<major>.<minor>.<patch>[-pre]: run make release VERSION=v0.1.0", *version)
	}
	// Run from the repository root (the Makefile does).
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(root, "cmd", "spind")); err != nil {
		return fmt.Errorf("run from the root of spin's repository: %w", err)
	}
	o := opts{version: *version, platforms: strings.Split(*platforms, ","), root: root, commit: *commit,
		urlBase: strings.ReplaceAll(*urlBase, "{{version}}", *version)}
	o.out, err = filepath.Abs(*out)
	if err != nil {
		return err
	}
	if rel, err := filepath.Rel(o.out, root); err == nil && !strings.HasPrefix(rel, "..") {
		return fmt.Errorf("-out %s holds the repository; it is emptied first: name a directory of its own", o.out)
	}
	if o.commit == "" {
		if o.commit, err = git(ctx, root, "rev-parse", "HEAD"); err != nil {
			return err
		}
		if dirty, _ := git(ctx, root, "status", "--porcelain", "--untracked-files=no"); dirty != "" {
			o.commit += "-dirty"
		}
	}
	// The commit's time, unless the caller fixed one.
	epoch := os.Getenv("SOURCE_DATE_EPOCH")
	if epoch == "" {
		if epoch, err = git(ctx, root, "log", "-1", "--format=%ct"); err != nil {
			return err
		}
	}
	sec, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil {
		return fmt.Errorf("SOURCE_DATE_EPOCH %q: %w", epoch, err)
	}
	o.date = time.Unix(sec, 0).UTC()
	return build(ctx, o)
}

func build(ctx context.Context, o opts) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	work, err := os.MkdirTemp("", "spin-release-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if err := os.RemoveAll(o.out); err != nil {
		return err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	env := append(os.Environ(), "SOURCE_DATE_EPOCH="+strconv.FormatInt(o.date.Unix(), 10))

	// Binaries, one go build per platform.
	for _, p := range o.platforms {
		goos, goarch, ok := strings.Cut(p, "/")
		if !ok {
			return fmt.Errorf("platform %q is not GOOS/GOARCH", p)
		}
		log.Info("building", "platform", p)
		dir := filepath.Join(work, goos+"_"+goarch, "bin")
		ldflags := fmt.Sprintf("-s -w -X %[1]s.Version=%[2]s -X %[1]s.Commit=%[3]s -X %[1]s.Date=%[4]s",
			"github.com/cloudspin/spin/internal/version", o.version, o.commit, o.date.Format(time.RFC3339))
		args := []string{"build", "-trimpath", "-buildvcs=false", "-ldflags=" + ldflags, "-o", dir + string(filepath.Separator)}
		for _, b := range binaries() {
			args = append(args, "./cmd/"+b)
		}
		if err := cmd(ctx, o.root, append(env, "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch, "GOFLAGS="), "go", args...); err != nil {
			return err
		}
	}

	// Man pages and completions, generated by a spin for this machine
	// built with the generator, which the shipped spin leaves out.
	host := filepath.Join(work, "host-spin")
	if err := cmd(ctx, o.root, env, "go", "build", "-tags", "releasedocs", "-o", host, "./cmd/spin"); err != nil {
		return err
	}
	docs := filepath.Join(work, "docs")
	if err := cmd(ctx, o.root, env, host, "__release-docs", docs); err != nil {
		return err
	}
	extra, err := docFiles(o, docs)
	if err != nil {
		return err
	}

	var artifacts []string
	var formula release.Formula
	formula.Version = strings.TrimPrefix(o.version, "v")
	for _, p := range o.platforms {
		goos, goarch, _ := strings.Cut(p, "/")
		name, err := writeArchive(o, work, goos, goarch, extra)
		if err != nil {
			return err
		}
		artifacts = append(artifacts, name)
		sbom, err := archiveSBOM(ctx, o, work, env, goos, goarch, name)
		if err != nil {
			return err
		}
		artifacts = append(artifacts, sbom)
		if goos == "linux" || goos == "darwin" {
			sum, err := release.SHA256(filepath.Join(o.out, name))
			if err != nil {
				return err
			}
			formula.Archives = append(formula.Archives, release.FormulaArchive{OS: goos, Arch: goarch, URL: o.urlBase + name, SHA256: sum})
		}
		if goos == "linux" {
			pkgs, err := packages(ctx, o, work, env, goarch, extra)
			if err != nil {
				return err
			}
			artifacts = append(artifacts, pkgs...)
		}
	}
	if len(formula.Archives) > 0 {
		rb, err := release.RenderFormula(filepath.Join(o.root, "packaging", "homebrew", "spin.rb.tmpl"), formula)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(o.out, "spin.rb"), rb, 0o644); err != nil {
			return err
		}
		artifacts = append(artifacts, "spin.rb")
	}
	if err := release.WriteSums(o.out, artifacts); err != nil {
		return err
	}
	log.Info("release written", "dir", o.out, "artifacts", len(artifacts))
	return nil
}

// docFiles returns what every archive carries besides the binaries.
func docFiles(o opts, docs string) ([]release.File, error) {
	var files []release.File
	for _, f := range []string{"LICENSE", "README.md"} {
		data, err := os.ReadFile(filepath.Join(o.root, f))
		if err != nil {
			return nil, err
		}
		files = append(files, release.File{Name: f, Data: data, Mode: 0o644})
	}
	spind, err := os.ReadFile(filepath.Join(o.root, "packaging", "man", "spind.1"))
	if err != nil {
		return nil, err
	}
	files = append(files, release.File{Name: "man/spind.1", Data: spind, Mode: 0o644})
	err = filepath.WalkDir(docs, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(docs, path)
		files = append(files, release.File{Name: filepath.ToSlash(rel), Data: data, Mode: 0o644})
		return nil
	})
	return files, err
}

func archiveBase(o opts, goos, goarch string) string {
	return "spin_" + strings.TrimPrefix(o.version, "v") + "_" + goos + "_" + goarch
}

func writeArchive(o opts, work, goos, goarch string, extra []release.File) (string, error) {
	base := archiveBase(o, goos, goarch)
	var files []release.File
	for _, b := range binaries() {
		if goos == "windows" {
			b += ".exe"
		}
		data, err := os.ReadFile(filepath.Join(work, goos+"_"+goarch, "bin", b))
		if err != nil {
			return "", err
		}
		files = append(files, release.File{Name: base + "/" + b, Data: data, Mode: 0o755})
	}
	for _, f := range extra {
		f.Name = base + "/" + f.Name
		files = append(files, f)
	}
	var buf bytes.Buffer
	name := base + ".tar.gz"
	var err error
	if goos == "windows" {
		name = base + ".zip"
		err = release.WriteZip(&buf, files, o.date)
	} else {
		err = release.WriteTarGz(&buf, files, o.date)
	}
	if err != nil {
		return "", err
	}
	return name, os.WriteFile(filepath.Join(o.out, name), buf.Bytes(), 0o644)
}

// archiveSBOM asks cyclonedx-gomod for each binary's BOM (from the build
// info in the binary, as `go version -m` reads it) and merges them.
func archiveSBOM(ctx context.Context, o opts, work string, env []string, goos, goarch, archive string) (string, error) {
	var boms [][]byte
	for _, b := range binaries() {
		if goos == "windows" {
			b += ".exe"
		}
		out := filepath.Join(work, goos+"_"+goarch, b+".cdx.json")
		bin := filepath.Join(work, goos+"_"+goarch, "bin", b)
		if err := tool(ctx, o, env, "cyclonedx-gomod", "bin", "-json", "-noserial", "-notimestamp", "-version", o.version, "-output", out, bin); err != nil {
			return "", err
		}
		data, err := os.ReadFile(out)
		if err != nil {
			return "", err
		}
		boms = append(boms, data)
	}
	merged, err := release.MergeSBOMs(archive, o.version, o.date, boms)
	if err != nil {
		return "", err
	}
	name := archive + ".cdx.json"
	return name, os.WriteFile(filepath.Join(o.out, name), merged, 0o644)
}

// packages stages the files of the .deb and .rpm and runs nfpm.
func packages(ctx context.Context, o opts, work string, env []string, goarch string, extra []release.File) ([]string, error) {
	stage := filepath.Join(work, "linux_"+goarch)
	write := func(name string, data []byte) error {
		p := filepath.Join(stage, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, data, 0o644)
	}
	for _, f := range extra {
		data := f.Data
		name := f.Name
		if strings.HasPrefix(name, "man/") {
			data, name = release.Gzip(data), name+".gz"
		}
		if err := write(name, data); err != nil {
			return nil, err
		}
	}
	unit, err := service.Render(service.Systemd, service.Unit{Spind: "/usr/bin/spind", Origin: "the spin package"})
	if err != nil {
		return nil, err
	}
	copyright, err := os.ReadFile(filepath.Join(o.root, "packaging", "deb", "copyright"))
	if err != nil {
		return nil, err
	}
	overrides, err := os.ReadFile(filepath.Join(o.root, "packaging", "deb", "lintian-overrides"))
	if err != nil {
		return nil, err
	}
	for name, data := range map[string][]byte{
		"spind.service": unit, "copyright": copyright, "lintian-overrides": overrides,
		"changelog.gz": release.Gzip(changelog(o)),
	} {
		if err := write(name, data); err != nil {
			return nil, err
		}
	}
	// nfpm takes the files' modes from its config and their times from
	// SOURCE_DATE_EPOCH.
	penv := append(env, "VERSION="+o.version, "ARCH="+goarch, "STAGE="+stage)
	var names []string
	for _, packager := range []string{"deb", "rpm"} {
		before, _ := os.ReadDir(o.out)
		if err := tool(ctx, o, penv, "nfpm", "package", "--config", filepath.Join(o.root, "packaging", "nfpm.yaml"),
			"--packager", packager, "--target", o.out+string(filepath.Separator)); err != nil {
			return nil, err
		}
		after, _ := os.ReadDir(o.out)
		for _, e := range after {
			if !slices.ContainsFunc(before, func(b os.DirEntry) bool { return b.Name() == e.Name() }) {
				names = append(names, e.Name())
			}
		}
	}
	if len(names) != 2 {
		return nil, errors.New("nfpm did not write one .deb and one .rpm")
	}
	return names, nil
}

// changelog is the Debian changelog of a native package: one entry for
// this release (lintian wants one; the project's history is in git).
func changelog(o opts) []byte {
	return fmt.Appendf(nil, "spin (%s) unstable; urgency=medium\n\n  * Release %s, commit %.12s.\n\n -- spin maintainers <spin@cloudspin.dev>  %s\n",
		debVersion(o.version), o.version, o.commit, o.date.Format(time.RFC1123Z))
}

// debVersion is how nfpm writes a semver in a .deb: the pre-release after a
// tilde, so that 0.3.0~rc1 sorts before 0.3.0.
func debVersion(v string) string {
	v = strings.TrimPrefix(v, "v")
	if base, pre, ok := strings.Cut(v, "-"); ok {
		return base + "~" + pre
	}
	return v
}

// tool runs a Go tool pinned in tools/go.mod.
func tool(ctx context.Context, o opts, env []string, name string, args ...string) error {
	return cmd(ctx, filepath.Join(o.root, "tools"), env, "go", append([]string{"tool", name}, args...)...)
}

func cmd(ctx context.Context, dir string, env []string, name string, args ...string) error {
	c := exec.CommandContext(ctx, name, args...)
	c.Dir, c.Env, c.Stdout, c.Stderr = dir, env, os.Stderr, os.Stderr
	if err := c.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}

func git(ctx context.Context, dir string, args ...string) (string, error) {
	c := exec.CommandContext(ctx, "git", args...)
	c.Dir = dir
	out, err := c.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}
