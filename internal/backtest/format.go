package backtest

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Output formats.
const (
	FormatTable = "table"
	FormatJSON  = "json"
	FormatCSV   = "csv"
)

// Formats lists the output formats.
var Formats = []string{FormatTable, FormatJSON, FormatCSV}

// Write renders the report as a table, JSON or CSV (one line per judged
// schedule).
func (r Report) Write(w io.Writer, format string) error {
	switch format {
	case FormatTable, "":
		return r.writeTable(w)
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case FormatCSV:
		return r.writeCSV(w)
	}
	return fmt.Errorf("unknown format %q (want table, json or csv)", format)
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }

func (r RuleRef) label() string {
	name := r.Name
	if name == "" {
		name = "draft"
	}

	if r.Version > 0 {
		name += " v" + strconv.Itoa(r.Version)
	}
	return name
}

// Lines renders the summary, the confusion table and the disagreements
// (at most maxRows of them; 0 means all) as plain lines, for the table
// format and the dashboard.
func (r Report) Lines(maxRows int) []string {
	var out []string
	scope := "stage " + nameOr(r.Rule.StageTitle, r.Rule.StageID)
	if r.Rule.JobID != "" {
		scope += " of " + nameOr(r.Rule.JobTitle, r.Rule.JobID)
	}
	out = append(out, "Backtest of rule "+r.Rule.label()+" · "+scope)
	window := "all stored history"
	if r.Since != nil {
		window = "decisions since " + stamp(*r.Since)
	}
	out = append(out, fmt.Sprintf("%s: %d past schedules judged (%d still in the stage, %d without stored history)",
		window, r.Judged, r.Open, r.NoHistory))
	c := r.Counts
	out = append(out, fmt.Sprintf("would advance %d · would reject %d · would wait %d · timeout %d · skip %d",
		c.Advance, c.Reject, c.Wait, c.Timeout, c.Skip))
	if rate, ok := r.AgreementRate(); ok {
		out = append(out, fmt.Sprintf("agreement with recruiters: %d of %d decided (%.0f%%), %d disagreements",
			r.Agree, r.Agree+r.Disagree, rate*100, r.Disagree))
	} else {
		out = append(out, "agreement with recruiters: no decided schedule")
	}
	if n := len(r.Overrides); n > 0 {
		names := make([]string, 0, min(n, 5))
		for _, o := range r.Overrides[:min(n, 5)] {
			names = append(names, nameOr(o.CandidateName, "a candidate"))
		}
		more := ""
		if n > 5 {
			more = fmt.Sprintf(" and %d more", n-5)
		}
		out = append(out, fmt.Sprintf("kept in process by recruiters against the rule: %d (%s%s)", n, strings.Join(names, ", "), more))
	}
	out = append(out, "")
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "predicted \\ actual\t")
	for _, col := range r.Confusion.Columns {
		fmt.Fprint(tw, col+"\t")
	}
	fmt.Fprintln(tw)
	for i, row := range r.Confusion.Rows {
		fmt.Fprint(tw, row+"\t")
		for _, n := range r.Confusion.Cells[i] {
			fmt.Fprint(tw, strconv.Itoa(n)+"\t")
		}
		fmt.Fprintln(tw)
	}
	_ = tw.Flush()
	out = append(out, strings.Split(strings.TrimRight(b.String(), "\n"), "\n")...)

	if r.Baseline != nil {
		out = append(out, "", fmt.Sprintf("Flips versus %s: %d", r.Baseline.label(), len(r.Flips)))
		out = append(out, rowLines(flipRows(r.Flips), maxRows, true)...)
	}
	out = append(out, "", fmt.Sprintf("Disagreements (%d), most recent first", len(r.Disagreements)))
	out = append(out, rowLines(r.Disagreements, maxRows, false)...)
	return out
}

func flipRows(fs []Flip) []Row {
	out := make([]Row, len(fs))
	for i, f := range fs {
		out[i] = f.Row
		out[i].Summary = f.From + " -> " + f.Predicted + ": " + f.Summary
	}
	return out
}

func rowLines(rows []Row, maxRows int, flips bool) []string {
	if len(rows) == 0 {
		return []string{"  none"}
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	// Ids stay in the CSV and JSON; the table names the candidate.
	head := "  DECIDED\tCANDIDATE\tRULE\tACTUAL\tREASON"
	if flips {
		head = "  DECIDED\tCANDIDATE\tNOW\tACTUAL\tCHANGE"
	}
	fmt.Fprintln(tw, head)
	n := len(rows)
	if maxRows > 0 && n > maxRows {
		n = maxRows
	}
	for _, r := range rows[:n] {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", stamp(r.DecidedAt), nameOr(r.CandidateName, r.ApplicationID),
			r.Predicted, r.Actual, r.Summary)
	}
	_ = tw.Flush()
	out := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if n < len(rows) {
		out = append(out, fmt.Sprintf("  … and %d more (use --format csv or json for all)", len(rows)-n))
	}
	return out
}

// nameOr is the name, else "unknown `id`".
func nameOr(name, id string) string {
	switch {
	case name != "":
		return name
	case id == "":
		return "—"
	}
	return "unknown `" + id + "`"
}

func (r Report) writeTable(w io.Writer) error {
	for _, l := range r.Lines(50) {
		if _, err := fmt.Fprintln(w, l); err != nil {
			return err
		}
	}
	return nil
}

func (r Report) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := []string{"schedule_id", "application_id", "candidate_id", "candidate_name", "job_id", "decided_at",
		"evaluated_at", "predicted", "actual", "actual_stage", "agreement", "summary"}
	var from map[string]string
	if r.Baseline != nil {
		head = append(head, "baseline")
		from = map[string]string{}
		for _, f := range r.Flips {
			from[f.ScheduleID] = f.From
		}
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, row := range r.Rows {
		rec := []string{row.ScheduleID, row.ApplicationID, row.CandidateID, row.CandidateName, row.JobID,
			row.DecidedAt.UTC().Format(time.RFC3339), row.EvaluatedAt.UTC().Format(time.RFC3339),
			row.Predicted, row.Actual, row.ActualStage, row.Agreement, row.Summary}
		if from != nil {
			b, ok := from[row.ScheduleID]
			if !ok {
				b = row.Predicted
			}
			rec = append(rec, b)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
