package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// errServerRunning means another `aaa serve` works the same SQLite file.
var errServerRunning = errors.New("another aaa serve is already running on this database")

// lockSQLite makes this process the only `aaa serve` on a SQLite file: it
// takes an exclusive advisory lock on PATH.serve.lock (released by the
// kernel when the process ends, however it ends) and writes its pid there
// for the message a second server prints. The dashboard and the CLI never
// take it: they still open the file beside the server.
func lockSQLite(dbPath string) (release func(), err error) {
	lockPath := dbPath + ".serve.lock"
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", lockPath, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b, _ := os.ReadFile(lockPath)
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			who := ""
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil && pid > 0 {
				who = fmt.Sprintf(" (pid %d)", pid)
			}
			return nil, fmt.Errorf("%w%s: %s. Only one server may work a SQLite file; "+
				"the dashboard and the CLI can still open it. Stop the other server first, "+
				"or move to Postgres (aaa store copy) to run several", errServerRunning, who, dbPath)
		}
		return nil, fmt.Errorf("lock %s: %w", lockPath, err)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
		_ = os.Remove(lockPath)
	}, nil
}
