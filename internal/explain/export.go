package explain

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// ExportColumns are the columns of a decision export, in order: what
// `aaa decisions export` and GET /admin/decisions?format=csv write (a CSV
// header row, or the keys of each JSON object). Names match the admin
// API's decision fields where one exists; ids come last. Times are RFC 3339
// in UTC; reasons_text is every reason's sentence, joined by "; ";
// failure_text is why aaa could not act, with names. In CSV a
// value starting with =, +, - or @ gets a leading ' so a spreadsheet does
// not run a candidate's name as a formula.
var ExportColumns = []string{
	"executed_at", "candidate_name", "job_title", "from_stage_title", "to_stage_title", "rule_name", "rule_version",
	"outcome", "mode", "status", "summary_text", "explanation", "reasons_text", "failure_text",
	"executed_by", "act_at", "acted_at", "reverted_by", "reverted_at",
	"execution_id", "application_id", "schedule_id", "rule_id", "from_stage_id", "to_stage_id",
}

// Record is d's row of an export, one value per ExportColumns entry; an
// absent time or name is "".
func (d Decision) Record() []string {
	e := d.Execution
	texts := make([]string, 0, len(d.Reasons))
	for _, r := range d.Reasons {
		texts = append(texts, r.Text)
	}
	version := ""
	if e.RuleID != "" {
		version = strconv.Itoa(e.RuleVersion)
	}
	return []string{
		exportTime(e.ExecutedAt), d.CandidateName, d.JobTitle, d.FromStageTitle, d.ToStageTitle, d.RuleName, version,
		e.Outcome, e.Mode, e.Status, d.SummaryText, d.Explanation, strings.Join(texts, "; "), d.FailureText,
		e.ExecutedBy, exportTime(e.ActAt), exportTime(e.ActedAt), e.RevertedBy, exportTime(e.RevertedAt),
		e.ID, e.ApplicationID, e.ScheduleID, e.RuleID, e.FromStageID, e.ToStageID,
	}
}

func exportTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Export formats.
const (
	// FormatCSV is a header row of ExportColumns, then one row per decision.
	FormatCSV = "csv"
	// FormatJSON is one JSON array of objects keyed by ExportColumns.
	FormatJSON = "json"
	// FormatJSONLines is one such object per line.
	FormatJSONLines = "jsonl"
)

// ExportFormats lists the export formats.
var ExportFormats = []string{FormatCSV, FormatJSON, FormatJSONLines}

// Exporter writes rendered decisions in one export format, as they come:
// an export of any length never sits in memory. Close finishes it (the
// closing bracket of a JSON array, an empty CSV's header).
type Exporter struct {
	w      io.Writer
	format string
	csv    *csv.Writer
	n      int
}

// NewExporter returns an exporter writing format to w.
func NewExporter(w io.Writer, format string) (*Exporter, error) {
	x := &Exporter{w: w, format: format}
	switch format {
	case FormatCSV:
		x.csv = csv.NewWriter(w)
	case FormatJSON, FormatJSONLines:
	default:
		return nil, fmt.Errorf("export format %q: want %s", format, List(ExportFormats))
	}
	return x, nil
}

// Write writes one decision.
func (x *Exporter) Write(d Decision) error {
	rec := d.Record()
	if x.csv != nil {
		if x.n == 0 {
			if err := x.csv.Write(ExportColumns); err != nil {
				return err
			}
		}
		x.n++
		for i, v := range rec {
			if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
				rec[i] = "'" + v
			}
		}
		return x.csv.Write(rec)
	}
	var b bytes.Buffer
	switch {
	case x.format == FormatJSONLines:
	case x.n == 0:
		b.WriteString("[\n")
	default:
		b.WriteString(",\n")
	}
	x.n++
	b.WriteByte('{')
	for i, col := range ExportColumns {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(col)
		b.Write(k)
		b.WriteByte(':')
		b.Write(jsonValue(col, rec[i]))
	}
	b.WriteByte('}')
	if x.format == FormatJSONLines {
		b.WriteByte('\n')
	}
	_, err := x.w.Write(b.Bytes())
	return err
}

// jsonValue is a column's JSON value: null when empty, the rule version a
// number, everything else a string.
func jsonValue(col, v string) []byte {
	if v == "" {
		return []byte("null")
	}
	if col == "rule_version" {
		return []byte(v)
	}
	out, _ := json.Marshal(v)
	return out
}

// Close finishes the export; it writes nothing more after.
func (x *Exporter) Close() error {
	switch {
	case x.csv != nil:
		if x.n == 0 {
			if err := x.csv.Write(ExportColumns); err != nil {
				return err
			}
		}
		x.csv.Flush()
		return x.csv.Error()
	case x.format == FormatJSON && x.n == 0:
		_, err := io.WriteString(x.w, "[]\n")
		return err
	case x.format == FormatJSON:
		_, err := io.WriteString(x.w, "\n]\n")
		return err
	}
	return nil
}

// Count is how many decisions were written.
func (x *Exporter) Count() int { return x.n }
