package main

import (
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/ashby-auto-advance/aaa/internal/rules"
	"github.com/spf13/cobra"
)

func init() { extraCommands = append(extraCommands, newRulesCmd) }

func newRulesCmd() *cobra.Command {
	var dbURL string
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "Manage advancement rules as code (export, apply, list)",
		Long: `Rules as code: keep the advancement rules in a YAML file under review and make
the store match it.

  aaa rules export > rules.yaml      every active rule as YAML
  aaa rules apply -f rules.yaml      create, update and deactivate rules to match
  aaa rules apply -f rules.yaml --diff   show what apply would change; write nothing
  aaa rules list                     a table of every rule

The file is the full desired set of active rules, identified by name: rules
missing from the file are deactivated. Applying the same file twice changes
nothing. Plans, stages, jobs and interviews may be given by id or exact title.`,
	}
	cmd.PersistentFlags().StringVar(&dbURL, "db", "", "database (postgres://..., sqlite:PATH or a file path; default $DATABASE_URL)")
	cmd.AddCommand(newRulesExportCmd(&dbURL), newRulesApplyCmd(&dbURL), newRulesListCmd(&dbURL))
	return cmd
}

func newRulesExportCmd(dbURL *string) *cobra.Command {
	return &cobra.Command{
		Use:   "export",
		Short: "Print every active rule as YAML",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStore(cmd.Context(), *dbURL, func(be *backend) error {
				doc, err := rules.Export(cmd.Context(), be.db)
				if err != nil {
					return err
				}
				out, err := doc.YAML()
				if err != nil {
					return err
				}
				_, err = cmd.OutOrStdout().Write(out)
				return err
			})
		},
	}
}

func newRulesApplyCmd(dbURL *string) *cobra.Command {
	var file string
	var diff bool
	cmd := &cobra.Command{
		Use:   "apply -f rules.yaml",
		Short: "Make the stored rules match a rules file (--diff previews)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var in io.Reader = cmd.InOrStdin()
			if file != "-" {
				f, err := os.Open(file)
				if err != nil {
					return err
				}
				defer f.Close()
				in = f
			}
			doc, err := rules.Parse(in)
			if err != nil {
				return err
			}
			return withStore(cmd.Context(), *dbURL, func(be *backend) error {
				plan, err := rules.Apply(cmd.Context(), be.db, doc, rules.Options{DryRun: diff})
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				if err := plan.Write(out); err != nil {
					return err
				}
				if diff && !plan.Empty() {
					fmt.Fprintln(out, "(preview only: run without --diff to apply)")
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "rules file (YAML or JSON; - reads stdin)")
	cmd.Flags().BoolVar(&diff, "diff", false, "print what would change and write nothing")
	_ = cmd.MarkFlagRequired("file")
	return cmd
}

func newRulesListCmd(dbURL *string) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Print the rules as a table",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStore(cmd.Context(), *dbURL, func(be *backend) error {
				rs, err := be.db.ListRules(cmd.Context(), !all)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tID\tACTIVE\tMODE\tVERSION\tPRIORITY\tJOB\tPLAN\tSTAGE\tREQUIREMENTS")
				for _, r := range rs {
					job := r.JobID
					if job == "" {
						job = "(any)"
					}
					fmt.Fprintf(tw, "%s\t%s\t%t\t%s\t%d\t%d\t%s\t%s\t%s\t%d\n", rules.RuleName(r), r.ID, r.Active, r.Mode,
						r.Version, r.Priority, job, r.InterviewPlanID, r.InterviewStageID, len(r.Requirements))
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "include deactivated rules")
	return cmd
}
