package release

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var testFiles = []File{
	{Name: "spin_1_linux_amd64/spin", Data: []byte("binary"), Mode: 0o755},
	{Name: "spin_1_linux_amd64/man/spin.1", Data: []byte(".TH SPIN 1"), Mode: 0o644},
	{Name: "spin_1_linux_amd64/LICENSE", Data: []byte("license"), Mode: 0o644},
}

func TestTarGzIsFixedAndSorted(t *testing.T) {
	mtime := time.Unix(1700000000, 0)
	var a, b bytes.Buffer
	if err := WriteTarGz(&a, testFiles, mtime); err != nil {
		t.Fatal(err)
	}
	// Same files in another order, later: the same bytes.
	rev := []File{testFiles[2], testFiles[0], testFiles[1]}
	time.Sleep(1100 * time.Millisecond)
	if err := WriteTarGz(&b, rev, mtime); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two writes of the same files differ")
	}
	gz, err := gzip.NewReader(&a)
	if err != nil {
		t.Fatal(err)
	}
	if gz.Name != "" || !gz.ModTime.IsZero() {
		t.Errorf("gzip header carries name %q, time %v", gz.Name, gz.ModTime)
	}
	tr := tar.NewReader(gz)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "root" || !h.ModTime.Equal(mtime) || !h.AccessTime.IsZero() {
			t.Errorf("%s: uid %d gid %d uname %q mtime %v atime %v", h.Name, h.Uid, h.Gid, h.Uname, h.ModTime, h.AccessTime)
		}
		want := int64(0o644)
		if strings.HasSuffix(h.Name, "/spin") || strings.HasSuffix(h.Name, "/") {
			want = 0o755
		}
		if h.Mode != want {
			t.Errorf("%s: mode %o, want %o", h.Name, h.Mode, want)
		}
	}
	want := "spin_1_linux_amd64/ spin_1_linux_amd64/LICENSE spin_1_linux_amd64/man/ spin_1_linux_amd64/man/spin.1 spin_1_linux_amd64/spin"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("entries %s, want %s", got, want)
	}
}

func TestZipIsFixed(t *testing.T) {
	mtime := time.Unix(1700000000, 0)
	var a, b bytes.Buffer
	if err := WriteZip(&a, testFiles, mtime); err != nil {
		t.Fatal(err)
	}
	if err := WriteZip(&b, []File{testFiles[1], testFiles[2], testFiles[0]}, mtime); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two writes of the same files differ")
	}
	zr, err := zip.NewReader(bytes.NewReader(a.Bytes()), int64(a.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if !f.Modified.Equal(mtime) {
			t.Errorf("%s: modified %v", f.Name, f.Modified)
		}
		if f.Name == "spin_1_linux_amd64/spin" && f.Mode().Perm() != 0o755 {
			t.Errorf("%s: mode %v", f.Name, f.Mode())
		}
	}
}

// Debian wants gzip -9n: no name, no time, the max-compression flag.
func TestGzipIsDebianStyle(t *testing.T) {
	z := Gzip([]byte("hello"))
	if z[4] != 0 || z[5] != 0 || z[6] != 0 || z[7] != 0 || z[3]&0x08 != 0 || z[8] != 2 {
		t.Errorf("gzip header % x: want no mtime, no name, XFL 2", z[:10])
	}
	if !bytes.Equal(z, Gzip([]byte("hello"))) {
		t.Error("not deterministic")
	}
}

func TestMergeSBOMs(t *testing.T) {
	bom := func(bin string, deps ...string) []byte {
		var comps []map[string]any
		for _, d := range deps {
			comps = append(comps, map[string]any{"bom-ref": "pkg:golang/" + d, "name": strings.Split(d, "@")[0], "version": strings.Split(d, "@")[1]})
		}
		b, _ := json.Marshal(map[string]any{
			"bomFormat": "CycloneDX", "specVersion": "1.6", "serialNumber": "urn:uuid:random",
			"metadata":     map[string]any{"timestamp": "now", "component": map[string]any{"bom-ref": bin, "name": "github.com/cloudspin/spin"}, "properties": []any{map[string]any{"name": "hash", "value": bin}}},
			"components":   comps,
			"dependencies": []any{map[string]any{"ref": bin, "dependsOn": []string{"pkg:golang/" + deps[0]}}},
		})
		return b
	}
	date := time.Unix(1700000000, 0)
	out, err := MergeSBOMs("spin_1_linux_amd64.tar.gz", "v1.0.0", date, [][]byte{bom("spin", "a@v1", "b@v2"), bom("spind", "b@v2", "c@v3")})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		SerialNumber string `json:"serialNumber"`
		Metadata     struct {
			Timestamp string
			Component struct {
				Name, Version string
				Components    []map[string]any
			}
		}
		Components   []struct{ Name, Version string }
		Dependencies []struct{ Ref string }
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	var comps []string
	for _, c := range got.Components {
		comps = append(comps, c.Name+"@"+c.Version)
	}
	if strings.Join(comps, " ") != "a@v1 b@v2 c@v3" || len(got.Metadata.Component.Components) != 2 ||
		got.Metadata.Component.Version != "v1.0.0" || got.Metadata.Timestamp != "2023-11-14T22:13:20Z" ||
		got.SerialNumber != "" || len(got.Dependencies) != 2 {
		t.Errorf("merged BOM:\n%s", out)
	}
	if _, err := MergeSBOMs("x", "v1", date, [][]byte{[]byte(`{"bomFormat":"SPDX"}`)}); err == nil {
		t.Error("merged a BOM that is not CycloneDX")
	}
}

func TestFormulaCarriesEveryArchive(t *testing.T) {
	f := Formula{Version: "1.2.3"}
	for i, p := range [][2]string{{"darwin", "amd64"}, {"darwin", "arm64"}, {"linux", "amd64"}, {"linux", "arm64"}} {
		f.Archives = append(f.Archives, FormulaArchive{OS: p[0], Arch: p[1], URL: "https://example.test/spin_1.2.3_" + p[0] + "_" + p[1] + ".tar.gz", SHA256: strings.Repeat(string(rune('1'+i)), 64)})
	}
	rb, err := RenderFormula(filepath.Join("..", "..", "packaging", "homebrew", "spin.rb.tmpl"), f)
	if err != nil {
		t.Fatal(err)
	}
	s := string(rb)
	for _, a := range f.Archives {
		i := strings.Index(s, `url "`+a.URL+`"`)
		if i < 0 || !strings.HasPrefix(s[i+len(`url "`+a.URL+`"`):], "\n      sha256 \""+a.SHA256+"\"") {
			t.Errorf("formula lacks %s with its checksum:\n%s", a.URL, s)
		}
	}
	for _, w := range []string{`version "1.2.3"`, "on_macos do", "on_linux do", "on_arm do", "on_intel do", `bin.install "spin", "spind", "spin-credential-process"`} {
		if !strings.Contains(s, w) {
			t.Errorf("formula lacks %q", w)
		}
	}
	// Every class, def and do block is closed (there is no ruby here).
	opened, closed := 0, 0
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasSuffix(l, " do"), strings.HasPrefix(l, "def "), strings.HasPrefix(l, "class "):
			opened++
		case l == "end":
			closed++
		}
	}
	if opened != closed || opened < 10 {
		t.Errorf("%d blocks opened, %d closed:\n%s", opened, closed, s)
	}
}

func TestWriteSums(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"b", "a"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteSums(dir, []string{"b", "a"}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	want := "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb  a\n3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d  b\n"
	if string(got) != want {
		t.Errorf("SHA256SUMS:\n%s\nwant\n%s", got, want)
	}
}
