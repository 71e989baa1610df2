package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/ashby-auto-advance/aaa/internal/rules"
	"github.com/spf13/cobra"
)

func init() { extraCommands = append(extraCommands, newMetadataCmd) }

// templatesNote is what `aaa metadata templates` says: aaa keeps no copy of
// Ashby's communication templates.
const templatesNote = `aaa does not cache Ashby's communication templates, so it cannot list them.
A rule's communication_template_id (the email sent when a candidate is
archived) is the id of an email template in Ashby: Admin > Communication
Templates, or Ashby's API method communicationTemplate.list. Leave it out to
archive without an email.`

func newMetadataCmd() *cobra.Command {
	var dbURL, output string
	cmd := &cobra.Command{
		Use:   "metadata",
		Short: "List what a rule can name: jobs, stages, interviews, form fields, archive reasons",
		Long: `List the synced Ashby metadata a rule names, from aaa's cache (aaa serve syncs it;
POST /admin/sync-metadata refreshes it now). Names are titles or ids.

  aaa metadata jobs
  aaa metadata stages --job "Backend Engineer"
  aaa metadata interviews --job "Backend Engineer"
  aaa metadata form-fields --interview "Panel Interview" --job "Backend Engineer"
  aaa metadata archive-reasons
  aaa metadata templates

-o json prints the same as JSON. Then start a rules file with
aaa rules init --job NAME --stage NAME.`,
	}
	cmd.PersistentFlags().StringVar(&dbURL, "db", "", existingDBUsage)
	cmd.PersistentFlags().StringVarP(&output, "output", "o", "table", "table or json")
	// run opens the store and prints what list returns: a table (head and
	// rows) or its JSON value.
	run := func(cmd *cobra.Command, list func(ctx context.Context, be *backend) (any, []string, [][]string, error)) error {
		if output != "table" && output != "json" {
			return fmt.Errorf("-o %q: want table or json", output)
		}
		return withStore(cmd.Context(), dbURL, func(be *backend) error {
			v, head, rows, err := list(cmd.Context(), be)
			if err != nil {
				return err
			}
			return printMetadata(cmd.OutOrStdout(), output, v, head, rows)
		})
	}
	var job, interview string
	jobs := &cobra.Command{
		Use: "jobs", Short: "Jobs (every status) and their interview plans", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return run(cmd, func(ctx context.Context, be *backend) (any, []string, [][]string, error) {
				js, err := rules.Jobs(ctx, be.db)
				var rows [][]string
				for _, j := range js {
					rows = append(rows, []string{j.Title, j.Status, strings.Join(j.Plans, ", "), j.ID})
				}
				return map[string]any{"jobs": js}, []string{"JOB", "STATUS", "INTERVIEW PLANS", "ID"}, rows, err
			})
		},
	}
	stages := &cobra.Command{
		Use: "stages --job NAME", Short: "The interview stages of a job's plans, in order", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return run(cmd, func(ctx context.Context, be *backend) (any, []string, [][]string, error) {
				j, ss, err := rules.Stages(ctx, be.db, job)
				var rows [][]string
				for _, s := range ss {
					rows = append(rows, []string{s.Title, s.Type, s.PlanTitle, s.ID})
				}
				return map[string]any{"job": j.Title, "job_id": j.ID, "stages": ss}, []string{"STAGE", "TYPE", "INTERVIEW PLAN", "ID"}, rows, err
			})
		},
	}
	stages.Flags().StringVar(&job, "job", "", "the job (title or id)")
	_ = stages.MarkFlagRequired("job")
	interviews := &cobra.Command{
		Use: "interviews --job NAME", Short: "The interviews a rule of the job can require", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return run(cmd, func(ctx context.Context, be *backend) (any, []string, [][]string, error) {
				j, ivs, err := rules.Interviews(ctx, be.db, job)
				var rows [][]string
				for _, iv := range ivs {
					of := "this job"
					if iv.Shared {
						of = "shared"
					}
					form := iv.FormTitle
					if form == "" && iv.FormID != "" {
						form = "(not synced)"
					}
					rows = append(rows, []string{iv.Title, of, form, iv.ID})
				}
				return map[string]any{"job": j.Title, "job_id": j.ID, "interviews": ivs}, []string{"INTERVIEW", "OF", "FEEDBACK FORM", "ID"}, rows, err
			})
		},
	}
	interviews.Flags().StringVar(&job, "job", "", "the job (title or id)")
	_ = interviews.MarkFlagRequired("job")
	fields := &cobra.Command{
		Use: "form-fields --interview NAME [--job NAME]", Short: "The feedback form fields a requirement can compare (score_field_path)",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return run(cmd, func(ctx context.Context, be *backend) (any, []string, [][]string, error) {
				iv, fs, err := rules.FormFields(ctx, be.db, interview, job)
				var rows [][]string
				for _, f := range fs {
					rows = append(rows, []string{f.Path, f.Title, f.Type, strings.Join(f.Options, ", ")})
				}
				return map[string]any{"interview": iv.Title, "interview_id": iv.ID, "fields": fs},
					[]string{"SCORE_FIELD_PATH", "TITLE", "TYPE", "OPTIONS"}, rows, err
			})
		},
	}
	fields.Flags().StringVar(&interview, "interview", "", "the interview (title or id)")
	fields.Flags().StringVar(&job, "job", "", "the job whose interview it is (needed when two jobs have an interview with that title)")
	_ = fields.MarkFlagRequired("interview")
	reasons := &cobra.Command{
		Use: "archive-reasons", Short: "Archive reasons (a rule's archive_reason_id)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return run(cmd, func(ctx context.Context, be *backend) (any, []string, [][]string, error) {
				rs, err := be.db.ListArchiveReasons(ctx)
				var rows [][]string
				for _, r := range rs {
					if !r.IsArchived {
						rows = append(rows, []string{r.Text, r.ReasonType, r.ID})
					}
				}
				return map[string]any{"archive_reasons": rs}, []string{"ARCHIVE REASON", "TYPE", "ID"}, rows, err
			})
		},
	}
	templates := &cobra.Command{
		Use: "templates", Short: "Communication templates (not cached: says where to find them)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output == "json" {
				return printMetadata(cmd.OutOrStdout(), output, map[string]any{"templates": []any{}, "cached": false,
					"note": strings.ReplaceAll(templatesNote, "\n", " ")}, nil, nil)
			}
			_, err := fmt.Fprintln(cmd.OutOrStdout(), templatesNote)
			return err
		},
	}
	cmd.AddCommand(jobs, stages, interviews, fields, reasons, templates)
	return cmd
}

// printMetadata writes v as JSON, or the rows as a table ("none cached" and
// a hint when there are none).
func printMetadata(w io.Writer, output string, v any, head []string, rows [][]string) error {
	if output == "json" {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(w, string(b))
		return err
	}
	if len(rows) == 0 {
		_, err := fmt.Fprintln(w, "none cached (aaa serve syncs Ashby's metadata; POST /admin/sync-metadata refreshes it now)")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}
