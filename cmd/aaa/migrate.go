package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newMigrateCmd() *cobra.Command {
	var status bool
	var dbURL string
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations (aaa serve also does this on start)",
		Long: `Apply every pending migration to the database named by --db or DATABASE_URL
(default sqlite:aaa.db). Running it again changes nothing. With --status it only
prints which versions are applied and which are pending.

A missing SQLite file is created (in an existing directory, never a missing
one); with --status a missing file is an error and nothing is created.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			open := openStore // aaa migrate creates a missing SQLite file; --status never does
			if status {
				open = openExistingStore
			}
			return withStoreOpen(cmd.Context(), dbURL, open, func(be *backend) error { return runMigrate(cmd, be, status) })
		},
	}
	cmd.Flags().BoolVar(&status, "status", false, "print applied and pending versions; change nothing")
	cmd.Flags().StringVar(&dbURL, "db", "", "database (postgres://..., sqlite:PATH or a file path; default $DATABASE_URL)")
	return cmd
}

// runMigrate applies pending migrations (unless status) and prints them.
func runMigrate(cmd *cobra.Command, be *backend, status bool) error {
	out := cmd.OutOrStdout()
	if !status {
		applied, err := be.migrate(cmd.Context())
		if err != nil {
			return err
		}
		if len(applied) == 0 {
			fmt.Fprintln(out, "database is up to date")
		}
		for _, m := range applied {
			fmt.Fprintf(out, "applied %05d %s\n", m.Version, m.Name)
		}
	}
	st, err := be.db.MigrationStatuses(cmd.Context())
	if err != nil {
		return err
	}
	if status {
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tNAME\tSTATE\tAPPLIED AT")
		for _, m := range st {
			state, at := "pending", ""
			if m.Applied {
				state, at = "applied", m.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
			}
			fmt.Fprintf(tw, "%05d\t%s\t%s\t%s\n", m.Version, m.Name, state, at)
		}
		return tw.Flush()
	}
	return nil
}
