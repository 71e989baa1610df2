package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/explain"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/spf13/cobra"
)

func init() { extraCommands = append(extraCommands, newDecisionsCmd) }

// formatTable is the terminal table of `aaa decisions`; the other formats
// are explain's export formats.
const formatTable = "table"

// decisionOutcomes are the outcomes --outcome accepts.
var decisionOutcomes = []string{domain.OutcomeAdvance, domain.OutcomeReject, domain.OutcomeWait, domain.OutcomeTimeout,
	domain.OutcomeNoRule, domain.OutcomeSkip}

// decisionsQuery is what the flags of `aaa decisions list|export` select.
type decisionsQuery struct {
	dbURL, since, rule, outcome, mode, status string
	// format is the subcommand's own flag.
	format string
}

func newDecisionsCmd() *cobra.Command {
	var q decisionsQuery
	cmd := &cobra.Command{
		Use:   "decisions",
		Short: "List or export recorded decisions with names and reasons (list, export)",
		Long: `Read the decision log: every decision aaa recorded, with the candidate, job,
stage (from -> to), rule, outcome, mode, status, the reasons in words, who
acted and when. Newest first. It only reads the database.

  aaa decisions list                        the last 90 days as a table
  aaa decisions list --outcome reject --rule "Phone screen"
  aaa decisions export --since 90d > decisions.csv
  aaa decisions export --since all --format json --out decisions.json

--since takes a number of days (90d), a duration (12h), an RFC 3339 time, a
date (2026-01-31) or all. export writes every column (CSV with a header row,
json: one array, jsonl: one object a line); the columns are those of
GET /admin/decisions?format=csv.`,
	}
	f := cmd.PersistentFlags()
	f.StringVar(&q.dbURL, "db", "", existingDBUsage)
	f.StringVar(&q.since, "since", "90d", "only decisions since then: 90d, 12h, an RFC 3339 time, a date or all")
	f.StringVar(&q.rule, "rule", "", "only the decisions of this rule (name or id)")
	f.StringVar(&q.outcome, "outcome", "", "only this outcome ("+strings.Join(decisionOutcomes, ", ")+")")
	f.StringVar(&q.mode, "mode", "", "only this mode (shadow, live)")
	f.StringVar(&q.status, "status", "", "only this status ("+strings.Join(domain.ExecStatuses, ", ")+")")
	cmd.AddCommand(newDecisionsListCmd(&q), newDecisionsExportCmd(&q))
	return cmd
}

func newDecisionsListCmd(q *decisionsQuery) *cobra.Command {
	var limit int
	var format string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Print the newest decisions as a table",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 1 {
				return fmt.Errorf("--limit must be at least 1")
			}
			q := *q
			q.format = format
			return runDecisions(cmd, q, limit, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&format, "format", formatTable, "table, csv, json or jsonl")
	cmd.Flags().IntVar(&limit, "limit", 50, "at most this many decisions, newest first")
	return cmd
}

func newDecisionsExportCmd(shared *decisionsQuery) *cobra.Command {
	var out, format string
	cmd := &cobra.Command{
		Use:   "export [--out FILE]",
		Short: "Write every decision with every column: CSV, JSON or JSON lines",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := *shared
			q.format = format
			if out == "" || out == "-" {
				return runDecisions(cmd, q, 0, cmd.OutOrStdout())
			}
			if err := checkDecisionsQuery(q); err != nil {
				return err
			}
			// The export holds candidates' names: readable by its owner only.
			f, err := os.OpenFile(out, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
			if err != nil {
				return fmt.Errorf("--out: %w", err)
			}
			err = runDecisions(cmd, q, 0, f)
			if cerr := f.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("--out: %w", cerr)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", explain.FormatCSV, "csv, json, jsonl or table")
	cmd.Flags().StringVar(&out, "out", "", "write to this file (created 0600) instead of stdout")
	return cmd
}

// checkDecisionsQuery checks the flags that need no database.
func checkDecisionsQuery(q decisionsQuery) error {
	var probs []string
	for _, c := range []struct {
		flag, v string
		allowed []string
	}{
		{"outcome", q.outcome, decisionOutcomes},
		{"mode", q.mode, []string{domain.ModeShadow, domain.ModeLive}},
		{"status", q.status, domain.ExecStatuses},
		{"format", q.format, append([]string{formatTable}, explain.ExportFormats...)},
	} {
		if c.v != "" && !slices.Contains(c.allowed, c.v) {
			probs = append(probs, fmt.Sprintf("--%s %q: want one of %s", c.flag, c.v, strings.Join(c.allowed, ", ")))
		}
	}
	if _, err := parseSince(q.since, time.Now()); err != nil {
		probs = append(probs, err.Error())
	}
	if len(probs) > 0 {
		return &exitError{code: 2, err: errors.New(strings.Join(probs, "\n"))}
	}
	return nil
}

// runDecisions writes the decisions q selects to w in q.format: at most
// limit of them (0: all, read page by page).
func runDecisions(cmd *cobra.Command, q decisionsQuery, limit int, w io.Writer) error {
	if err := checkDecisionsQuery(q); err != nil {
		return err
	}
	ctx := cmd.Context()
	since, _ := parseSince(q.since, time.Now())
	return withStore(ctx, q.dbURL, func(be *backend) error {
		f := store.ExecutionFilter{Outcome: q.outcome, Mode: q.mode, Status: q.status, Since: since}
		if q.rule != "" {
			r, err := newRulesService(be.db, slog.New(slog.DiscardHandler)).Lookup(ctx, q.rule)
			if err != nil {
				return fmt.Errorf("--rule: %w", err)
			}
			f.RuleID = r.ID
		}
		if q.format == formatTable {
			var ds []explain.Decision
			more, err := eachDecision(ctx, be.db, f, limit, func(d explain.Decision) error {
				ds = append(ds, d)
				return nil
			})
			if err != nil {
				return err
			}
			return writeDecisionTable(w, ds, q.since, more)
		}
		x, err := explain.NewExporter(w, q.format)
		if err != nil {
			return err
		}
		if _, err := eachDecision(ctx, be.db, f, limit, x.Write); err != nil {
			return err
		}
		return x.Close()
	})
}

// exportPage is how many decisions an export reads at a time.
const exportPage = 500

// eachDecision renders the decisions f selects, newest first, and hands
// them to fn: at most limit (0: all, page by page on the store's cursor).
// more reports that limit cut the listing short.
func eachDecision(ctx context.Context, db *store.DB, f store.ExecutionFilter, limit int, fn func(explain.Decision) error) (more bool, err error) {
	render := explain.NewDecisions(ctx, db)
	n := 0
	for {
		f.Limit = exportPage
		if limit > 0 {
			f.Limit = min(exportPage, limit-n+1) // one more says whether there are more
		}
		page, err := db.ListExecutions(ctx, f)
		if err != nil {
			return false, err
		}
		for _, e := range page {
			if limit > 0 && n == limit {
				return true, nil
			}
			if err := fn(render.Render(e)); err != nil {
				return false, err
			}
			n++
		}
		if len(page) < f.Limit {
			return false, nil
		}
		f.After = store.CursorOf(page[len(page)-1])
	}
}

// writeDecisionTable prints decisions in 80 columns: when (UTC),
// candidate, job, the stage decided on, outcome and status.
func writeDecisionTable(w io.Writer, ds []explain.Decision, since string, cut bool) error {
	if len(ds) == 0 {
		_, err := fmt.Fprintf(w, "No decisions %s.\n", sinceWords(since))
		return err
	}
	rows := make([][]string, 0, len(ds))
	for _, d := range ds {
		e := d.Execution
		rows = append(rows, []string{e.ExecutedAt.UTC().Format("Jan 02 15:04"), d.CandidateName, d.JobTitle, d.FromStageTitle,
			e.Outcome, e.Status})
	}
	head := []string{"WHEN (UTC)", "CANDIDATE", "JOB", "STAGE", "OUTCOME", "STATUS"}
	widths := fitColumns(head, rows, tableWidth, []int{1, 2, 3})
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, r := range rows {
		for i := range r {
			r[i] = cell(r[i], widths[i])
		}
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	more := ""
	if cut {
		more = " (--limit shows more)"
	}
	_, err := fmt.Fprintf(w, "%d decision(s) %s, newest first%s.\nReasons and every column: aaa decisions export\n", len(ds), sinceWords(since), more)
	return err
}

// sinceWords says a --since value for people: "in the last 90d", "since
// 2026-01-31", "in total".
func sinceWords(since string) string {
	switch {
	case since == "all":
		return "in total"
	case strings.Contains(since, "-"):
		return "since " + since
	}
	return "in the last " + since
}

// tableWidth is the terminal width tables fit in.
const tableWidth = 80

// fitColumns returns each column's width: its widest cell, except that the
// flexible columns shrink (the widest first, to no less than 6) until the
// row, with two spaces between columns, fits in width.
func fitColumns(head []string, rows [][]string, width int, flexible []int) []int {
	ws := make([]int, len(head))
	for i, h := range head {
		ws[i] = utf8.RuneCountInString(h)
	}
	for _, r := range rows {
		for i, c := range r {
			ws[i] = max(ws[i], utf8.RuneCountInString(strings.Join(strings.Fields(c), " ")), 1)
		}
	}
	total := func() int {
		n := 2 * (len(ws) - 1)
		for _, w := range ws {
			n += w
		}
		return n
	}
	for total() > width {
		widest := -1
		for _, i := range flexible {
			if ws[i] > 6 && (widest < 0 || ws[i] > ws[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break
		}
		ws[widest]--
	}
	return ws
}

// cell fits s in n runes ("-" when empty).
func cell(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "-"
	}
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
