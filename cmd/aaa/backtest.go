package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/app"
	"github.com/ashby-auto-advance/aaa/internal/backtest"
	"github.com/ashby-auto-advance/aaa/internal/config"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/rules"
	"github.com/spf13/cobra"
)

func init() { extraCommands = append(extraCommands, newBacktestCmd) }

// parseSince reads --since with the admin API's parser (domain.ParseSince:
// 90d, 12h, an RFC 3339 time, a date or all); empty is everything.
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := domain.ParseSince(s, now)
	if err != nil {
		return time.Time{}, fmt.Errorf("--%w", err)
	}
	return t, nil
}

func newBacktestCmd() *cobra.Command {
	var dbURL, ruleID, file, since, format string
	var jobs []string
	cmd := &cobra.Command{
		Use:   "backtest --rule ID | -f rule.yaml",
		Short: "Replay a rule over past schedules and compare with what recruiters did",
		Long: `Replay a stored rule (--rule) or the rules of a rules file (-f, YAML as in
'aaa rules apply') over the past schedules of its stage, with the engine and
settings live evaluation uses, and compare each decision with what actually
happened (advanced to the next stage, or archived). Run 'aaa sync history'
first to store the stage history it compares against.

With -f, a rule whose name matches a stored active rule is also compared with
that current version: the report lists the decisions that would flip.

A backtest only reads the database: it never calls Ashby or Slack and never
records a decision.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (ruleID == "") == (file == "") {
				return fmt.Errorf("give exactly one of --rule ID or -f rule.yaml")
			}
			if !slices.Contains(backtest.Formats, format) {
				return fmt.Errorf("--format %q: want table, json or csv", format)
			}
			cfg, err := config.Load(os.Environ())
			if err != nil {
				return err
			}
			now := time.Now()
			from, err := parseSince(since, now)
			if err != nil {
				return err
			}
			var doc rules.Document
			if file != "" {
				var in io.Reader = cmd.InOrStdin()
				if file != "-" {
					f, err := os.Open(file)
					if err != nil {
						return err
					}
					defer f.Close()
					in = f
				}
				if doc, err = rules.Parse(in); err != nil {
					return err
				}
			}
			return withStore(cmd.Context(), dbURL, func(be *backend) error {
				ctx := cmd.Context()
				var queries []backtest.Query
				if ruleID != "" {
					r, err := be.db.GetRule(ctx, ruleID)
					if err != nil {
						return fmt.Errorf("load rule %s: %w", ruleID, err)
					}
					queries = append(queries, backtest.Query{Rule: r})
				} else {
					drafts, err := rules.Resolve(ctx, be.db, doc)
					if err != nil {
						return err
					}
					stored, err := be.db.ListRules(ctx, true)
					if err != nil {
						return err
					}
					for _, d := range drafts {
						q := backtest.Query{Rule: d}
						for _, s := range stored {
							if rules.RuleName(s) == d.Name {
								base := s
								q.Baseline = &base
								q.Rule.ID, q.Rule.Version = s.ID, s.Version+1
							}
						}
						queries = append(queries, q)
					}
				}
				out := cmd.OutOrStdout()
				bt := app.New(appOptions(cfg, be, slog.New(slog.DiscardHandler))).Backtest
				for i, q := range queries {
					q.Since, q.JobIDs, q.Now = from, jobs, now
					rep, err := bt.Backtest(ctx, q)
					if err != nil {
						return err
					}
					if i > 0 && format == backtest.FormatTable {
						fmt.Fprintln(out)
					}
					if err := rep.Write(out, format); err != nil {
						return err
					}
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&dbURL, "db", "", existingDBUsage)
	cmd.Flags().StringVar(&ruleID, "rule", "", "id of a stored rule to replay")
	cmd.Flags().StringVarP(&file, "file", "f", "", "rules file whose rules to replay (YAML or JSON; - reads stdin)")
	cmd.Flags().StringVar(&since, "since", "90d", "only decisions made since (e.g. 90d, 48h; empty: all)")
	cmd.Flags().StringSliceVar(&jobs, "job", nil, "only schedules of these job ids (repeatable)")
	cmd.Flags().StringVar(&format, "format", backtest.FormatTable, "output: table, json or csv")
	return cmd
}
