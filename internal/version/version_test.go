package version

import (
	"bytes"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestStampsWin(t *testing.T) {
	read := func() (string, string, bool) {
		t.Fatal("a stamped build must not read its executable")
		return "", "", false
	}
	i := get("v0.3.0", "1a2b3c4d5e6f7a8b9c0d", "2026-12-05T00:12:00Z", read)
	want := "spin v0.3.0 (commit 1a2b3c4d5e6f, built 2026-12-05T00:12:00Z, " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")"
	if got := i.Line("spin"); got != want {
		t.Errorf("Line = %q, want %q", got, want)
	}
}

func TestUnstampedBuildUsesModuleInfo(t *testing.T) {
	modinfo := "path\tgithub.com/cloudspin/spin/cmd/spind\n" +
		"mod\tgithub.com/cloudspin/spin\tv0.0.0-20261205001200-1a2b3c4d5e6f+dirty\t\n" +
		"dep\tgolang.org/x/sys\tv0.50.0\th1:abc=\n" +
		"build\t-trimpath=true\n" +
		"build\tvcs.revision=1a2b3c4d5e6f7a8b9c0d\n" +
		"build\tvcs.time=2026-12-05T00:12:00Z\n" +
		"build\tvcs.modified=true\n"
	i := get("", "", "", func() (string, string, bool) { return "go1.26.8", modinfo, true })
	want := Info{Version: "v0.0.0-20261205001200-1a2b3c4d5e6f+dirty", Commit: "1a2b3c4d5e6f7a8b9c0d", Modified: true,
		Date: "2026-12-05T00:12:00Z", Go: "go1.26.8", Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if i != want {
		t.Errorf("get = %+v, want %+v", i, want)
	}
	// A go build of a checkout without vcs info, or -buildvcs=false.
	i = get("", "", "", func() (string, string, bool) { return "go1.26.8", "mod\tgithub.com/cloudspin/spin\t(devel)\t\n", true })
	if i.Version != "dev" || i.Commit != "" || i.Line("spind") != "spind dev (go1.26.8 "+runtime.GOOS+"/"+runtime.GOARCH+")" {
		t.Errorf("devel build: %+v, line %q", i, i.Line("spind"))
	}
}

// The blob reader must agree with runtime/debug, which the Go team keeps
// in step with the linker.
func TestReadExecutableMatchesRuntimeDebug(t *testing.T) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("test binary has no build info")
	}
	gv, mi, ok := readExecutable()
	if !ok {
		t.Fatal("readExecutable found no build info in the test binary")
	}
	if gv != bi.GoVersion {
		t.Errorf("go version %q, runtime/debug says %q", gv, bi.GoVersion)
	}
	parsed, err := debug.ParseBuildInfo(mi)
	if err != nil {
		t.Fatalf("module info read from the executable does not parse: %v\n%q", err, mi)
	}
	if parsed.Path != bi.Path || parsed.Main != bi.Main || len(parsed.Deps) != len(bi.Deps) || len(parsed.Settings) != len(bi.Settings) {
		t.Errorf("module info differs:\nread:    %s\nruntime: %s", parsed, bi)
	}
}

func TestFindBuildInfoAcrossChunks(t *testing.T) {
	blob := buildInfoBlob("go1.26.8", "path\tx\nmod\tx\tv1.2.3\t\n")
	for _, at := range []int{0, 100, 1<<20 - 20, 1<<20 - 1, 1 << 20, 3<<20 + 7} {
		data := append(bytes.Repeat([]byte{0}, at), blob...)
		// A false start: the magic without a valid header.
		data = append([]byte(buildInfoMagic+"\x08\x00"), data...)
		gv, mi, ok := findBuildInfo(bytes.NewReader(data))
		if !ok || gv != "go1.26.8" || !strings.Contains(mi, "v1.2.3") {
			t.Errorf("blob at %d: ok=%v go=%q modinfo=%q", at, ok, gv, mi)
		}
	}
	if _, _, ok := findBuildInfo(bytes.NewReader(bytes.Repeat([]byte("x"), 3<<20))); ok {
		t.Error("found build info in a file without any")
	}
}

func buildInfoBlob(goVersion, modinfo string) []byte {
	b := []byte(buildInfoMagic + "\x08\x02")
	b = append(b, make([]byte, buildInfoHeader-len(b))...)
	wrapped := strings.Repeat("S", modInfoSentinels) + modinfo + strings.Repeat("E", modInfoSentinels)
	for _, s := range []string{goVersion, wrapped} {
		b = append(b, byte(len(s)&0x7f|0x80), byte(len(s)>>7))
		b = append(b, s...)
	}
	return b
}
