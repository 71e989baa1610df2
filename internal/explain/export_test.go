package explain_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/explain"
)

// TestExporterFormats: CSV has a header row (also when empty) and defuses
// formulas; JSON is an array (empty: []) and JSON lines one object a line,
// keyed by ExportColumns, absent values null and the rule version a number.
func TestExporterFormats(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 2, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	d := explain.Decision{
		Execution: domain.Execution{ID: "x1", ApplicationID: "a1", ScheduleID: "s1", RuleID: "r1", RuleVersion: 3,
			Mode: domain.ModeLive, Outcome: domain.OutcomeAdvance, Status: domain.ExecSuccess, ExecutedAt: at, ExecutedBy: "system"},
		CandidateName: "=HYPERLINK(\"x\")", JobTitle: "Backend Engineer", SummaryText: "Advance: all good",
		Reasons: []explain.RenderedReason{{Text: "Grace Hopper gave Overall score 4 (needs ≥ 3) ✓"}, {Text: "Alan Turing gave Overall score 3 (needs ≥ 3) ✓"}},
	}
	tests := []struct {
		name, format string
		n            int
		check        func(t *testing.T, out string)
	}{
		{name: "csv", format: "csv", n: 2, check: func(t *testing.T, out string) {
			recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil || len(recs) != 3 || !slices.Equal(recs[0], explain.ExportColumns) {
				t.Fatalf("csv: %v\n%s", err, out)
			}
			row := map[string]string{}
			for i, c := range explain.ExportColumns {
				row[c] = recs[1][i]
			}
			want := map[string]string{"executed_at": "2026-11-02T08:30:00Z", "candidate_name": "'=HYPERLINK(\"x\")",
				"rule_version": "3", "reasons_text": "Grace Hopper gave Overall score 4 (needs ≥ 3) ✓; Alan Turing gave Overall score 3 (needs ≥ 3) ✓",
				"act_at": "", "execution_id": "x1", "to_stage_title": ""}
			for c, v := range want {
				if row[c] != v {
					t.Errorf("%s = %q, want %q", c, row[c], v)
				}
			}
		}},
		{name: "empty csv", format: "csv", n: 0, check: func(t *testing.T, out string) {
			if out != strings.Join(explain.ExportColumns, ",")+"\n" {
				t.Errorf("empty csv = %q", out)
			}
		}},
		{name: "json", format: "json", n: 2, check: func(t *testing.T, out string) {
			var rows []map[string]any
			if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 2 {
				t.Fatalf("json: %v\n%s", err, out)
			}
			if rows[0]["rule_version"] != 3.0 || rows[0]["act_at"] != nil || rows[0]["candidate_name"] != "=HYPERLINK(\"x\")" {
				t.Errorf("json row: %v", rows[0])
			}
			if len(rows[0]) != len(explain.ExportColumns) {
				t.Errorf("json row has %d keys, want %d", len(rows[0]), len(explain.ExportColumns))
			}
			if !strings.HasPrefix(out, `[`+"\n"+`{"executed_at":`) {
				t.Errorf("keys not in column order: %.40s", out)
			}
		}},
		{name: "empty json", format: "json", n: 0, check: func(t *testing.T, out string) {
			if out != "[]\n" {
				t.Errorf("empty json = %q", out)
			}
		}},
		{name: "json lines", format: "jsonl", n: 2, check: func(t *testing.T, out string) {
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(lines) != 2 {
				t.Fatalf("jsonl has %d lines:\n%s", len(lines), out)
			}
			for _, l := range lines {
				var row map[string]any
				if err := json.Unmarshal([]byte(l), &row); err != nil || row["execution_id"] != "x1" {
					t.Errorf("line %q: %v", l, err)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			x, err := explain.NewExporter(&b, tt.format)
			if err != nil {
				t.Fatal(err)
			}
			for range tt.n {
				if err := x.Write(d); err != nil {
					t.Fatal(err)
				}
			}
			if err := x.Close(); err != nil {
				t.Fatal(err)
			}
			if x.Count() != tt.n {
				t.Errorf("count = %d, want %d", x.Count(), tt.n)
			}
			tt.check(t, b.String())
		})
	}
	if _, err := explain.NewExporter(&bytes.Buffer{}, "xml"); err == nil || !strings.Contains(err.Error(), "csv, json and jsonl") {
		t.Errorf("xml format: %v", err)
	}
}
