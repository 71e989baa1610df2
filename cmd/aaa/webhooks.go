package main

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/app"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/spf13/cobra"
)

func init() { extraCommands = append(extraCommands, newWebhooksCmd) }

func newWebhooksCmd() *cobra.Command {
	var dbURL string
	cmd := &cobra.Command{
		Use:   "webhooks",
		Short: "Inspect received Ashby webhooks and retry failed ones",
	}
	cmd.PersistentFlags().StringVar(&dbURL, "db", "", existingDBUsage)
	cmd.AddCommand(newWebhooksListCmd(&dbURL), newWebhooksRetryCmd(&dbURL))
	return cmd
}

func newWebhooksListCmd(dbURL *string) *cobra.Command {
	var status, output string
	var limit int
	cmd := &cobra.Command{
		Use:   "list [--status failed]",
		Short: "List received webhook deliveries, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			states := []string{domain.DeliveryPending, domain.DeliveryProcessed, domain.DeliveryIgnored, domain.DeliveryFailed}
			if status != "" && !slices.Contains(states, status) {
				return fmt.Errorf("--status must be one of %s", strings.Join(states, ", "))
			}
			if err := checkOutput(output); err != nil {
				return err
			}
			return withStore(cmd.Context(), *dbURL, func(be *backend) error {
				ds, err := be.db.ListDeliveries(cmd.Context(), status, limit)
				if err != nil {
					return err
				}
				if output == "json" {
					return printJSON(cmd.OutOrStdout(), server.DeliveriesBody(ds))
				}
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tRECEIVED\tACTION\tSCHEDULE\tSTATUS\tATTEMPTS\tLAST ERROR")
				for _, d := range ds {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", d.ID, d.ReceivedAt.UTC().Format(time.RFC3339), d.Action,
						d.ScheduleID, d.Status, d.Attempts, oneLine(d.LastError, 80))
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&status, "status", "", "only deliveries in this status (pending, processed, ignored, failed)")
	cmd.Flags().IntVar(&limit, "limit", 100, "at most this many deliveries")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "table or json (the fields of GET /admin/webhooks)")
	return cmd
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n-1] + "…"
	}
	return s
}

func newWebhooksRetryCmd(dbURL *string) *cobra.Command {
	return &cobra.Command{
		Use:   "retry ID",
		Short: "Mark a delivery pending and enqueue its processing again",
		Long: `Mark a delivery pending and enqueue its ingestion job, in one transaction,
through the same use case as POST /admin/webhooks/{id}/retry: a delivery
whose action aaa does not process is refused. A running 'aaa serve' on the
same database picks the job up. Ingestion is idempotent, so retrying a
processed delivery is harmless.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0]
			return withStore(cmd.Context(), *dbURL, func(be *backend) error {
				q, err := jobs.New(jobs.Options{DB: be.db.Writer(), Pool: be.pool, InsertOnly: true})
				if err != nil {
					return err
				}
				// Retrying needs only the store and the queue: no Ashby client,
				// no Slack.
				svcs := app.New(app.Options{Store: be.db, Queue: q})
				// The use case's error is the API's message, word for word.
				if err := svcs.Intake.RetryDelivery(cmd.Context(), id); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "delivery %s queued for processing\n", id)
				return nil
			})
		},
	}
}
