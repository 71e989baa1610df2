package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
	"github.com/spf13/cobra"
)

// TestListsAsJSON: `aaa rules list -o json` and `aaa webhooks list -o
// json` print exactly what GET /admin/rules and GET /admin/webhooks answer
// over the same database (one set of field names), on both stores; -o
// other than table or json is refused.
func TestListsAsJSON(t *testing.T) {
	t.Parallel()
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		ctx := context.Background()
		s := testkit.NewStack(t, testkit.StackOptions{Backend: b, NoAshby: true, Queue: jobs.Options{InsertOnly: true},
			Server: server.Deps{AdminToken: "t"}})
		_, err := s.DB.CreateRule(ctx, domain.Rule{Name: "Screen bar", InterviewPlanID: "plan", InterviewStageID: "st1",
			Mode: domain.ModeShadow, Active: true, RejectDelay: 2 * time.Hour, Requirements: []domain.Requirement{{
				InterviewID: "iv", FieldPath: "overall_score", Operator: ">=", Threshold: "3", Required: true}}})
		testkit.Must(t, err)
		_, err = s.DB.InsertDelivery(ctx, domain.Delivery{ID: "d1", DedupeKey: "k1", WebhookActionID: "w1", Action: "interviewScheduleUpdate",
			ScheduleID: "sched", Payload: []byte(`{}`), Status: domain.DeliveryFailed, LastError: "boom", ReceivedAt: time.Now()})
		testkit.Must(t, err)

		api := func(path string) any {
			req, _ := http.NewRequest("GET", s.URL+path, nil)
			req.Header.Set("Authorization", "Bearer t")
			res, err := http.DefaultClient.Do(req)
			testkit.Must(t, err)
			defer res.Body.Close()
			var v any
			if err := json.NewDecoder(res.Body).Decode(&v); err != nil || res.StatusCode != 200 {
				t.Fatalf("GET %s: %d %v", path, res.StatusCode, err)
			}
			return v
		}
		cli := func(cmd *cobra.Command, args ...string) (any, error) {
			var out bytes.Buffer
			cmd.SetOut(&out)
			cmd.SetErr(io.Discard)
			cmd.SetArgs(args)
			if err := cmd.ExecuteContext(ctx); err != nil {
				return nil, err
			}
			var v any
			if err := json.Unmarshal(out.Bytes(), &v); err != nil {
				t.Fatalf("%v: not JSON: %v\n%s", args, err, out.String())
			}
			return v, nil
		}
		for _, tt := range []struct {
			name string
			cmd  *cobra.Command
			args []string
			path string
		}{
			{"rules", newRulesCmd(), []string{"list", "-o", "json", "--db", s.Database.URL}, "/admin/rules"},
			{"webhooks", newWebhooksCmd(), []string{"list", "-o", "json", "--db", s.Database.URL}, "/admin/webhooks"},
		} {
			got, err := cli(tt.cmd, tt.args...)
			testkit.Must(t, err)
			want := api(tt.path)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("aaa %s list -o json differs from GET %s:\n cli %v\n api %v", tt.name, tt.path, got, want)
			}
			if m, _ := got.(map[string]any); m["count"] != 1.0 {
				t.Errorf("aaa %s list -o json: count = %v", tt.name, m["count"])
			}
		}
		for _, cmd := range []*cobra.Command{newRulesCmd(), newWebhooksCmd()} {
			_, err := cli(cmd, "list", "-o", "yaml", "--db", s.Database.URL)
			var ee *exitError
			if !errors.As(err, &ee) || ee.code != 2 {
				t.Errorf("%s list -o yaml: %v", cmd.Name(), err)
			}
		}
	})
}
