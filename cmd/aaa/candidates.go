package main

import (
	"fmt"
	"os"

	"github.com/ashby-auto-advance/aaa/internal/app"
	"github.com/ashby-auto-advance/aaa/internal/config"
	"github.com/ashby-auto-advance/aaa/internal/slackapp"
	"github.com/spf13/cobra"
)

func init() { extraCommands = append(extraCommands, newCandidatesCmd) }

func newCandidatesCmd() *cobra.Command {
	var dbURL string
	cmd := &cobra.Command{
		Use:   "candidates",
		Short: "Act on a candidate's data (erasure requests)",
	}
	cmd.PersistentFlags().StringVar(&dbURL, "db", "", existingDBUsage)
	cmd.AddCommand(newCandidatesEraseCmd(&dbURL))
	return cmd
}

func newCandidatesEraseCmd(dbURL *string) *cobra.Command {
	var as string
	cmd := &cobra.Command{
		Use:   "erase CANDIDATE_ID",
		Short: "Erase everything aaa holds that identifies a candidate",
		Long: `Erase everything aaa holds that identifies a candidate, for a data-erasure
request that arrives outside Ashby (a candidateDelete webhook from Ashby does
the same by itself). Through the same use case as
POST /admin/candidates/{id}/erase: Slack messages that named the candidate are
edited first (with SLACK_BOT_TOKEN set), then, in one transaction, their
applications, schedules, feedback, reminders, stage history and stored webhook
payloads are deleted or emptied, and their decisions are kept without identity
(outcome, rule and time), so counts and rule agreement figures do not change.
Erasing a candidate aaa does not know, or a second time, changes nothing.
The log line names neither the candidate nor their data.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := config.Load(os.Environ())
			if err != nil {
				return err
			}
			return withStore(cmd.Context(), *dbURL, func(be *backend) error {
				o := appOptions(cfg, be, newLogger(os.Stderr, cfg.LogLevel, cfg.LogFormat))
				if cfg.SlackBotToken != "" {
					o.Slack = slackapp.New(slackapp.Options{Token: cfg.SlackBotToken, BaseURL: cfg.SlackAPIURL, Logger: o.Logger})
				}
				res, err := app.New(o).Lifecycle.Erase(cmd.Context(), args[0], "cli:"+actorName(as))
				if err != nil {
					return err
				}
				if res.Zero() {
					fmt.Fprintln(cmd.OutOrStdout(), "nothing to erase: aaa holds no data on this candidate (or it was erased already)")
					return nil
				}
				fmt.Fprintf(cmd.OutOrStdout(), "erased: %d applications, %d schedules, %d feedback submissions, %d stage visits, "+
					"%d reminders; emptied %d webhook payloads and %d Slack notice texts; kept %d decisions and %d reviews without identity\n",
					res.Applications, res.Schedules, res.Feedback, res.Visits, res.Reminders, res.Deliveries, res.Notifications,
					res.Decisions, res.Reviews)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&as, "as", "", "who asks for the erasure, recorded in the log (default $AAA_ACTOR, else the OS user)")
	return cmd
}
