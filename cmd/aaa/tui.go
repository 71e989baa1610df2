package main

import (
	"io"
	"log/slog"
	"os"

	"github.com/ashby-auto-advance/aaa/internal/app"
	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/config"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/tui"
	"github.com/spf13/cobra"
	"golang.org/x/time/rate"
)

func init() { extraCommands = append(extraCommands, newTUICmd) }

func newTUICmd() *cobra.Command {
	var dbURL, logFile, as string
	cmd := &cobra.Command{
		Use:   "tui",
		Short: "Terminal dashboard: pending evaluations, decisions, dry-run review, rules, activity",
		Long: `Open the store the server uses (--db or DATABASE_URL, default sqlite:aaa.db) in a
terminal dashboard. It works while 'aaa serve' runs on the same database and
refuses a database whose schema is out of date (run 'aaa migrate'). A missing
SQLite file is an error (exit 2): the dashboard never creates a database.
In a decision's detail, u undoes an advance or archive by aaa within
UNDO_WINDOW (needs ASHBY_API_KEY), c cancels a scheduled action and K keeps
a rejected candidate in process, each after a confirm step.
Logs go to --log-file (never to the terminal); NO_COLOR turns colors off.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(os.Environ())
			if err != nil {
				return err
			}
			if dbURL, err = dbFlag(dbURL, cfg); err != nil {
				return err
			}
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			if logFile != "" {
				f, err := os.OpenFile(logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
				if err != nil {
					return err
				}
				defer f.Close()
				log = newLogger(f, cfg.LogLevel, "json")
			}
			be, err := openExistingStore(cmd.Context(), dbURL, log)
			if err != nil {
				return err
			}
			defer be.close()
			opts := dashboardOptions(cfg, be, log)
			opts.Actor = actorName(as)
			opts.Reviewer = opts.Actor
			if err := tui.Run(cmd.Context(), opts); err != nil {
				return &exitError{code: 1, err: err}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dbURL, "db", "", existingDBUsage)
	cmd.Flags().StringVar(&as, "as", "", "who makes rule changes, reviews, undos, cancels and keeps, recorded in the history (default $AAA_ACTOR, else the OS user)")
	cmd.Flags().StringVar(&logFile, "log-file", "", "append the dashboard's JSON logs to this file (default: no logs)")
	return cmd
}

// dashboardOptions wires the dashboard over an opened store with the
// configuration the server runs with. Undo, cancel and keep in process go
// through the same use case as the Slack buttons and the admin API: with
// the Ashby client when ASHBY_API_KEY is set (without it, undo answers that
// it needs the key; cancel and keep need no Ashby call), and an insert-only
// queue, so the Slack message refresh they enqueue is sent by 'aaa serve'.
// Retrying a failed delivery goes through the intake use case over the
// same queue.
func dashboardOptions(cfg config.Config, be *backend, log *slog.Logger) tui.Options {
	ao := appOptions(cfg, be, log)
	if cfg.AshbyAPIKey != "" {
		ao.ATS = ashby.New(ashby.Options{BaseURL: cfg.AshbyAPIURL, APIKey: cfg.AshbyAPIKey,
			RateLimit: rate.Limit(cfg.AshbyRateLimit), Burst: max(1, int(cfg.AshbyRateLimit))})
	}
	q, err := jobs.New(jobs.Options{DB: be.db.Writer(), Pool: be.pool, Logger: log, InsertOnly: true})
	if err != nil {
		// Reading and rule changes still work; the decision detail says
		// undo, cancel and keep are not available here.
		log.Warn("dashboard_queue_unavailable", "error", err.Error())
	} else {
		ao.Queue = q
	}
	svcs := app.New(ao)
	opts := tui.Options{
		Store:           be.db,
		Backtest:        svcs.Backtest,
		Reviews:         svcs.Reviews,
		Rules:           svcs.Rules,
		Logger:          log,
		FeedbackTimeout: cfg.FeedbackTimeout,
		UndoWindow:      cfg.UndoWindow,
		Label:           be.desc,
	}
	if ao.Queue != nil {
		opts.Decisions = svcs.Advance
		// A retry from Activity is `aaa webhooks retry`: the delivery goes
		// back to pending with its ingest job queued for 'aaa serve'.
		opts.Intake = svcs.Intake
	}
	return opts
}
