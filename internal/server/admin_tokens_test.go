package server_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/server"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestNamedAdminTokens: ADMIN_API_TOKEN keeps working as "admin", named
// tokens are the actors of rule changes, a :ro token reads and is refused
// every write with the envelope, and the history lists who did what.
func TestNamedAdminTokens(t *testing.T) {
	t.Parallel()
	db, _ := testkit.OpenSQLite(t)
	seedMetadata(t, db)
	srv := httptest.NewServer(server.New(server.Deps{Store: db, AdminToken: "t", AdminTokens: []server.AdminToken{
		{Name: "deploy-bot", Token: "rw-token"}, {Name: "auditor", Token: "ro-token", ReadOnly: true}}}))
	t.Cleanup(srv.Close)
	e := env{url: srv.URL, db: db}
	ruleID := createGuideRule(t, e) // as "admin"

	tests := []struct {
		name, method, path, token, body string
		status                          int
		code                            string
	}{
		{"ro lists", "GET", "/admin/rules", "ro-token", "", 200, ""},
		{"ro reads", "GET", "/admin/rules/" + ruleID, "ro-token", "", 200, ""},
		{"ro reads history", "GET", "/admin/rules/" + ruleID + "/history", "ro-token", "", 200, ""},
		{"ro reads stats", "GET", "/admin/stats", "ro-token", "", 200, ""},
		{"ro creates", "POST", "/admin/create-advancement-rule", "ro-token", seedGuideBody, 403, "FORBIDDEN"},
		{"ro patches", "PATCH", "/admin/rules/" + ruleID, "ro-token", `{"mode": "live"}`, 403, "FORBIDDEN"},
		{"ro deletes", "DELETE", "/admin/rules/" + ruleID, "ro-token", "", 403, "FORBIDDEN"},
		{"ro syncs", "POST", "/admin/sync-metadata", "ro-token", "", 403, "FORBIDDEN"},
		{"unknown token", "GET", "/admin/rules", "nope", "", 401, "UNAUTHORIZED"},
		{"rw goes live", "PATCH", "/admin/rules/" + ruleID, "rw-token", `{"mode": "live", "version": 1}`, 200, ""},
		{"rw with a stale version", "PATCH", "/admin/rules/" + ruleID, "rw-token", `{"priority": 3, "version": 1}`, 409, "CONFLICT"},
		{"history of a missing rule", "GET", "/admin/rules/nope/history", "rw-token", "", 404, "HTTP_404"},
	}
	for _, tt := range tests {
		res := e.do(t, tt.method, tt.path, tt.token, tt.body)
		if res.status != tt.status || (tt.code != "" && get(res.body, "error.code") != tt.code) {
			t.Errorf("%s: %d %s, want %d %s", tt.name, res.status, res.raw, tt.status, tt.code)
		}
		if tt.code != "" && (get(res.body, "error.message") == "" || get(res.body, "error.request_id") == "") {
			t.Errorf("%s: no envelope: %s", tt.name, res.raw)
		}
	}
	if got, _ := db.GetRule(t.Context(), ruleID); got.Mode != "live" || got.Version != 2 {
		t.Fatalf("rule = %+v, want live at version 2 (the read-only writes must not land)", got)
	}

	res := e.do(t, "GET", "/admin/rules/"+ruleID+"/history", "ro-token", "")
	if get(res.body, "count") != float64(2) || get(res.body, "revisions.0.actor") != "deploy-bot" ||
		get(res.body, "revisions.0.source") != "api" || get(res.body, "revisions.0.action") != "mode" ||
		get(res.body, "revisions.0.changes.0.field") != "mode" || get(res.body, "revisions.0.changes.0.new") != "live" ||
		get(res.body, "revisions.1.actor") != "admin" || get(res.body, "revisions.1.action") != "create" ||
		get(res.body, "revisions.1.changes.0.old") != nil {
		t.Fatalf("history: %s", res.raw)
	}
	if !strings.Contains(res.raw, `"version":1`) {
		t.Fatalf("history without versions: %s", res.raw)
	}

	// A second active rule for the scope: the 409 text, never the driver's.
	dup := e.do(t, "POST", "/admin/create-advancement-rule", "rw-token", seedGuideBody)
	if dup.status != http.StatusConflict || !strings.Contains(str(get(dup.body, "error.message")), "an active rule") ||
		strings.Contains(dup.raw, "UNIQUE") || strings.Contains(dup.raw, "constraint") {
		t.Fatalf("duplicate scope: %d %s", dup.status, dup.raw)
	}
}
