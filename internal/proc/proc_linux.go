package proc

import (
	"bytes"
	"os"
	"strconv"
	"strings"
)

// exeOf is /proc/PID/exe. A process that made itself non-dumpable hides it
// even from its own uid; its command name (comm, which it can set itself)
// is then shown in parentheses, so it never passes for a path.
func exeOf(pid int) string {
	if exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe"); err == nil {
		return strings.TrimSuffix(exe, " (deleted)")
	}
	if comm, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm"); err == nil {
		return "(" + strings.TrimSpace(string(comm)) + ")"
	}
	return Unknown
}

// parentOf reads the ppid from /proc/PID/stat, after the command name,
// which may itself contain spaces and parentheses.
func parentOf(pid int) int {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// argsOf is the process's argv from /proc/PID/cmdline.
func argsOf(pid int) []string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || len(data) == 0 {
		return nil
	}
	return strings.Split(strings.TrimRight(string(data), "\x00"), "\x00")
}
