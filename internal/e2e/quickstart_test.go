package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// quickStartBlock is one fenced block of the README's quick start.
type quickStartBlock struct {
	lang, text string
	line       int
}

// readQuickStart returns the fenced blocks between the README's
// <!-- quickstart ... --> and <!-- /quickstart --> markers, in order.
func readQuickStart(t *testing.T) []quickStartBlock {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var blocks []quickStartBlock
	var cur *quickStartBlock
	in := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "<!-- quickstart"):
			in = true
		case trimmed == "<!-- /quickstart -->":
			in = false
		case !in:
		case cur == nil && strings.HasPrefix(trimmed, "```"):
			cur = &quickStartBlock{lang: strings.TrimPrefix(trimmed, "```"), line: n}
		case cur != nil && trimmed == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			// Blocks are indented under their list item.
			cur.text += strings.TrimPrefix(line, "   ") + "\n"
		}
	}
	if in || cur != nil {
		t.Fatal("README.md: the quick start's markers or fences do not close")
	}
	return blocks
}

// The README's first quick start, run as written against the emulator:
// every command of its sh blocks in order on a terminal (the prompts
// answered as a user would), its yaml block as config.yaml, and its ini
// block must then be in ~/.aws/config. What the test adds is only what
// stands in for real AWS: the emulator's endpoint (config.yaml's
// endpoints:, the AWS CLI's --endpoint-url) and a file keyring.
func TestReadmeQuickStart(t *testing.T) {
	w := newWorld(t, worldOptions{backend: "file"})
	blocks := readQuickStart(t)
	langs := ""
	for _, b := range blocks {
		langs += b.lang + " "
	}
	// keys add; config.yaml; profiles write; its result; an AWS tool.
	if langs != "sh yaml sh ini sh " {
		t.Fatalf("README quick start blocks are %q, want sh yaml sh ini sh: update this test with the README", langs)
	}
	// The AWS CLI pages its output on a terminal: no pager, no waiting.
	w.env = append(w.env, "SPIN_KEYRING_PASSPHRASE=quick start passphrase", "PATH="+filepath.Dir(w.spin)+":"+os.Getenv("PATH"), "AWS_PAGER=")
	// The user's own AWS config, which the quick start must keep.
	const own = "[default]\nregion = us-west-2\n"
	w.writeFile(w.awsConf, own)
	for _, b := range blocks {
		switch b.lang {
		case "yaml":
			if !strings.Contains(b.text, "source: cloudspin_user") {
				t.Fatalf("README.md:%d: the config.yaml block no longer uses key set cloudspin_user", b.line)
			}
			w.writeFile(w.config, b.text+fmt.Sprintf("keyring:\n  backend: file\n  file_dir: %s\nendpoints:\n  sts: %s\n",
				filepath.Join(w.home, "keyring"), w.url))
		case "ini":
			helper := filepath.Join(filepath.Dir(w.spin), helperName)
			want := strings.ReplaceAll(b.text, "/usr/local/bin/spin-credential-process", helper)
			got := readWorldFile(t, w.awsConf)
			if !strings.Contains(got, want) || !strings.HasPrefix(got, own) {
				t.Errorf("README.md:%d: ~/.aws/config is\n%s\nwant your own lines, then\n%s", b.line, got, want)
			}
		case "sh":
			for _, cmd := range quickStartCommands(b.text) {
				out := w.runOnTerminal(t, cmd, map[string]string{
					"AWS access key id: ":     testKeyID,
					"AWS secret access key: ": testSecret,
				})
				if strings.Contains(cmd, "get-caller-identity") {
					want := fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/spin-%s", account, demoRole, currentUser(t))
					if !strings.Contains(out, want) {
						t.Errorf("README.md:%d: %s printed\n%s\nwant the role session %s", b.line, cmd, out, want)
					}
				}
				if strings.Contains(out, testSecret) {
					t.Errorf("%s echoed the secret:\n%s", cmd, out)
				}
			}
		}
	}

	// spin list shows the result in one row: the key set stored, the
	// profile written, the session the AWS CLI got.
	out := w.run("", "list")
	row := regexp.MustCompile(`(?m)^assume-cloudspin_examples-account +cloudspin_user \(key set\) +arn:aws:iam::` + account + `:role/` + demoRole + ` +up to date +expires in \d+m`)
	if !row.MatchString(out) {
		t.Errorf("spin list:\n%s\nwant a row matching %s", out, row)
	}
}

// quickStartCommands are a sh block's commands: comments and blank lines
// dropped.
func quickStartCommands(block string) []string {
	var cmds []string
	for _, line := range strings.Split(block, "\n") {
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			cmds = append(cmds, line)
		}
	}
	return cmds
}

// runOnTerminal runs cmd with sh on a pty, as a user at a terminal would,
// typing each answer once its prompt shows; the AWS CLI gets the
// emulator's endpoint (Debian's CLI ignores AWS_ENDPOINT_URL_*). It fails
// the test on a non-zero exit and returns what the terminal showed.
func (w *world) runOnTerminal(t *testing.T, cmd string, answers map[string]string) string {
	t.Helper()
	line := cmd
	if strings.HasPrefix(cmd, "aws ") {
		line = awsCLI + strings.TrimPrefix(cmd, "aws") + " --endpoint-url " + w.url
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	c := exec.CommandContext(ctx, "sh", "-c", line)
	c.Env = append([]string(nil), w.env...)
	c.Dir = w.home
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	ptmx, err := pty.Start(c)
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	var mu sync.Mutex
	var screen bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			mu.Lock()
			screen.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	answered := map[string]bool{}
	exited := make(chan error, 1)
	go func() { exited <- c.Wait() }()
	for {
		select {
		case err := <-exited:
			<-done
			if err != nil {
				t.Fatalf("%s: %v\nterminal:\n%s", cmd, err, screen.String())
			}
			return screen.String()
		case <-time.After(50 * time.Millisecond):
		}
		mu.Lock()
		shown := screen.String()
		mu.Unlock()
		for prompt, answer := range answers {
			if !answered[prompt] && strings.Contains(shown, prompt) {
				answered[prompt] = true
				if _, err := ptmx.Write([]byte(answer + "\r")); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}
