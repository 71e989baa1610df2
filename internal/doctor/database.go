package doctor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// database checks the store; it reports whether the store answers, so the
// other sections can skip what needs it.
func (r *run) database(ctx context.Context) bool {
	const sec = SectionDatabase
	st := r.o.Store
	where := "Postgres"
	if r.o.SQLitePath != "" {
		where = "SQLite file " + r.o.SQLitePath
	}
	if st == nil {
		err := r.o.StoreError
		if err == nil {
			err = errors.New("no database configured")
		}
		r.add(sec, "Reachable", Fail, fmt.Sprintf("Cannot open %s: %v", where, err),
			"Check DATABASE_URL (or --db) and that the database server is running.")
		return false
	}
	if err := st.Ping(ctx); err != nil {
		r.add(sec, "Reachable", Fail, fmt.Sprintf("%s does not answer: %v", where, err),
			"Check DATABASE_URL (or --db) and that the database server is running.")
		return false
	}
	r.add(sec, "Reachable", Pass, where+" answers.", "")

	pending, err := st.SchemaCurrent(ctx)
	switch {
	case err != nil:
		r.add(sec, "Migrations", Fail, fmt.Sprintf("Cannot read the schema version: %v", err),
			"Run 'aaa migrate' (or start 'aaa serve', which migrates on start).")
	case pending > 0:
		r.add(sec, "Migrations", Fail, fmt.Sprintf("%d migration(s) are not applied: this database is older than this aaa.", pending),
			"Run 'aaa migrate' (or restart 'aaa serve', which migrates on start).")
	default:
		r.add(sec, "Migrations", Pass, "The schema is current.", "")
	}

	if err := st.CheckWrites(ctx); err != nil {
		r.add(sec, "Writable", Fail, fmt.Sprintf("The database does not accept writes: %v", err),
			"Check the disk (full, read-only), the file's owner, or that Postgres is not a read-only standby.")
	} else {
		r.add(sec, "Writable", Pass, "A test write was committed and removed.", "")
	}

	if r.o.SQLitePath != "" {
		r.fileMode(sec)
	}
	r.servers(ctx, sec)
	return true
}

// fileMode warns when the SQLite file (candidates' names and emails) is
// readable by other users.
func (r *run) fileMode(sec string) {
	path := r.o.SQLitePath
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		r.add(sec, "File mode", Fail, path+" does not exist.", "Check DATABASE_URL (or --db).")
		return
	}
	if err != nil {
		r.add(sec, "File mode", Warn, fmt.Sprintf("Cannot read the mode of %s: %v", path, err), "")
		return
	}
	mode := fi.Mode().Perm()
	if mode&0o077 != 0 {
		base := filepath.Base(path)
		r.add(sec, "File mode", Warn,
			fmt.Sprintf("%s is readable by other users (mode %#o); it holds candidates' names and emails.", base, mode),
			fmt.Sprintf("chmod 600 %s %s-wal %s-shm", path, path, path))
		return
	}
	r.add(sec, "File mode", Pass, fmt.Sprintf("%s is private to its owner (mode %#o).", filepath.Base(path), mode), "")
}

// servers reports the aaa servers whose heartbeat is fresh.
func (r *run) servers(ctx context.Context, sec string) {
	beats, err := r.o.Store.ListHeartbeats(ctx)
	if err != nil {
		r.add(sec, "Server", Warn, fmt.Sprintf("Cannot read the servers' heartbeats: %v", err), "")
		return
	}
	now := r.o.Now()
	var live []string
	for _, h := range beats {
		if !h.Live(now) {
			continue
		}
		desc := fmt.Sprintf("on %s (pid %d", h.Host, h.PID)
		if h.Version != "" {
			desc += ", version " + h.Version
		}
		desc += fmt.Sprintf(", last beat %s ago)", now.Sub(h.BeatAt).Round(time.Second))
		live = append(live, desc)
	}
	if len(live) == 0 {
		r.add(sec, "Server", Warn, "No aaa serve is running on this database: webhooks are not received and nothing is evaluated.",
			"Start 'aaa serve' with the same DATABASE_URL.")
		return
	}
	noun := "An aaa server is"
	if len(live) > 1 {
		noun = fmt.Sprintf("%d aaa servers are", len(live))
	}
	r.add(sec, "Server", Pass, noun+" serving this database: "+strings.Join(live, "; ")+".", "")
}
