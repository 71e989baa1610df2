package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/config"
	"github.com/ashby-auto-advance/aaa/internal/demo"
	"github.com/spf13/cobra"
)

func init() { extraCommands = append(extraCommands, newDemoCmd) }

func newDemoCmd() *cobra.Command {
	var (
		dbPath, logPath string
		speed           float64
		duration        time.Duration
		seed            int64
		quiet           bool
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Play a hiring day against a simulated Ashby and Slack, with the real server",
		Long: `Run aaa against a built-in simulated Ashby workspace and Slack: four jobs, 32
candidates, interview panels that submit scorecards on an accelerated clock,
signed webhooks, and a recruiter who clicks Archive in Slack. One rule is live,
the others are in shadow mode. The story prints as it happens and a summary
(checked against the simulator's call log) prints at the end or on Ctrl+C.

The server runs in this process on a fresh SQLite file (--db, replaced on every
run; its name must contain "demo") and logs to --log. Watch it live from a
second terminal with:  aaa tui --db aaa-demo.db`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := freshDemoDB(dbPath); err != nil {
				return &exitError{code: 2, err: err}
			}
			logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
			if err != nil {
				return err
			}
			defer logFile.Close()

			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			go func() {
				// A second Ctrl+C kills the process the usual way.
				<-ctx.Done()
				stop()
			}()
			out := cmd.OutOrStdout()
			serveDemo := func(ctx context.Context, s demo.Settings, ready func(string)) error {
				env := append(s.Env(), "DATABASE_URL=sqlite:"+dbPath, "LOG_LEVEL=INFO", "LOG_FORMAT=json")
				cfg, err := config.Load(env)
				if err != nil {
					return err
				}
				log := newLogger(logFile, cfg.LogLevel, cfg.LogFormat)
				return serve(ctx, cfg, "127.0.0.1:0", log, &serveHooks{ready: func(addr string) { ready("http://" + addr) }})
			}
			sum, err := demo.Run(ctx, demo.Options{Out: out, Speed: speed, Duration: duration, Seed: seed,
				Serve: serveDemo, Quiet: quiet})
			if err != nil {
				return fmt.Errorf("%w (server log: %s)", err, logPath)
			}
			fmt.Fprintf(out, "\nThe decisions are in %s. Open them with:\n  aaa tui --db %s\nServer log: %s\n", dbPath, dbPath, logPath)
			if err := sum.Check(); err != nil {
				return &exitError{code: 1, err: fmt.Errorf("the audit rows and the simulator disagree: %w", err)}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dbPath, "db", "aaa-demo.db", "SQLite file for the demo's database (replaced on every run)")
	f.StringVar(&logPath, "log", "aaa-demo.log", "file the server's JSON logs go to (truncated on every run)")
	f.Float64Var(&speed, "speed", 60, "clock acceleration: simulated seconds per real second (60: a minute per second)")
	f.DurationVar(&duration, "duration", 0, "stop after this long (e.g. 60s); 0 plays the whole day (about 2.5 minutes at 60x)")
	f.Int64Var(&seed, "seed", 1, "seed of the day's random parts")
	f.BoolVar(&quiet, "quiet", false, "print one line per Slack message instead of its full text")
	return cmd
}

// freshDemoDB removes a previous demo database so every run starts empty
// (the simulator's ids repeat for a seed). It refuses files whose name does
// not say demo, so a mistyped --db never deletes a real trial database.
func freshDemoDB(path string) error {
	path = strings.TrimPrefix(path, "sqlite:")
	if path == "" || strings.Contains(path, "://") {
		return errors.New("--db must be a SQLite file path")
	}
	if !strings.Contains(strings.ToLower(filepath.Base(path)), "demo") {
		if _, err := os.Stat(path); err == nil {
			return fmt.Errorf("--db %s exists and its name does not contain \"demo\": the demo replaces its database on every run, so it will not touch this file", path)
		}
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove previous demo database: %w", err)
		}
	}
	return nil
}
