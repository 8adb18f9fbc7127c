//go:build unix

package keystore

import (
	"syscall"
	"testing"
	"time"

	"github.com/cloudspin/spin/internal/secret"
)

// BenchmarkDeriveFileKey reports what one unlock (and so one offline guess)
// costs with the parameters new keyrings get. Besides wall time it reports
// the CPU time per derivation, which a loaded machine does not inflate.
func BenchmarkDeriveFileKey(b *testing.B) {
	f := kdfFile{Version: 1, KDF: kdfArgon2id, KDFParams: DefaultKDF, Salt: make([]byte, 16)}
	pass := secret.New("correct horse battery staple")
	before := cpuTime(b)
	for b.Loop() {
		f.derive(pass)
	}
	b.ReportMetric(float64((cpuTime(b)-before).Milliseconds())/float64(b.N), "cpu-ms/op")
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
