package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/docs"
	"github.com/ashby-auto-advance/aaa/internal/ashby"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/jobs"
	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/go-chi/chi/v5"
)

// loadOpenAPI loads docs/openapi.yaml and validates it as an OpenAPI 3.1
// document, its examples against their schemas included.
func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(docs.OpenAPI)
	if err != nil {
		t.Fatalf("load docs/openapi.yaml: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("docs/openapi.yaml is OpenAPI %s, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(loader.Context, openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("docs/openapi.yaml is not a valid OpenAPI document: %v", err)
	}
	return doc
}

// chiParam matches a chi path parameter, with its optional regexp.
var chiParam = regexp.MustCompile(`\{([^}:]+)(:[^}]*)?\}`)

// routerRoutes walks the router and returns "METHOD /path" for every
// route, in OpenAPI's spelling ({id} without a regexp, no trailing slash
// of a sub-router's root such as /admin/backtest/).
func routerRoutes(t *testing.T, h http.Handler) []string {
	t.Helper()
	r, ok := h.(chi.Routes)
	if !ok {
		t.Fatalf("server.New returned %T, not a chi router to walk", h)
	}
	var out []string
	err := chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		route = chiParam.ReplaceAllString(route, "{$1}")
		if len(route) > 1 {
			route = strings.TrimSuffix(route, "/")
		}
		out = append(out, method+" "+route)
		return nil
	})
	if err != nil {
		t.Fatalf("walk the router: %v", err)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// documentedRoutes returns "METHOD /path" for every operation of doc.
func documentedRoutes(doc *openapi3.T) []string {
	var out []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, method+" "+path)
		}
	}
	slices.Sort(out)
	return out
}

// routeDiff returns the router's routes the document lacks and the
// documented routes the router lacks.
func routeDiff(router, documented []string) (undocumented, unrouted []string) {
	for _, r := range router {
		if !slices.Contains(documented, r) {
			undocumented = append(undocumented, r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(router, d) {
			unrouted = append(unrouted, d)
		}
	}
	return undocumented, unrouted
}

// TestOpenAPICoversRouter: every route of the router is in
// docs/openapi.yaml and every documented route is served.
func TestOpenAPICoversRouter(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	s := testkit.NewStack(t, testkit.StackOptions{NoAshby: true, Queue: jobs.Options{InsertOnly: true},
		Server: server.Deps{AdminToken: "t"}})
	routes := routerRoutes(t, s.Handler)
	if len(routes) < 30 {
		t.Fatalf("the router walk found only %d routes: %v", len(routes), routes)
	}
	undocumented, unrouted := routeDiff(routes, documentedRoutes(doc))
	if len(undocumented) > 0 {
		t.Errorf("routes missing from docs/openapi.yaml (document them):\n  %s", strings.Join(undocumented, "\n  "))
	}
	if len(unrouted) > 0 {
		t.Errorf("docs/openapi.yaml documents routes the router does not serve:\n  %s", strings.Join(unrouted, "\n  "))
	}

	// The admin API's operations say they need the token and document its
	// refusals (403 for a read-only token's write); the other routes need
	// none.
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			admin := strings.HasPrefix(path, "/admin/")
			needsToken := op.Security != nil && slices.ContainsFunc(*op.Security, func(r openapi3.SecurityRequirement) bool {
				_, ok := r["adminToken"]
				return ok
			})
			if admin != needsToken {
				t.Errorf("%s %s: security adminToken is %v, want %v", method, path, needsToken, admin)
			}
			if admin && (op.Responses.Status(401) == nil || op.Responses.Status(503) == nil) {
				t.Errorf("%s %s: an admin route must document 401 (token) and 503 (admin API off)", method, path)
			}
			if admin && method != http.MethodGet && op.Responses.Status(403) == nil {
				t.Errorf("%s %s: a write must document 403 (a read-only token)", method, path)
			}
		}
	}

	// The comparison notices a route dropped from the document and one
	// the router lacks.
	pruned := loadOpenAPI(t)
	pruned.Paths.Delete("/admin/stats")
	pruned.Paths.Set("/admin/nowhere", &openapi3.PathItem{Get: openapi3.NewOperation()})
	undocumented, unrouted = routeDiff(routes, documentedRoutes(pruned))
	if !slices.Equal(undocumented, []string{"GET /admin/stats"}) || !slices.Equal(unrouted, []string{"GET /admin/nowhere"}) {
		t.Errorf("routeDiff on a pruned document = %v, %v; want [GET /admin/stats], [GET /admin/nowhere]", undocumented, unrouted)
	}
}

// TestOpenAPIServed: GET /admin/openapi.json needs the admin token and
// answers the embedded YAML document as equivalent JSON.
func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	s := testkit.NewStack(t, testkit.StackOptions{NoAshby: true, Queue: jobs.Options{InsertOnly: true},
		Server: server.Deps{AdminTokens: []server.AdminToken{{Name: "auditor", Token: "ro", ReadOnly: true}}}})
	e := env{url: s.URL, db: s.DB}
	if r := e.do(t, "GET", "/admin/openapi.json", "", ""); r.status != http.StatusUnauthorized {
		t.Fatalf("GET /admin/openapi.json without a token: %d %s", r.status, r.raw)
	}
	r := e.do(t, "GET", "/admin/openapi.json", "ro", "")
	if r.status != http.StatusOK {
		t.Fatalf("GET /admin/openapi.json: %d %s", r.status, r.raw)
	}
	served, err := openapi3.NewLoader().LoadFromData([]byte(r.raw))
	if err != nil {
		t.Fatalf("the served document does not load: %v", err)
	}
	want, err := json.Marshal(loadOpenAPI(t))
	testkit.Must(t, err)
	got, err := json.Marshal(served)
	testkit.Must(t, err)
	if !bytes.Equal(got, want) {
		t.Errorf("the served document differs from docs/openapi.yaml:\n got %.400s\nwant %.400s", got, want)
	}
}

// exchange is one request to the real server whose response, and unless
// invalid also its request, is validated against the document.
type exchange struct {
	method, path, token, body string
	contentType               string
	header                    map[string]string
	// invalid requests are sent on purpose (their error is what is
	// checked); only their response is validated.
	invalid bool
	status  int
}

// specRoute finds the documented operation of a request path.
func specRoute(doc *openapi3.T, method, path string) (*routers.Route, map[string]string) {
	path, _, _ = strings.Cut(path, "?")
	for tmpl, item := range doc.Paths.Map() {
		op := item.GetOperation(method)
		if op == nil {
			continue
		}
		want, got := strings.Split(tmpl, "/"), strings.Split(path, "/")
		if len(want) != len(got) {
			continue
		}
		params := map[string]string{}
		for i, seg := range want {
			if m := chiParam.FindStringSubmatch(seg); m != nil && m[0] == seg && got[i] != "" {
				params[m[1]] = got[i]
			} else if seg != got[i] {
				params = nil
				break
			}
		}
		if params != nil {
			return &routers.Route{Spec: doc, Path: tmpl, PathItem: item, Method: method, Operation: op}, params
		}
	}
	return nil, nil
}

// validate sends x and checks the request and the response against doc;
// it returns the decoded JSON body.
func (x exchange) validate(t *testing.T, doc *openapi3.T, base string) map[string]any {
	t.Helper()
	ctx := context.Background()
	route, params := specRoute(doc, x.method, x.path)
	if route == nil {
		t.Fatalf("%s %s is not documented", x.method, x.path)
	}
	req, err := http.NewRequest(x.method, base+x.path, strings.NewReader(x.body))
	testkit.Must(t, err)
	ct := x.contentType
	if ct == "" && x.body != "" {
		ct = "application/json"
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if x.token != "" {
		req.Header.Set("Authorization", "Bearer "+x.token)
	}
	for k, v := range x.header {
		req.Header.Set(k, v)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	if !x.invalid {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			t.Errorf("%s %s: the request does not match the document: %v", x.method, x.path, err)
		}
		// Validation read the body: send it again.
		req.Body = io.NopCloser(strings.NewReader(x.body))
	}
	res, err := http.DefaultClient.Do(req)
	testkit.Must(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	testkit.Must(t, err)
	if x.status != 0 && res.StatusCode != x.status {
		t.Errorf("%s %s: status %d, want %d: %s", x.method, x.path, res.StatusCode, x.status, raw)
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
	// The reason and where, without the whole schema.
	opts.WithCustomSchemaErrorFunc(func(err *openapi3.SchemaError) string {
		return "at /" + strings.Join(err.JSONPointer(), "/") + ": " + err.Reason
	})
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode, Header: res.Header, Options: opts}
	out.SetBodyBytes(raw)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("%s %s: the %d response does not match the document: %v\nbody: %.2000s", x.method, x.path, res.StatusCode, err, raw)
	}
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	return body
}

// TestOpenAPIResponses sends requests to a real server on each store and
// validates every request and response against docs/openapi.yaml: health,
// the rule routes, stats, decisions and their actions, metadata,
// backtests, deliveries, notifications, the doctor, and the error
// envelope (401, 403, 404, 409, 422, 503).
func TestOpenAPIResponses(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	testkit.EachBackend(t, func(t *testing.T, b testkit.Backend) {
		s := testkit.NewStack(t, testkit.StackOptions{Backend: b, NoAshby: true, Queue: jobs.Options{InsertOnly: true},
			Server: server.Deps{WebhookSecret: "whsec", AdminToken: "t", AdminTokens: []server.AdminToken{{Name: "auditor", Token: "ro", ReadOnly: true}}}})
		seedMetadata(t, s.DB)
		ctx := context.Background()
		now := time.Now()
		testkit.Must(t, s.DB.UpsertSchedule(ctx, domain.Schedule{ID: "sched-1", ApplicationID: "app-1", JobID: "job-1",
			InterviewPlanID: "your-plan-uuid", InterviewStageID: "your-stage-uuid", Status: "Complete", CreatedAt: now, UpdatedAt: now}))
		testkit.Must(t, s.DB.UpsertApplication(ctx, domain.Application{ID: "app-1", CandidateID: "cand-1", JobID: "job-1",
			CandidateName: "Ada Lovelace", CurrentStageID: "your-stage-uuid", UpdatedAt: now}))
		_, err := s.DB.InsertDelivery(ctx, domain.Delivery{ID: "del-1", DedupeKey: "k1", Action: "interviewScheduleUpdate",
			Payload: []byte("{}"), Status: domain.DeliveryFailed, ReceivedAt: now})
		testkit.Must(t, err)

		base := s.URL
		check := func(x exchange) map[string]any { t.Helper(); return x.validate(t, doc, base) }

		check(exchange{method: "GET", path: "/", status: 200})
		check(exchange{method: "GET", path: "/health", status: 200})
		check(exchange{method: "GET", path: "/metrics", status: 200})
		check(exchange{method: "POST", path: "/webhooks/ashby", body: `{"action":"ping"}`, status: 200})
		check(exchange{method: "POST", path: "/webhooks/ashby", body: `{"action":"interviewScheduleUpdate"}`, status: 401})
		delivery := `{"action":"interviewScheduleUpdate","webhookActionId":"wa-1","data":{"interviewSchedule":{"id":"sched-w",` +
			`"status":"Scheduled","applicationId":"app-w","interviewStageId":"your-stage-uuid","updatedAt":"2026-01-04T09:00:00Z"}}}`
		accepted := check(exchange{method: "POST", path: "/webhooks/ashby", body: delivery, status: 200,
			header: map[string]string{"Ashby-Signature": ashby.Sign("whsec", []byte(delivery))}})
		if accepted["delivery_id"] == nil {
			t.Errorf("a signed webhook was not stored: %v", accepted)
		}
		check(exchange{method: "POST", path: "/webhooks/ashby", body: `{"action":"interviewScheduleUpdate","data":{}}`, status: 400,
			invalid: true, header: map[string]string{"Ashby-Signature": ashby.Sign("whsec", []byte(`{"action":"interviewScheduleUpdate","data":{}}`))}})
		check(exchange{method: "POST", path: "/slack/interactions", contentType: "application/x-www-form-urlencoded",
			body: "payload=%7B%7D", status: 401})

		// Rules: create, read, change, history, errors.
		created := check(exchange{method: "POST", path: "/admin/create-advancement-rule", token: "t", body: seedGuideBody, status: 200})
		ruleID := str(created["rule_id"])
		check(exchange{method: "GET", path: "/admin/rules", token: "t", status: 200})
		check(exchange{method: "GET", path: "/admin/rules?active_only=false", token: "ro", status: 200})
		check(exchange{method: "GET", path: "/admin/rules/" + ruleID, token: "t", status: 200})
		check(exchange{method: "PATCH", path: "/admin/rules/" + ruleID, token: "t", body: `{"priority":5,"reject_delay":"2h"}`, status: 200})
		check(exchange{method: "PATCH", path: "/admin/rules/" + ruleID, token: "t", body: `{"priority":6,"version":1}`, status: 409})
		check(exchange{method: "GET", path: "/admin/rules/" + ruleID + "/history", token: "t", status: 200})
		check(exchange{method: "GET", path: "/admin/rules/no-such-rule", token: "t", status: 404})
		check(exchange{method: "POST", path: "/admin/create-advancement-rule", token: "t", invalid: true,
			body: `{"interview_plan_id":"your-plan-uuid","interview_stage_id":"onsite-stage","actions":[],"colour":"red"}`, status: 422})
		check(exchange{method: "POST", path: "/admin/create-advancement-rule", token: "ro", body: seedGuideBody, status: 403})
		check(exchange{method: "GET", path: "/admin/rules", status: 401})
		check(exchange{method: "GET", path: "/admin/rules?active_only=maybe", token: "t", invalid: true, status: 422})

		// Decisions: a preview, recorded decisions, stats, an action.
		check(exchange{method: "POST", path: "/admin/trigger-advancement-evaluation?dry_run=true&schedule_id=sched-1", token: "t", status: 200})
		check(exchange{method: "POST", path: "/admin/trigger-advancement-evaluation?dry_run=true&application_id=app-1", token: "t", status: 200})
		check(exchange{method: "POST", path: "/admin/trigger-advancement-evaluation", token: "t", status: 400})
		exec, err := s.DB.InsertExecution(ctx, domain.Execution{ScheduleID: "sched-1", ApplicationID: "app-1", RuleID: ruleID,
			RuleVersion: 1, Mode: domain.ModeShadow, Outcome: domain.OutcomeReject, Status: domain.ExecDryRun,
			FromStageID: "your-stage-uuid", Summary: "reject",
			Reasons: []byte(`{"outcome":"reject","summary":"reject","reasons":[{"code":"interviewer_failed","requirement_id":"r1",` +
				`"interview_id":"your-interview-uuid","interviewer_id":"iv-1","field":"overall_score","operator":">=","threshold":"3",` +
				`"aggregate":"each","value":2,"passed":false,"message":"x"}]}`)}, "")
		testkit.Must(t, err)
		_, err = s.DB.InsertExecution(ctx, domain.Execution{ScheduleID: "sched-1", ApplicationID: "app-1", Mode: domain.ModeLive,
			Outcome: domain.OutcomeAdvance, Status: domain.ExecFailed, FailureReason: "Ashby said no"}, "")
		testkit.Must(t, err)
		_, err = s.DB.InsertNotification(ctx, domain.Notification{ExecutionID: exec.ID, Kind: "rejection",
			Status: domain.NotificationStored, Text: "Reject Ada Lovelace?"})
		testkit.Must(t, err)
		decisions := check(exchange{method: "GET", path: "/admin/decisions?since=24h&limit=10", token: "t", status: 200})
		if n, _ := decisions["count"].(float64); n != 2 {
			t.Errorf("GET /admin/decisions: count %v, want 2", decisions["count"])
		}
		page := check(exchange{method: "GET", path: "/admin/decisions?limit=1", token: "t", status: 200})
		if c, ok := page["next_cursor"].(string); ok {
			check(exchange{method: "GET", path: "/admin/decisions?limit=1&cursor=" + c, token: "t", status: 200})
		} else {
			t.Errorf("GET /admin/decisions?limit=1 of 2: next_cursor %v", page["next_cursor"])
		}
		check(exchange{method: "GET", path: "/admin/decisions?format=csv", token: "t", status: 200})
		check(exchange{method: "GET", path: "/admin/decisions?outcome=maybe", token: "t", invalid: true, status: 422})
		check(exchange{method: "GET", path: "/admin/stats", token: "t", status: 200})
		check(exchange{method: "POST", path: "/admin/decisions/" + exec.ID + "/cancel", token: "t"})
		check(exchange{method: "POST", path: "/admin/decisions/" + exec.ID + "/keep", token: "t"})
		check(exchange{method: "POST", path: "/admin/decisions/" + exec.ID + "/undo", token: "t"})
		check(exchange{method: "POST", path: "/admin/decisions/no-such-decision/undo", token: "t"})

		// Deliveries, notifications, metadata, backtests, the doctor.
		check(exchange{method: "GET", path: "/admin/webhooks?status=failed", token: "t", status: 200})
		check(exchange{method: "POST", path: "/admin/webhooks/del-1/retry", token: "t", status: 202})
		check(exchange{method: "POST", path: "/admin/webhooks/no-such-delivery/retry", token: "t", status: 404})
		check(exchange{method: "GET", path: "/admin/notifications?execution_id=" + exec.ID, token: "t", status: 200})
		check(exchange{method: "GET", path: "/admin/notifications?limit=0", token: "t", invalid: true, status: 422})
		check(exchange{method: "GET", path: "/admin/metadata/jobs?active_only=false", token: "t", status: 200})
		check(exchange{method: "GET", path: "/admin/metadata/jobs/job-1/plans", token: "t", status: 200})
		check(exchange{method: "GET", path: "/admin/metadata/jobs/no-such-job/plans", token: "t", status: 404})
		check(exchange{method: "GET", path: "/admin/metadata/plans", token: "t", status: 200})
		check(exchange{method: "GET", path: "/admin/metadata/plans/your-plan-uuid/stages", token: "t", status: 200})
		check(exchange{method: "GET", path: "/admin/metadata/interviews?job_id=job-1", token: "t", status: 200})
		check(exchange{method: "GET", path: "/admin/metadata/archive-reasons", token: "t", status: 200})
		check(exchange{method: "GET", path: "/admin/metadata/feedback-forms/form-all-types/fields", token: "t", status: 200})
		check(exchange{method: "GET", path: "/admin/backtest?rule_id=" + ruleID + "&since=30d", token: "t", status: 200})
		check(exchange{method: "POST", path: "/admin/backtest", token: "t", status: 200, body: `{"rule_id":"` + ruleID + `",` +
			`"interview_plan_id":"your-plan-uuid","interview_stage_id":"your-stage-uuid","since":"30d",` +
			`"requirements":[{"interview_id":"your-interview-uuid","score_field_path":"overall_score","operator":">=","threshold_value":"4"}]}`})
		check(exchange{method: "GET", path: "/admin/doctor", token: "ro", status: 200})
		check(exchange{method: "POST", path: "/admin/sync-metadata", token: "t", status: 503})
		check(exchange{method: "POST", path: "/admin/candidates/cand-1/erase", token: "t", status: 200})
		check(exchange{method: "DELETE", path: "/admin/rules/" + ruleID, token: "t", status: 200})
		check(exchange{method: "GET", path: "/admin/openapi.json", token: "t", status: 200})

		// An unknown route answers the documented envelope too.
		res, err := http.Get(base + "/no/such/route")
		testkit.Must(t, err)
		raw, err := io.ReadAll(res.Body)
		res.Body.Close()
		testkit.Must(t, err)
		var v any
		testkit.Must(t, json.Unmarshal(raw, &v))
		if err := doc.Components.Schemas["Error"].Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); res.StatusCode != 404 || err != nil {
			t.Errorf("GET /no/such/route: %d %s does not match the Error schema: %v", res.StatusCode, raw, err)
		}
	})
}

// TestOpenAPISchemasRefuse: the schemas are strict enough to notice a
// response that lost or gained a field, so a change of a handler's output
// fails the validation above until the document follows it.
func TestOpenAPISchemasRefuse(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	schema := func(name string) *openapi3.Schema { return doc.Components.Schemas[name].Value }
	envelope := map[string]any{"error": map[string]any{"code": "NOT_FOUND", "message": "no route", "request_id": "r-1"}}
	health := map[string]any{"status": "healthy", "database": "connected", "pool": map[string]any{"size": 1, "free": 1, "in_use": 0},
		"metadata": map[string]any{"jobs": 0, "plans": 0, "stages": 0, "last_synced": nil}, "ashby": map[string]any{"status": "ok"}}
	tests := []struct {
		name   string
		schema string
		value  map[string]any
		ok     bool
	}{
		{name: "envelope", schema: "Error", value: envelope, ok: true},
		{name: "envelope without request_id", schema: "Error", value: map[string]any{"error": map[string]any{"code": "X", "message": "m"}}},
		{name: "a bare error string", schema: "Error", value: map[string]any{"error": "Rate limit exceeded"}},
		{name: "health", schema: "Health", value: health, ok: true},
		{name: "health with an undocumented field", schema: "Health", value: with(health, "scheduler", "running")},
		{name: "health without pool", schema: "Health", value: without(health, "pool")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var v any
			b, _ := json.Marshal(tt.value)
			testkit.Must(t, json.Unmarshal(b, &v))
			err := schema(tt.schema).VisitJSON(v, openapi3.EnableJSONSchema2020())
			if (err == nil) != tt.ok {
				t.Errorf("%s against %s: err = %v, want ok = %v", tt.name, tt.schema, err, tt.ok)
			}
		})
	}
}

func with(m map[string]any, k string, v any) map[string]any {
	c := maps.Clone(m)
	c[k] = v
	return c
}

func without(m map[string]any, k string) map[string]any {
	c := maps.Clone(m)
	delete(c, k)
	return c
}
