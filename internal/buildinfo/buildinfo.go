// Package buildinfo says which otelbench is running: the VCS revision its build recorded.
package buildinfo

import "runtime/debug"

// Revision is the commit the binary was built from and whether the tree had changes; "" when the build recorded
// none (go run, go test, -buildvcs=false).
func Revision() (commit string, dirty bool) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "", false
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	return commit, dirty
}

// Version is otelbench's version for humans and image tags: the first 12 hex digits of its commit, "-dirty" when
// the tree had changes, or "dev" when the build recorded no commit.
func Version() string {
	commit, dirty := Revision()
	if commit == "" {
		return "dev"
	}
	v := commit[:min(len(commit), 12)]
	if dirty {
		v += "-dirty"
	}
	return v
}
