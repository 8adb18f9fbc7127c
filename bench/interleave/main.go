//go:build unix

// Command interleave times whole processes the way an SDK starts a
// credential helper, alternating between commands round by round so that
// the machine's load drifts over all of them alike (hyperfine runs one
// command's runs back to back). The first command is the baseline; each
// other one is reported as a multiple of it.
//
//	go run ./bench/interleave -rounds 300 -- ./bare './spin-credential-process bench'
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	rounds := flag.Int("rounds", 300, "rounds; each runs every command once")
	warmup := flag.Int("warmup", 20, "rounds run first and not counted")
	flag.Parse()
	cmds := flag.Args()
	if len(cmds) < 2 {
		fmt.Fprintln(os.Stderr, "usage: interleave [-rounds N] [-warmup N] BASELINE COMMAND...")
		os.Exit(2)
	}
	wall := make([][]time.Duration, len(cmds))
	cpu := make([][]time.Duration, len(cmds))
	for r := -*warmup; r < *rounds; r++ {
		for k := range cmds {
			i := (k + r + *warmup) % len(cmds) // rotate who goes first
			w, c, err := runOnce(cmds[i])
			if err != nil {
				fmt.Fprintf(os.Stderr, "interleave: %s: %v\n", cmds[i], err)
				os.Exit(1)
			}
			if r >= 0 {
				wall[i] = append(wall[i], w)
				cpu[i] = append(cpu[i], c)
			}
		}
	}
	fmt.Printf("%d interleaved rounds (after %d warm-up rounds)\n", *rounds, *warmup)
	fmt.Printf("%-48s %9s %9s %9s %9s %8s %8s\n", "command", "p10", "median", "p90", "cpu p50", "x p50", "x p90")
	base := stats(wall[0])
	for i, c := range cmds {
		s := stats(wall[i])
		if f := strings.Fields(c); len(f) > 0 {
			c = strings.Join(append([]string{filepath.Base(f[0])}, f[1:]...), " ")
		}
		fmt.Printf("%-48s %9s %9s %9s %9s %7.2fx %7.2fx\n", c, ms(s[0]), ms(s[1]), ms(s[2]), ms(stats(cpu[i])[1]),
			float64(s[1])/float64(base[1]), float64(s[2])/float64(base[2]))
	}
}

// runOnce runs cmd with stdout on a pipe it drains, as an SDK does, and
// returns its wall time and its user+system CPU time.
func runOnce(cmd string) (wall, cpu time.Duration, err error) {
	f := strings.Fields(cmd)
	c := exec.Command(f[0], f[1:]...)
	c.Stdout = io.Discard
	c.Stderr = os.Stderr
	start := time.Now()
	if err := c.Run(); err != nil {
		return 0, 0, err
	}
	wall = time.Since(start)
	if ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage); ok {
		cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return wall, cpu, nil
}

// stats returns p10, median and p90.
func stats(d []time.Duration) [3]time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[int(q*float64(len(s)-1)+0.5)] }
	return [3]time.Duration{at(0.1), at(0.5), at(0.9)}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3fms", float64(d)/1e6) }
