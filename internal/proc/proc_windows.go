package proc

import (
	"unsafe"

	"golang.org/x/sys/windows"
)

// exeOf asks Windows for the image the process runs; a process of another
// session or a protected one is Unknown.
func exeOf(pid int) string {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return Unknown
	}
	defer windows.CloseHandle(h)
	buf := make([]uint16, windows.MAX_LONG_PATH)
	n := uint32(len(buf))
	if err := windows.QueryFullProcessImageName(h, 0, &buf[0], &n); err != nil {
		return Unknown
	}
	return windows.UTF16ToString(buf[:n])
}

// parentOf walks a process snapshot; Windows keeps the parent's pid even
// after the parent exited (and the pid may be reused), so a chain on
// Windows is a hint.
func parentOf(pid int) int {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return 0
	}
	defer windows.CloseHandle(snap)
	var pe windows.ProcessEntry32
	pe.Size = uint32(unsafe.Sizeof(pe))
	for err = windows.Process32First(snap, &pe); err == nil; err = windows.Process32Next(snap, &pe) {
		if int(pe.ProcessID) == pid {
			return int(pe.ParentProcessID)
		}
	}
	return 0
}

// identOf is the executable alone: another process's command line is in
// its PEB, out of reach without reading its memory; scripts and wrappers
// are not told apart.
func identOf(pid int) Ident { return Ident{exe: exeOf(pid)} }

// statOf: no start time, so no process of a chain is taken from a Cache.
func statOf(pid int) (ppid int, start uint64) { return parentOf(pid), 0 }
