// Package version says which build of spin is running: version, commit,
// build date and Go version. spin, spind and the credential helper all
// print it, and `spin doctor` compares spin's with the running spind's.
//
// The package links nothing beyond what the lean credential helper already
// needs (no fmt, no runtime/debug): the helper checks --version before
// anything else and must stay fast to start.
package version

import (
	"runtime"
	"strings"
)

// Release builds stamp these at link time (see the Makefile's release
// target):
//
//	-X github.com/cloudspin/spin/internal/version.Version=v0.3.0
//	-X github.com/cloudspin/spin/internal/version.Commit=<commit sha>
//	-X github.com/cloudspin/spin/internal/version.Date=2026-12-05T00:12:00Z
//
// A `go install` or `go build` leaves them empty; the build info the Go
// linker embeds in every binary says the same then.
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// Info is one build's identity.
type Info struct {
	Version  string // v0.3.0, a module pseudo-version, or "dev"
	Commit   string // VCS revision, "" when unknown
	Modified bool   // the work tree had uncommitted changes
	Date     string // commit or build time, RFC 3339, "" when unknown
	Go       string // toolchain, e.g. go1.26.8
	Platform string // GOOS/GOARCH
}

// Get returns this binary's Info: the link-time stamps when present, else
// the build info embedded in the executable. An unstamped build reads its
// own executable for that, so callers that need it often keep the result.
func Get() Info { return get(Version, Commit, Date, readExecutable) }

// String returns the version alone ("v0.3.0", "dev"): what spind reports in
// its status and what `spin doctor` compares.
func String() string {
	i := Get()
	if i.Commit != "" && (i.Version == "dev" || i.Modified) {
		// Two dev builds differ by commit; a modified tree by anything.
		return i.Version + "+" + short(i.Commit) + dirty(i.Modified)
	}
	return i.Version
}

// Line is what `PROG --version` prints:
//
//	spin v0.3.0 (commit 1a2b3c4d5e6f, built 2026-12-05T00:12:00Z, go1.26.8 linux/amd64)
func (i Info) Line(prog string) string {
	var b strings.Builder
	b.WriteString(prog + " " + i.Version + " (")
	if i.Commit != "" {
		b.WriteString("commit " + short(i.Commit) + dirty(i.Modified) + ", ")
	}
	if i.Date != "" {
		b.WriteString("built " + i.Date + ", ")
	}
	b.WriteString(i.Go + " " + i.Platform + ")")
	return b.String()
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

func dirty(modified bool) string {
	if modified {
		return "-dirty"
	}
	return ""
}

// get combines stamps with embedded build info. read returns the Go
// version and module info text the linker embedded; it is called only when
// the binary was not stamped.
func get(ver, commit, date string, read func() (goVersion, modinfo string, ok bool)) Info {
	i := Info{Version: ver, Commit: commit, Date: date, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if ver != "" {
		return i
	}
	i.Version = "dev"
	goVersion, modinfo, ok := read()
	if !ok {
		return i
	}
	if goVersion != "" {
		i.Go = goVersion
	}
	parsed := parseModInfo(modinfo)
	if v := parsed.mainVersion; v != "" && v != "(devel)" {
		i.Version = v
	}
	i.Commit, i.Date, i.Modified = parsed.revision, parsed.time, parsed.modified
	return i
}

type modInfo struct {
	mainVersion string
	revision    string
	time        string
	modified    bool
}

// parseModInfo reads the text `go version -m` prints (and
// runtime/debug.BuildInfo.String returns): tab-separated lines such as
// "mod\tgithub.com/cloudspin/spin\tv0.3.0\th1:..." and
// "build\tvcs.revision=1a2b...".
func parseModInfo(s string) modInfo {
	var m modInfo
	for line := range strings.SplitSeq(s, "\n") {
		f := strings.Split(line, "\t")
		switch {
		case len(f) >= 3 && f[0] == "mod":
			m.mainVersion = f[2]
		case len(f) == 2 && f[0] == "build":
			k, v, _ := strings.Cut(f[1], "=")
			switch k {
			case "vcs.revision":
				m.revision = v
			case "vcs.time":
				m.time = v
			case "vcs.modified":
				m.modified = v == "true"
			}
		}
	}
	return m
}
