// Package version reports the build's version, shared by spin and spind so
// that `spin doctor` can tell when they differ.
package version

import "runtime/debug"

// Version is set at link time (-X) for releases; otherwise it comes from the
// module build info.
var Version = ""

// String returns the version.
func String() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return "dev"
}
