package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestAdminRuleOptions: the admin API creates, updates and reads a rule's
// reject_delay ("2h"; "", "0" or null for none), act_in_work_hours and
// notify_on_advance, on both stores; a bad value is a 422 naming the field
// and writes nothing; the history shows the reject_delay change.
func TestAdminRuleOptions(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := testkit.NewStack(t, testkit.StackOptions{Backend: b, NoAshby: true, Queue: jobs.Options{InsertOnly: true},
				Server: server.Deps{AdminToken: "t"}})
			seedMetadata(t, s.DB)
			e := env{url: s.URL, db: s.DB}
			ctx := context.Background()
			withOptions := func(opts string) string {
				return strings.Replace(seedGuideBody, `"interview_plan_id": "your-plan-uuid",`, `"interview_plan_id": "your-plan-uuid", `+opts+`,`, 1)
			}
			mustStatus := func(res response, want int) {
				t.Helper()
				if res.status != want {
					t.Fatalf("answer %d %s, want %d", res.status, res.raw, want)
				}
			}
			refused := func(res response, field, says string) {
				t.Helper()
				if res.status != 422 || str(get(res.body, "error.code")) != "VALIDATION_ERROR" ||
					!strings.Contains(res.raw, `"loc":["body","`+field+`"]`) || !strings.Contains(res.raw, says) {
					t.Fatalf("answer %d %s, want 422 naming %s and saying %q", res.status, res.raw, field, says)
				}
			}

			// Refused creates write nothing.
			for _, tt := range []struct{ name, opts, field, says string }{
				{"not a duration", `"reject_delay": "soon"`, "reject_delay", `reject_delay \"soon\" is not a duration`},
				{"a number", `"reject_delay": 7200`, "reject_delay", "valid duration string"},
				{"over a week", `"reject_delay": "8d"`, "reject_delay", "at most 7 days"},
				{"negative", `"reject_delay": "-30m"`, "reject_delay", "0 (archive at once) or more"},
				{"work hours not a boolean", `"act_in_work_hours": "yes"`, "act_in_work_hours", "valid boolean"},
				{"notify not a boolean", `"notify_on_advance": 1`, "notify_on_advance", "valid boolean"},
			} {
				t.Run(tt.name, func(t *testing.T) {
					refused(e.do(t, "POST", "/admin/create-advancement-rule", "t", withOptions(tt.opts)), tt.field, tt.says)
				})
			}
			if rs, err := e.db.ListRules(ctx, false); err != nil || len(rs) != 0 {
				t.Fatalf("refused creates wrote %d rules (%v)", len(rs), err)
			}

			created := e.do(t, "POST", "/admin/create-advancement-rule", "t",
				withOptions(`"reject_delay": "2h", "act_in_work_hours": true, "notify_on_advance": true`))
			mustStatus(created, 200)
			id := str(created.body["rule_id"])
			got := e.do(t, "GET", "/admin/rules/"+id, "t", "")
			mustStatus(got, 200)
			if str(got.body["reject_delay"]) != "2h" || got.body["act_in_work_hours"] != true || got.body["notify_on_advance"] != true {
				t.Fatalf("read back: %s", got.raw)
			}
			stored, err := e.db.GetRule(ctx, id)
			testkit.Must(t, err)
			if stored.RejectDelay != 2*time.Hour || !stored.ActInWorkHours || !stored.NotifyOnAdvance {
				t.Fatalf("stored: %+v", stored)
			}

			patched := e.do(t, "PATCH", "/admin/rules/"+id, "t", `{"reject_delay": "90m", "act_in_work_hours": false, "version": 1}`)
			mustStatus(patched, 200)
			if str(patched.body["reject_delay"]) != "1h30m" || patched.body["act_in_work_hours"] != false ||
				patched.body["notify_on_advance"] != true || str(patched.body["version"]) != "2" {
				t.Fatalf("patched: %s", patched.raw)
			}
			// Leaving the fields out keeps them; a bad value changes nothing.
			mustStatus(e.do(t, "PATCH", "/admin/rules/"+id, "t", `{"priority": 3}`), 200)
			refused(e.do(t, "PATCH", "/admin/rules/"+id, "t", `{"reject_delay": "1w"}`), "reject_delay", "is not a duration")
			refused(e.do(t, "PATCH", "/admin/rules/"+id, "t", `{"reject_delay": "169h"}`), "reject_delay", "at most 7 days (168h)")
			list := e.do(t, "GET", "/admin/rules", "t", "")
			if str(get(list.body, "rules.0.reject_delay")) != "1h30m" || get(list.body, "rules.0.notify_on_advance") != true ||
				str(get(list.body, "rules.0.version")) != "3" {
				t.Fatalf("list: %s", list.raw)
			}

			hist := e.do(t, "GET", "/admin/rules/"+id+"/history", "t", "")
			mustStatus(hist, 200)
			if str(get(hist.body, "revisions.1.version")) != "2" ||
				!strings.Contains(str(get(hist.body, "revisions.1.changes")), `{"field":"reject_delay","new":"1h30m","old":"2h"}`) ||
				!strings.Contains(str(get(hist.body, "revisions.1.changes")), `{"field":"act_in_work_hours","new":"false","old":"true"}`) {
				t.Fatalf("history: %s", hist.raw)
			}

			// "", "0" and null each mean none.
			for i, none := range []string{`"2h"`, `""`, `"3h"`, `"0"`, `"45s"`, `null`} {
				res := e.do(t, "PATCH", "/admin/rules/"+id, "t", `{"reject_delay": `+none+`}`)
				mustStatus(res, 200)
				want := map[string]string{`"2h"`: "2h", `"3h"`: "3h", `"45s"`: "45s"}[none]
				if want == "" {
					want = "0"
				}
				if str(res.body["reject_delay"]) != want || str(res.body["version"]) != str(4+i) {
					t.Fatalf("PATCH reject_delay %s: %s", none, res.raw)
				}
			}
			stored, err = e.db.GetRule(ctx, id)
			testkit.Must(t, err)
			if stored.RejectDelay != 0 || stored.ActInWorkHours || !stored.NotifyOnAdvance {
				t.Fatalf("stored at the end: %+v", stored)
			}
		})
	}
}
