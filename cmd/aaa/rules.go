package main

import (
	"bufio"
	"encoding/json"
	"errors"
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
		Short: "Manage advancement rules as code, by title (init, apply, export, list, history)",
		Long: `Rules as code: keep the advancement rules in a YAML file under review and make
the store match it. Jobs, stages and interviews are named by title (or id).

  aaa metadata jobs                  what a rule can name (see aaa metadata --help)
  aaa rules init --job "Backend Engineer" --stage "Phone Screen" > rules.yaml
                                     a starter file for one scope, in shadow mode
  aaa rules apply -f rules.yaml --diff   show what apply would change; write nothing
                                     (exit 0: no changes, 1: changes, 2: error)
  aaa rules apply -f rules.yaml      create and update rules to match the file
  aaa rules apply -f rules.yaml --prune  also deactivate the active rules the file
                                     does not name (lists them and asks; --yes skips)
  aaa rules export > rules.yaml      every active rule as YAML: titles, ids as comments
  aaa rules list                     a table of every rule
  aaa rules history NAME|ID          who changed a rule, when, through which door

Rules are identified by name. Without --prune, active rules the file does not
name are left as they are (apply lists them). Applying the same file twice
changes nothing, and so does applying an export.

Titles are resolved within the rule's scope: the job among all jobs, the plan
among the job's plans (interview_plan may be left out when the job has one),
the stage among the plan's stages, the interview among the job's interviews.
A title that names two things in the scope is an error listing their ids.

Changes are recorded with their actor: --as NAME, else $AAA_ACTOR, else the
OS user.`,
	}
	cmd.PersistentFlags().StringVar(&dbURL, "db", "", existingDBUsage)
	cmd.PersistentFlags().StringVar(&as, "as", "", "who makes the change, recorded in the rule's history (default $AAA_ACTOR, else the OS user)")
	cmd.AddCommand(newRulesExportCmd(&dbURL), newRulesApplyCmd(&dbURL, &as), newRulesListCmd(&dbURL), newRulesHistoryCmd(&dbURL),
		newRulesInitCmd(&dbURL))
	return cmd
}

func newRulesExportCmd(dbURL *string) *cobra.Command {
	return &cobra.Command{
		Use:   "export",
		Short: "Print every active rule as YAML (titles, with the ids as comments)",
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
	var diff, prune, yes bool
	cmd := &cobra.Command{
		Use:   "apply -f rules.yaml",
		Short: "Create and update rules to match a rules file (--diff previews, --prune deactivates the rest)",
		Long: `Create and update the rules a rules file names so the store matches it.

Active rules the file does not name are left as they are and listed, unless
--prune: then they are deactivated, after a confirmation (y/N on the
terminal, or --yes). Without a terminal, --prune needs --yes.

--diff prints what apply would change and writes nothing; its exit status is
0 when there is nothing to change, 1 when there is, 2 on an error (an
invalid file, an unknown title, an unreachable database).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			err := runApply(cmd, *dbURL, *as, file, diff, prune, yes)
			var ee *exitError
			if diff && err != nil && !errors.As(err, &ee) {
				return &exitError{code: 2, err: err}
			}
			return err
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "rules file (YAML or JSON; - reads stdin)")
	cmd.Flags().BoolVar(&diff, "diff", false, "print what would change and write nothing (exit 0: no changes, 1: changes, 2: error)")
	cmd.Flags().BoolVar(&prune, "prune", false, "also deactivate the active rules the file does not name (asks first)")
	cmd.Flags().BoolVar(&yes, "yes", false, "with --prune: deactivate without asking")
	_ = cmd.MarkFlagRequired("file")
	return cmd
}

func runApply(cmd *cobra.Command, dbURL, as, file string, diff, prune, yes bool) error {
	var in io.Reader = cmd.InOrStdin()
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return fmt.Errorf("rules file: %w", err)
		}
		defer f.Close()
		in = f
	}
	doc, err := rules.Parse(in)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	out := cmd.OutOrStdout()
	return withStore(ctx, dbURL, func(be *backend) error {
		svc := newRulesService(be.db, slog.New(slog.DiscardHandler))
		actor := cliActor(actorName(as))
		if diff {
			plan, err := svc.Apply(ctx, actor, doc, rules.ApplyOptions{DryRun: true, Prune: prune})
			if err != nil {
				return err
			}
			if err := plan.Write(out); err != nil {
				return err
			}
			if !plan.Empty() {
				fmt.Fprintln(out, "(preview only: run without --diff to apply)")
				return &exitError{code: 1}
			}
			return nil
		}
		opts := rules.ApplyOptions{Prune: prune}
		if prune {
			preview, err := svc.Apply(ctx, actor, doc, rules.ApplyOptions{DryRun: true, Prune: true})
			if err != nil {
				return err
			}
			gone := preview.Deactivations()
			opts.Confirmed = []string{}
			for _, c := range gone {
				opts.Confirmed = append(opts.Confirmed, c.RuleID)
			}
			if len(gone) > 0 && !yes {
				if err := confirmPrune(cmd, gone, file == "-"); err != nil {
					return err
				}
			}
		}
		plan, err := svc.Apply(ctx, actor, doc, opts)
		if err != nil {
			return err
		}
		return plan.Write(out)
	})
}

// confirmPrune lists the rules --prune would deactivate and asks on the
// terminal; without one (or with the file on stdin) it refuses.
func confirmPrune(cmd *cobra.Command, gone []rules.Change, fileOnStdin bool) error {
	var b strings.Builder
	fmt.Fprintf(&b, "--prune deactivates %d active rule(s) the file does not name:\n", len(gone))
	for _, c := range gone {
		fmt.Fprintf(&b, "  - %s (%s)\n", c.Name, c.RuleID)
	}
	list := b.String()
	switch {
	case fileOnStdin:
		return fmt.Errorf("%sthe rules file is read from stdin, so there is no one to ask: pass --yes to deactivate them, or leave out --prune", list)
	case !interactive(cmd.InOrStdin()):
		return fmt.Errorf("%sstdin is not a terminal, so there is no one to ask: pass --yes to deactivate them, or leave out --prune", list)
	}
	fmt.Fprint(cmd.ErrOrStderr(), list+"Deactivate them? [y/N] ")
	answer, _ := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return nil
	}
	return errors.New("not confirmed: nothing was changed")
}

// interactive reports whether r is a terminal (a reader other than a file,
// as in tests, counts as one).
func interactive(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return true
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func newRulesListCmd(dbURL *string) *cobra.Command {
	var all bool
	var output string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Print the rules as a table (-o json: as GET /admin/rules answers)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			return withStore(cmd.Context(), *dbURL, func(be *backend) error {
				rs, err := be.db.ListRules(cmd.Context(), !all)
				if err != nil {
					return err
				}
				if output == "json" {
					return printJSON(cmd.OutOrStdout(), server.RulesBody(rs))
				}
				titles, err := rules.LoadTitles(cmd.Context(), be.db)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tID\tACTIVE\tMODE\tVERSION\tPRIORITY\tJOB\tPLAN\tSTAGE\tREQUIREMENTS\tOPTIONS")
				for _, r := range rs {
					job := titles.Title(r.JobID)
					if job == "" {
						job = "(any)"
					}
					fmt.Fprintf(tw, "%s\t%s\t%t\t%s\t%d\t%d\t%s\t%s\t%s\t%d\t%s\n", rules.RuleName(r), r.ID, r.Active, r.Mode,
						r.Version, r.Priority, job, titles.Title(r.InterviewPlanID), titles.Title(r.InterviewStageID), len(r.Requirements),
						ruleOptions(r))
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "include deactivated rules")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "table or json (the fields of GET /admin/rules)")
	return cmd
}

// checkOutput checks an -o value: table or json.
func checkOutput(output string) error {
	if output != "table" && output != "json" {
		return &exitError{code: 2, err: fmt.Errorf("-o %q: want table or json", output)}
	}
	return nil
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(b))
	return err
}

// ruleOptions lists a rule's options that are set, as the rules file's
// keys ("reject_delay=2h,act_in_work_hours"), or "-" when none is.
func ruleOptions(r domain.Rule) string {
	var opts []string
	if r.RejectDelay != 0 {
		opts = append(opts, "reject_delay="+rules.FormatDelay(r.RejectDelay))
	}
	for _, o := range []struct {
		on   bool
		name string
	}{{r.ActInWorkHours, "act_in_work_hours"}, {r.NotifyOnAdvance, "notify_on_advance"}, {r.NotifyInShadow, "notify_in_shadow"}} {
		if o.on {
			opts = append(opts, o.name)
		}
	}
	if len(opts) == 0 {
		return "-"
	}
	return strings.Join(opts, ",")
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

func newRulesInitCmd(dbURL *string) *cobra.Command {
	var job, stage string
	cmd := &cobra.Command{
		Use:   "init --job NAME --stage NAME",
		Short: "Print a starter rules file for one job and stage (shadow mode)",
		Long: `Print a starter rules file for one scope: the job, its plan, the stage, and a
requirement for each interview of the job with its feedback form's score
field, in shadow mode. Names are titles or ids (aaa metadata lists them).

  aaa rules init --job "Backend Engineer" --stage "Phone Screen" > rules.yaml
  aaa rules apply -f rules.yaml --diff`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStore(cmd.Context(), *dbURL, func(be *backend) error {
				doc, notes, err := rules.Starter(cmd.Context(), be.db, job, stage)
				if err != nil {
					return err
				}
				text, err := doc.YAML()
				if err != nil {
					return err
				}
				var b strings.Builder
				for _, n := range notes {
					b.WriteString("# " + n + "\n")
				}
				b.Write(text)
				_, err = io.WriteString(cmd.OutOrStdout(), b.String())
				return err
			})
		},
	}
	cmd.Flags().StringVar(&job, "job", "", "the job (title or id)")
	cmd.Flags().StringVar(&stage, "stage", "", "the interview stage the rule watches (title or id)")
	_ = cmd.MarkFlagRequired("job")
	_ = cmd.MarkFlagRequired("stage")
	return cmd
}
