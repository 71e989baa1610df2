package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// runAAA runs the binary in dir (no terminal: stdin is empty) and returns
// its combined output and exit status.
func runAAA(t *testing.T, dir string, env []string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, testkit.Binary(t), args...)
	cmd.Dir = dir
	cmd.Env = testkit.Environ(env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("aaa %v: %v", args, err)
	}
	return string(out), code
}

// Commands that read a database never create one: a typo in --db is an
// error naming the file (exit 2), and nothing appears on disk.
func TestReadingCommandsNeverCreateADatabase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
	}{
		{"tui", []string{"tui", "--db", "typo.db"}},
		{"tui sqlite:", []string{"tui", "--db", "sqlite:typo.db"}},
		{"rules list", []string{"rules", "list", "--db", "typo.db"}},
		{"rules export", []string{"rules", "export", "--db", "typo.db"}},
		{"webhooks list", []string{"webhooks", "list", "--db", "typo.db"}},
		{"backtest", []string{"backtest", "--rule", "r1", "--db", "typo.db"}},
		{"metadata jobs", []string{"metadata", "jobs", "--db", "typo.db"}},
		{"migrate --status", []string{"migrate", "--status", "--db", "typo.db"}},
		{"store copy --from", []string{"store", "copy", "--from", "sqlite:typo.db", "--to", "sqlite:target.db"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			out, code := runAAA(t, dir, nil, tt.args...)
			if code != 2 {
				t.Errorf("exit = %d, want 2\n%s", code, out)
			}
			if want := filepath.Join(dir, "typo.db"); !strings.Contains(out, want) || !strings.Contains(out, "does not exist") {
				t.Errorf("output does not say %s does not exist:\n%s", want, out)
			}
			if strings.Contains(out, "goroutine") || strings.Contains(out, "SQL logic error") {
				t.Errorf("stack trace or driver text:\n%s", out)
			}
			entries, err := os.ReadDir(dir)
			testkit.Must(t, err)
			for _, e := range entries {
				t.Errorf("created %s", e.Name())
			}
		})
	}
}

// The default database (./aaa.db, DATABASE_URL unset) is not created by a
// reading command either.
func TestReadingCommandDefaultDatabaseMissing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, code := runAAA(t, dir, nil, "rules", "list")
	if code != 2 || !strings.Contains(out, filepath.Join(dir, "aaa.db")) {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "aaa.db")); err == nil {
		t.Fatal("aaa.db created")
	}
}

// aaa migrate creates a new database (in an existing directory); the
// reading commands then open it.
func TestMigrateCreatesThenReadersOpen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if out, code := runAAA(t, dir, nil, "migrate", "--db", "new.db"); code != 0 || !strings.Contains(out, "applied 00001") {
		t.Fatalf("migrate: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "new.db")); err != nil {
		t.Fatal(err)
	}
	if out, code := runAAA(t, dir, nil, "rules", "list", "--db", "new.db"); code != 0 {
		t.Fatalf("rules list on the migrated database: exit %d\n%s", code, out)
	}
	if out, code := runAAA(t, dir, []string{"DATABASE_URL=sqlite:new.db"}, "migrate", "--status"); code != 0 || strings.Contains(out, "pending") {
		t.Fatalf("migrate --status: exit %d\n%s", code, out)
	}
}

// A --db value or DATABASE_URL aaa cannot use is refused before anything is
// opened: query parameters on a SQLite path are not a file name.
func TestBadDatabaseValuesRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		env   []string
		args  []string
		wants []string
	}{
		{"--db with mode=ro", nil, []string{"rules", "list", "--db", "x.db?mode=ro"}, []string{"--db", "mode"}},
		{"--db sqlite: with a parameter", nil, []string{"migrate", "--db", "sqlite:x.db?cache=shared"}, []string{"--db", "cache"}},
		{"--db unknown scheme", nil, []string{"tui", "--db", "file:x.db"}, []string{"--db", `"file"`}},
		{"DATABASE_URL with a parameter", []string{"DATABASE_URL=sqlite:x.db?_pragma=foo"}, []string{"migrate"}, []string{"DATABASE_URL", "_pragma"}},
		{"unparsable postgres URL", []string{"DATABASE_URL=postgres://aaa:s3cret@db:port/aaa"}, []string{"migrate"}, []string{"DATABASE_URL", "port"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			out, code := runAAA(t, dir, tt.env, tt.args...)
			if code != 2 {
				t.Errorf("exit = %d, want 2\n%s", code, out)
			}
			for _, w := range tt.wants {
				if !strings.Contains(out, w) {
					t.Errorf("output does not name %s:\n%s", w, out)
				}
			}
			if strings.Contains(out, "s3cret") {
				t.Errorf("output quotes the password:\n%s", out)
			}
			entries, err := os.ReadDir(dir)
			testkit.Must(t, err)
			for _, e := range entries {
				t.Errorf("created %s", e.Name())
			}
		})
	}
}

// aaa serve reports a bad DATABASE_URL with the other configuration
// problems, in one run.
func TestServeReportsBadDatabaseURLWithOtherProblems(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, code := runAAA(t, dir, []string{"DATABASE_URL=sqlite:aaa.db?mode=ro", "LOG_FORMAT=xml"}, "serve")
	if code != 2 {
		t.Fatalf("exit = %d, want 2\n%s", code, out)
	}
	for _, w := range []string{"DATABASE_URL", "mode=ro", "LOG_FORMAT"} {
		if !strings.Contains(out, w) {
			t.Errorf("output does not name %s:\n%s", w, out)
		}
	}
	entries, err := os.ReadDir(dir)
	testkit.Must(t, err)
	for _, e := range entries {
		t.Errorf("created %s", e.Name())
	}
}
