package server_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/explain"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

var uuidRe = regexp.MustCompile(`(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// seedDecisions records n decisions on one schedule of Ada Lovelace, every
// second one live, two of them at the same time (the order's tie-break), and
// returns their ids newest first.
func seedDecisions(t *testing.T, e env, n int) []string {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	const graceID = "0b7e8c1a-1d27-46db-a9fd-cb471941e52a"
	const finalID, goneID = "5a1f0d2e-1d27-46db-a9fd-cb471941e52a", "6b2e1c3f-1d27-46db-a9fd-cb471941e52a"
	testkit.Must(t, e.db.UpsertStages(ctx, "plan-x", []domain.Stage{{ID: finalID, Title: "Final Round", Type: "Active", Order: 1}}, now))
	testkit.Must(t, e.db.UpsertAshbyUser(ctx, domain.AshbyUser{ID: graceID, FirstName: "Grace", LastName: "Hopper", Email: "grace@example.com"}, now))
	testkit.Must(t, e.db.UpsertSchedule(ctx, domain.Schedule{ID: "sched-x", ApplicationID: "app-x", JobID: "job-1",
		InterviewPlanID: "your-plan-uuid", InterviewStageID: "your-stage-uuid", Status: "Complete", CreatedAt: now, UpdatedAt: now,
		Events: []domain.Event{{ID: "ev-x", ScheduleID: "sched-x", InterviewID: "your-interview-uuid", StartTime: now.Add(-2 * time.Hour),
			EndTime: now.Add(-time.Hour), Interviewers: []domain.Assignment{{InterviewerID: graceID, IsFeedbackRequired: true}}}}}))
	testkit.Must(t, e.db.UpsertApplication(ctx, domain.Application{ID: "app-x", JobID: "job-1", CandidateName: "Ada Lovelace", UpdatedAt: now}))
	rule, err := e.db.CreateRule(ctx, domain.Rule{Name: "Tech screen bar", InterviewPlanID: "your-plan-uuid",
		InterviewStageID: "your-stage-uuid", Mode: domain.ModeShadow, Active: true, Requirements: []domain.Requirement{{
			InterviewID: "your-interview-uuid", FieldPath: "overall_score", Operator: ">=", Threshold: "3", Required: true}}})
	testkit.Must(t, err)
	reasons := `{"outcome":"reject","summary":"reject: x","reasons":[
		{"code":"requirement_failed","requirement_id":"q1","interview_id":"your-interview-uuid","field":"overall_score","operator":">=","threshold":"3","aggregate":"each","passed":false,"message":"x"},
		{"code":"interviewer_failed","requirement_id":"q1","interview_id":"your-interview-uuid","interviewer_id":"` + graceID + `","field":"overall_score","operator":">=","threshold":"3","aggregate":"each","value":2,"passed":false,"message":"x"}]}`
	var ids []string
	for i := range n {
		mode, status := domain.ModeShadow, domain.ExecDryRun
		if i%2 == 1 {
			mode, status = domain.ModeLive, domain.ExecRejected
		}
		at := now.Add(-time.Duration(i) * time.Minute)
		if i == 2 {
			at = now.Add(-time.Minute) // ties with the second
		}
		failure := ""
		if i == 4 {
			status, failure = domain.ExecStale, "application left stage "+finalID+" before aaa acted (now "+goneID+", status Active)"
		}
		x, err := e.db.InsertExecution(ctx, domain.Execution{ID: fmt.Sprintf("exec-%d", i), ScheduleID: "sched-x",
			ApplicationID: "app-x", RuleID: rule.ID, RuleVersion: 1, Mode: mode, Outcome: domain.OutcomeReject, Status: status,
			FromStageID: "your-stage-uuid", Summary: "reject: x", Reasons: []byte(reasons), ExecutedAt: at, ExecutedBy: "system",
			FailureReason: failure}, "")
		testkit.Must(t, err)
		ids = append(ids, x.ID)
	}
	// Newest first; exec-1 and exec-2 share a time, so the id decides.
	return ids
}

// getPage fetches a path with headers and returns status, headers, body.
func getPage(t *testing.T, e env, path string, header ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest("GET", e.url+path, nil)
	testkit.Must(t, err)
	req.Header.Set("Authorization", "Bearer t")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	testkit.Must(t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(raw)
}

// TestDecisionsPagesAndCSV: GET /admin/decisions pages with an opaque
// cursor in a stable order (executed_at DESC, execution_id), filters held
// across pages; it answers CSV for format=csv or Accept: text/csv with the
// export's columns, names and rendered reasons (the same sentences as its
// JSON), the next cursor in X-Next-Cursor. On both stores, over real HTTP.
func TestDecisionsPagesAndCSV(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		s := testkit.NewStack(t, testkit.StackOptions{Backend: b, NoAshby: true, Queue: jobs.Options{InsertOnly: true},
			Server: server.Deps{AdminToken: "t"}})
		seedMetadata(t, s.DB)
		e := env{url: s.URL, db: s.DB}
		seedDecisions(t, e, 5)
		want := []string{"exec-0", "exec-1", "exec-2", "exec-3", "exec-4"}

		// JSON pages of 2 follow next_cursor to the end.
		var got []string
		summaries := map[string]string{}
		path := "/admin/decisions?since=7d&limit=2"
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("paging never ended")
			}
			r := e.do(t, "GET", path, "t", "")
			if r.status != 200 {
				t.Fatalf("GET %s: %d %s", path, r.status, r.raw)
			}
			ds, _ := r.body["decisions"].([]any)
			for i := range ds {
				id := str(get(ds[i], "execution_id"))
				got = append(got, id)
				summaries[id] = str(get(ds[i], "summary_text"))
			}
			next, present := r.body["next_cursor"]
			if !present {
				t.Fatalf("no next_cursor field: %s", r.raw)
			}
			if next == nil {
				if len(ds) != 1 {
					t.Fatalf("last page has %d decisions, want 1", len(ds))
				}
				break
			}
			if len(ds) != 2 || strings.Contains(str(next), "exec-") {
				t.Fatalf("page of %d with cursor %q (want 2 and an opaque cursor)", len(ds), str(next))
			}
			path = "/admin/decisions?since=7d&limit=2&cursor=" + str(next)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("paged ids = %v, want %v", got, want)
		}
		if summaries["exec-0"] != "Reject: 0 of 1 interviewers gave Overall Assessment ≥ 3 on Technical Interview" {
			t.Errorf("summary_text = %q", summaries["exec-0"])
		}

		// A filter holds across pages; an exact page ends with a null cursor.
		r := e.do(t, "GET", "/admin/decisions?mode=live&limit=1", "t", "")
		if n := str(get(r.body, "decisions.0.execution_id")); n != "exec-1" || r.body["next_cursor"] == nil {
			t.Fatalf("first live page: %s", r.raw)
		}
		r = e.do(t, "GET", "/admin/decisions?mode=live&limit=1&cursor="+str(r.body["next_cursor"]), "t", "")
		if n := str(get(r.body, "decisions.0.execution_id")); n != "exec-3" || r.body["next_cursor"] != nil {
			t.Fatalf("second (last) live page: %s", r.raw)
		}

		// CSV: every column, a row per decision, names and sentences.
		check := func(name, path string, header ...string) [][]string {
			t.Helper()
			status, h, body := getPage(t, e, path, header...)
			if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") {
				t.Fatalf("%s: %d %s\n%s", name, status, h.Get("Content-Type"), body)
			}
			recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			if err != nil {
				t.Fatalf("%s: not CSV: %v\n%s", name, err, body)
			}
			if !slices.Equal(recs[0], explain.ExportColumns) {
				t.Fatalf("%s: header %v, want %v", name, recs[0], explain.ExportColumns)
			}
			return recs[1:]
		}
		col := func(rec []string, name string) string { return rec[slices.Index(explain.ExportColumns, name)] }
		rows := check("accept text/csv", "/admin/decisions?since=7d", "Accept", "text/html;q=0.9, text/csv")
		if len(rows) != 5 {
			t.Fatalf("CSV rows = %d, want 5", len(rows))
		}
		for i, rec := range rows {
			id := col(rec, "execution_id")
			if id != want[i] {
				t.Errorf("row %d is %s, want %s", i, id, want[i])
			}
			for c, v := range map[string]string{"candidate_name": "Ada Lovelace", "job_title": "Backend Engineer",
				"from_stage_title": "Tech Screen", "rule_name": "Tech screen bar", "outcome": "reject", "rule_version": "1",
				"reasons_text": "0 of 1 interviewers gave Overall Assessment ≥ 3 on Technical Interview ✗; Grace Hopper gave Overall Assessment 2 (needs ≥ 3) ✗",
				"summary_text": summaries[id]} {
				if got := col(rec, c); got != v {
					t.Errorf("row %s: %s = %q, want %q", id, c, got, v)
				}
			}
			if _, err := time.Parse(time.RFC3339, col(rec, "executed_at")); err != nil {
				t.Errorf("row %s: executed_at %q: %v", id, col(rec, "executed_at"), err)
			}
			for _, c := range []string{"summary_text", "explanation", "reasons_text", "candidate_name", "rule_name"} {
				if ids := uuidRe.FindAllString(col(rec, c), -1); len(ids) > 0 || strings.Contains(col(rec, c), "`") {
					t.Errorf("row %s: %s has ids: %q", id, c, col(rec, c))
				}
			}
		}
		// A failure reason speaks names; an id the caches do not know stays
		// in a code span (and in the API's raw failure_reason).
		if got, want := col(rows[4], "failure_text"), "application left stage Final Round before aaa acted (now `6b2e1c3f-1d27-46db-a9fd-cb471941e52a`, status Active)"; got != want {
			t.Errorf("failure_text = %q, want %q", got, want)
		}
		if got := col(rows[1], "mode") + "/" + col(rows[1], "status"); got != "live/rejected" {
			t.Errorf("row 1 mode/status = %s", got)
		}

		// format=csv pages like JSON, the cursor in X-Next-Cursor.
		status, h, body := getPage(t, e, "/admin/decisions?format=csv&limit=3")
		next := h.Get("X-Next-Cursor")
		if status != 200 || next == "" || strings.Count(body, "\n") != 4 {
			t.Fatalf("first CSV page: %d cursor %q\n%s", status, next, body)
		}
		rest := check("format=csv next page", "/admin/decisions?format=csv&limit=3&cursor="+next)
		if len(rest) != 2 || col(rest[0], "execution_id") != "exec-3" {
			t.Fatalf("second CSV page: %v", rest)
		}
		if _, h, _ := getPage(t, e, "/admin/decisions?format=csv&limit=3&cursor="+next); h.Get("X-Next-Cursor") != "" {
			t.Errorf("last CSV page has a next cursor")
		}
		// format=json wins over Accept.
		if _, h, _ := getPage(t, e, "/admin/decisions?format=json", "Accept", "text/csv"); !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
			t.Errorf("format=json answered %s", h.Get("Content-Type"))
		}

		// Bad cursor, format and since are 422 naming the parameter.
		for q, msg := range map[string]string{"cursor=nope": "must be a next_cursor", "cursor=ZXhlYy0x": "must be a next_cursor",
			"format=xml": "must be one of json, csv", "since=3000-01-01": "is in the future", "since=36501d": "at most 36500d back",
			"since=soon": "must be a number of days (90d)"} {
			r := e.do(t, "GET", "/admin/decisions?"+q, "t", "")
			key, _, _ := strings.Cut(q, "=")
			if r.status != 422 || !strings.Contains(r.raw, `"`+key+`"`) || !strings.Contains(r.raw, msg) {
				t.Errorf("%s: %d %s, want 422 naming %s with %q", q, r.status, r.raw, key, msg)
			}
		}
	})
}
