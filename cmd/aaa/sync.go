package main

import (
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/config"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/syncer"
	"github.com/spf13/cobra"
	"golang.org/x/time/rate"
)

func init() { extraCommands = append(extraCommands, newSyncCmd) }

func newSyncCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "One-off syncs from Ashby (history)",
	}
	cmd.AddCommand(newSyncHistoryCmd())
	return cmd
}

func newSyncHistoryCmd() *cobra.Command {
	var dbURL, since string
	cmd := &cobra.Command{
		Use:   "history [--since 180d]",
		Short: "Backfill application stage history and feedback for backtests",
		Long: `Fetch the stage history (application.listHistory) of every application with a
schedule aaa knows from that period, and the feedback submitted since then
(applicationFeedback.list with createdAfter), into the database. Calls go
through the Ashby rate limit (ASHBY_RATE_LIMIT) and retry 429s and 5xx with
backoff. Progress is stored as it goes: after an interruption (Ctrl-C, a
network failure) run the command again and it resumes. Nothing is written
to Ashby and nothing is evaluated.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(os.Environ())
			if err != nil {
				return err
			}
			if cfg.AshbyAPIKey == "" {
				return domain.ErrAshbyNotConfigured
			}
			if dbURL, err = dbFlag(dbURL, cfg); err != nil {
				return err
			}
			from, err := parseSince(since, time.Now())
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			log := newLogger(os.Stderr, cfg.LogLevel, cfg.LogFormat)
			be, err := openExistingStore(ctx, dbURL, log)
			if err != nil {
				return err
			}
			defer be.close()
			ats := ashby.New(ashby.Options{BaseURL: cfg.AshbyAPIURL, APIKey: cfg.AshbyAPIKey,
				RateLimit: rate.Limit(cfg.AshbyRateLimit), Burst: max(1, int(cfg.AshbyRateLimit))})
			res, err := syncer.New(syncer.Options{Store: be.db, ATS: ats, Logger: log}).SyncHistory(ctx, from)
			if err != nil {
				return fmt.Errorf("sync history (run again to resume): %w", err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), res.String())
			return nil
		},
	}
	cmd.Flags().StringVar(&dbURL, "db", "", existingDBUsage)
	cmd.Flags().StringVar(&since, "since", "180d", "history of schedules since (e.g. 180d, 720h)")
	return cmd
}
