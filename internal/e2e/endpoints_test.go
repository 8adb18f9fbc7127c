package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A project shell's AWS_ENDPOINT_URL_STS and HTTPS_PROXY do not follow an
// autostarted spind (the helper starts it with an allow-listed
// environment), while `spin daemon start` from that shell uses them and
// says so; config.yaml's network: applies to both.
func TestAutostartIgnoresShellEndpointsExplicitStartUsesThem(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.addKeys()
	w.run("", "daemon", "stop")

	// The shell's STS: the emulator behind a counter.
	var shellSTS atomic.Int32
	sts := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		shellSTS.Add(1)
		w.emu.ServeHTTP(rw, r)
	}))
	defer sts.Close()
	// The shell's proxy: counts whoever connects, then hangs up.
	proxy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	var shellProxy atomic.Int32
	go func() {
		for {
			c, err := proxy.Accept()
			if err != nil {
				return
			}
			shellProxy.Add(1)
			c.Close()
		}
	}()
	// config.yaml's proxy goes nowhere, so a call to real AWS fails at once.
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + dead.Addr().String()
	dead.Close()

	conf := readWorldFile(t, w.config)
	noEndpoints := strings.Replace(conf, "endpoints:\n  sts: "+w.url+"\n", "", 1)
	if noEndpoints == conf {
		t.Fatalf("world config has no sts endpoint to drop:\n%s", conf)
	}
	w.writeFile(w.config, noEndpoints+"network:\n  https_proxy: "+deadURL+"\n")
	w.env = append(w.env, "AWS_ENDPOINT_URL_STS="+sts.URL, "HTTPS_PROXY=http://"+proxy.Addr().String())

	if _, errOut, err := w.helper("assume-test"); err == nil {
		t.Errorf("autostarted spind got credentials without an sts endpoint in config.yaml (stderr %q)", errOut)
	}
	if shellSTS.Load() != 0 || shellProxy.Load() != 0 {
		t.Errorf("autostarted spind used the shell's settings: %d STS calls, %d proxy connections", shellSTS.Load(), shellProxy.Load())
	}
	var st struct {
		Endpoints map[string]string `json:"endpoints"`
		Network   *struct {
			HTTPSProxy string `json:"https_proxy"`
		} `json:"network"`
	}
	if err := json.Unmarshal([]byte(w.run("", "status", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Endpoints) != 0 || st.Network == nil || st.Network.HTTPSProxy != deadURL {
		t.Errorf("autostarted spind's status: endpoints %v, network %+v; want none and config.yaml's proxy", st.Endpoints, st.Network)
	}
	w.run("", "daemon", "stop")

	// An explicit start from the same shell takes both and prints them.
	w.writeFile(w.config, noEndpoints)
	out := w.run("", "daemon", "start")
	for _, want := range []string{"sts endpoint: " + sts.URL, "https_proxy: http://" + proxy.Addr().String(), "(from environment)"} {
		if !strings.Contains(out, want) {
			t.Errorf("spin daemon start printed %q, want %q", out, want)
		}
	}
	if stdout, errOut, err := w.helper("assume-test"); err != nil || !strings.Contains(stdout, "AccessKeyId") {
		t.Fatalf("helper after an explicit start: %v\n%s%s", err, stdout, errOut)
	}
	if shellSTS.Load() == 0 {
		t.Error("explicit start did not use AWS_ENDPOINT_URL_STS")
	}
	if out := w.run("", "status"); !strings.Contains(out, "sts endpoint: "+sts.URL) {
		t.Errorf("spin status does not show the endpoint in use:\n%s", out)
	}
	if out := w.run("", "daemon", "status"); !strings.Contains(out, "sts endpoint: "+sts.URL) {
		t.Errorf("spin daemon status does not show the endpoint in use:\n%s", out)
	}

	// A second explicit start finds spind running and says the shell's
	// settings are not applied.
	w.env = append(w.env, "AWS_ENDPOINT_URL_STS=https://other.example")
	if _, errOut, err := w.try("", "daemon", "start"); err != nil || !strings.Contains(errOut, "already running") {
		t.Errorf("second daemon start: %v %q", err, errOut)
	}
}

// spind started through the helper keeps no descriptor the helper's parent
// leaked to it: 0 is /dev/null, 1 and 2 are its log, and the extra file the
// parent passed is closed.
func TestAutostartedSpindClosesInheritedFDs(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.addKeys()
	w.run("", "daemon", "stop")

	leaked := filepath.Join(w.root, "leaked-fd")
	f, err := os.Create(leaked)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := w.command(ctx, filepath.Join(filepath.Dir(w.spin), helperName), "assume-test")
	cmd.ExtraFiles = []*os.File{f} // fd 3 in the helper, without close-on-exec
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	pids := w.daemons()
	if len(pids) != 1 {
		t.Fatalf("spind pids %v, want 1", pids)
	}
	fdDir := fmt.Sprintf("/proc/%d/fd", pids[0])
	ents, err := os.ReadDir(fdDir)
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(w.home, ".local", "state", "spin", "spind.log")
	for _, e := range ents {
		target, _ := os.Readlink(filepath.Join(fdDir, e.Name()))
		switch e.Name() {
		case "0":
			if target != os.DevNull {
				t.Errorf("spind's stdin is %s, want /dev/null", target)
			}
		case "1", "2":
			if target != logPath {
				t.Errorf("spind's fd %s is %s, want its log %s", e.Name(), target, logPath)
			}
		default:
			if target == leaked {
				t.Errorf("spind kept the inherited fd %s on %s", e.Name(), target)
			}
		}
	}
	if log := readWorldFile(t, logPath); !strings.Contains(log, "closed inherited file descriptors") {
		t.Errorf("spind's log does not say it closed the inherited descriptor:\n%s", log)
	}
}
