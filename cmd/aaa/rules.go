package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"

	"github.com/ashby-auto-advance/aaa/internal/config"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/rules"
	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/spf13/cobra"
)

// newRulesService is the one rules service of a process: every rule write
// of serve, the CLI and the dashboard goes through it.
func newRulesService(db *store.DB, log *slog.Logger) *rules.Service {
	return rules.New(rules.Options{Store: db, Logger: log})
}

// adminTokens passes ADMIN_API_TOKENS to the server.
func adminTokens(ts []config.AdminToken) []server.AdminToken {
	out := make([]server.AdminToken, 0, len(ts))
	for _, t := range ts {
		out = append(out, server.AdminToken{Name: t.Name, Token: t.Token, ReadOnly: t.ReadOnly})
	}
	return out
}

// cliActor is a change made from the command line.
func cliActor(name string) rules.Actor { return rules.Actor{Name: name, Source: domain.SourceCLI} }

// actorName is who runs a CLI or dashboard change: --as, else AAA_ACTOR,
// else the OS user.
func actorName(as string) string {
	if s := strings.TrimSpace(as); s != "" {
		return s
	}
	if s := strings.TrimSpace(os.Getenv("AAA_ACTOR")); s != "" {
		return s
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if s := os.Getenv("USER"); s != "" {
		return s
	}
	return "unknown"
}

func init() { extraCommands = append(extraCommands, newRulesCmd) }

func newRulesCmd() *cobra.Command {
	var dbURL, as string
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "Manage advancement rules as code (export, apply, list)",
		Long: `Rules as code: keep the advancement rules in a YAML file under review and make
the store match it.

  aaa rules export > rules.yaml      every active rule as YAML
  aaa rules apply -f rules.yaml      create, update and deactivate rules to match
  aaa rules apply -f rules.yaml --diff   show what apply would change; write nothing
  aaa rules list                     a table of every rule
  aaa rules history NAME|ID          who changed a rule, when, through which door

Changes are recorded with their actor: --as NAME, else $AAA_ACTOR, else the
OS user.

The file is the full desired set of active rules, identified by name: rules
missing from the file are deactivated. Applying the same file twice changes
nothing. Plans, stages, jobs and interviews may be given by id or exact title.`,
	}
	cmd.PersistentFlags().StringVar(&dbURL, "db", "", "database (postgres://..., sqlite:PATH or a file path; default $DATABASE_URL)")
	cmd.PersistentFlags().StringVar(&as, "as", "", "who makes the change, recorded in the rule's history (default $AAA_ACTOR, else the OS user)")
	cmd.AddCommand(newRulesExportCmd(&dbURL), newRulesApplyCmd(&dbURL, &as), newRulesListCmd(&dbURL), newRulesHistoryCmd(&dbURL))
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

func newRulesApplyCmd(dbURL, as *string) *cobra.Command {
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
				svc := newRulesService(be.db, slog.New(slog.DiscardHandler))
				plan, err := svc.Apply(cmd.Context(), cliActor(actorName(*as)), doc,
					rules.ApplyOptions{DryRun: diff})
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

func newRulesHistoryCmd(dbURL *string) *cobra.Command {
	return &cobra.Command{
		Use:   "history NAME|ID",
		Short: "Print who changed a rule, when and how, newest first",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(cmd.Context(), *dbURL, func(be *backend) error {
				ctx := cmd.Context()
				svc := newRulesService(be.db, slog.New(slog.DiscardHandler))
				r, err := svc.Lookup(ctx, args[0])
				if err != nil {
					return err
				}
				revs, err := svc.History(ctx, r.ID)
				if err != nil {
					return err
				}
				titles, err := svc.Titles(ctx)
				if err != nil {
					return err
				}
				return writeHistory(cmd.OutOrStdout(), r, revs, titles)
			})
		},
	}
}

// writeHistory prints a rule's revisions as a table.
func writeHistory(w io.Writer, r domain.Rule, revs []domain.RuleRevision, titles rules.Titles) error {
	state := "inactive"
	if r.Active {
		state = "active"
	}
	fmt.Fprintf(w, "rule %q: version %d, %s, %s, %d revision(s)\n", rules.RuleName(r), r.Version, r.Mode, state, len(revs))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tWHEN (UTC)\tACTOR\tSOURCE\tACTION\tCHANGES")
	for _, v := range revs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", v.Version, v.CreatedAt.UTC().Format("2006-01-02 15:04:05"), v.Actor,
			v.Source, v.Action, rules.Describe(v, titles))
	}
	return tw.Flush()
}
