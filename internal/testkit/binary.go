package testkit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var build struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// Binary returns the path of the aaa binary, built from ./cmd/aaa of this
// module on first use (once per test process, as the docs build it: `go
// build -o aaa ./cmd/aaa`). Call it from tests run by Main, which removes
// the binary when they end.
func Binary(t testing.TB) string {
	t.Helper()
	build.once.Do(func() {
		root, err := ModuleRoot()
		if err != nil {
			build.err = err
			return
		}
		if build.dir, build.err = os.MkdirTemp("", "aaa-testkit-"); build.err != nil {
			return
		}
		build.path = filepath.Join(build.dir, "aaa")
		cmd := exec.Command("go", "build", "-o", build.path, "./cmd/aaa")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			build.err = fmt.Errorf("go build ./cmd/aaa: %v\n%s", err, out)
		}
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.path
}

// Main runs a package's tests (call it from TestMain) and then removes
// what the test kit left outside t.TempDir(): the binary Binary built.
func Main(m *testing.M) {
	code := m.Run()
	if build.dir != "" {
		_ = os.RemoveAll(build.dir)
	}
	os.Exit(code)
}

// ModuleRoot is the directory holding go.mod, at or above the working
// directory (a test runs in its package's directory).
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
		dir = parent
	}
}
