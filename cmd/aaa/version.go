package main

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// Set at build time by the Makefile, the Dockerfile and .goreleaser.yaml:
//
//	-ldflags "-X main.version=v1.2.0 -X main.commit=abc1234 -X main.date=2026-11-30T12:00:00Z"
//
// A plain `go build` leaves them empty; buildInfo then reads the commit and
// its time from the Go toolchain's VCS stamp.
var (
	version = ""
	commit  = ""
	date    = ""
)

// build is what this binary reports as its version.
type build struct {
	Version, Commit, Date string
	// Modified is true when the binary was built from a tree with
	// uncommitted changes (VCS stamp only).
	Modified bool
}

// buildInfo is the binary's version, commit and build date: the -ldflags
// values, else the module version and VCS stamp Go records, else "dev".
func buildInfo() build {
	b := build{Version: version, Commit: commit, Date: date}
	if info, ok := debug.ReadBuildInfo(); ok {
		if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if b.Commit == "" {
					b.Commit = s.Value
				}
			case "vcs.time":
				if b.Date == "" {
					b.Date = s.Value
				}
			case "vcs.modified":
				b.Modified = s.Value == "true" && commit == ""
			}
		}
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	if len(b.Commit) > 12 {
		b.Commit = b.Commit[:12]
	}
	return b
}

// String is the one-line version: "v1.2.0 (commit abc1234, built
// 2026-11-30T12:00:00Z)".
func (b build) String() string {
	var parts []string
	if b.Commit != "" {
		c := "commit " + b.Commit
		if b.Modified {
			c += " with local changes"
		}
		parts = append(parts, c)
	}
	if b.Date != "" {
		parts = append(parts, "built "+b.Date)
	}
	if len(parts) == 0 {
		return b.Version
	}
	return fmt.Sprintf("%s (%s)", b.Version, strings.Join(parts, ", "))
}
