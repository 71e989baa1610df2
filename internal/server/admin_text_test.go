package server_test

import (
	"strings"
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestAdminRefusesUnstorableText: a NUL character (which Postgres cannot
// store in text) or invalid UTF-8 in a rule's name, score_field_path or ids,
// or in an admin URL, is a 422 naming the field, on both stores, never a 500.
func TestAdminRefusesUnstorableText(t *testing.T) {
	t.Parallel()
	withField := func(field, value string) string {
		return strings.Replace(seedGuideBody, `"interview_plan_id": "your-plan-uuid",`,
			`"interview_plan_id": "your-plan-uuid", "`+field+`": "`+value+`",`, 1)
	}
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		want   string // the answer names it
	}{
		{"NUL in a rule name", "POST", "/admin/create-advancement-rule", withField("name", `tech\u0000screen`), "name"},
		{"NUL in score_field_path", "POST", "/admin/create-advancement-rule",
			strings.Replace(seedGuideBody, `"overall_score"`, `"overall\u0000score"`, 1), "score_field_path"},
		{"NUL in the plan id", "POST", "/admin/create-advancement-rule",
			strings.Replace(seedGuideBody, `"your-plan-uuid"`, `"your-plan\u0000uuid"`, 1), "interview_plan_id"},
		{"NUL in the interview id", "POST", "/admin/create-advancement-rule",
			strings.Replace(seedGuideBody, `"your-interview-uuid"`, `"iv\u0000"`, 1), "interview_id"},
		{"NUL in the threshold", "POST", "/admin/create-advancement-rule",
			strings.Replace(seedGuideBody, `"threshold_value": "3"`, `"threshold_value": "3\u0000"`, 1), "threshold_value"},
		{"NUL in a stage title", "POST", "/admin/create-advancement-rule",
			strings.Replace(seedGuideBody, `"interview_stage_id": "your-stage-uuid"`, `"interview_stage": "Tech\u0000Screen"`, 1), "interview_stage"},
		{"NUL in a job title", "POST", "/admin/create-advancement-rule", withField("job", `Backend\u0000`), "job"},
		{"NUL in an interview title", "POST", "/admin/create-advancement-rule",
			strings.Replace(seedGuideBody, `"interview_id": "your-interview-uuid"`, `"interview": "Tech\u0000"`, 1), "interview"},
		{"invalid UTF-8 in a rule name", "POST", "/admin/create-advancement-rule", withField("name", "tech\xffscreen"), "UTF-8"},
		{"NUL in a rule id in the path", "GET", "/admin/rules/x%00y", "", "NUL"},
		{"NUL in a query parameter", "GET", "/admin/decisions?application_id=a%00b", "", "NUL"},
		{"invalid UTF-8 in the path", "GET", "/admin/rules/x%FFy", "", "UTF-8"},
		{"NUL in a renamed rule", "PATCH", "/admin/rules/{id}", `{"name":"re\u0000named"}`, "name"},
	}
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := testkit.NewStack(t, testkit.StackOptions{Backend: b, NoAshby: true, Queue: jobs.Options{InsertOnly: true},
				Server: server.Deps{AdminToken: "t"}})
			seedMetadata(t, s.DB)
			e := env{url: s.URL, db: s.DB}
			ruleID := ""
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					if strings.Contains(tt.path, "{id}") && ruleID == "" {
						ruleID = createGuideRule(t, e)
					}
					res := e.do(t, tt.method, strings.Replace(tt.path, "{id}", ruleID, 1), "t", tt.body)
					if res.status != 422 || str(get(res.body, "error.code")) != "VALIDATION_ERROR" || !strings.Contains(res.raw, tt.want) {
						t.Fatalf("answer = %d %s, want 422 VALIDATION_ERROR naming %s", res.status, res.raw, tt.want)
					}
				})
			}
			res := e.do(t, "GET", "/admin/rules", "t", "")
			if res.status != 200 || strings.Count(res.raw, `"rule_id"`) != 1 {
				t.Fatalf("rules after the refused writes: %d %s", res.status, res.raw)
			}
		})
	}
}
