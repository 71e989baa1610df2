package main

import (
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

func TestBuildString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		b    build
		want string
	}{
		{build{Version: "dev"}, "dev"},
		{build{Version: "v1.2.0", Commit: "abc1234", Date: "2026-11-30T12:00:00Z"}, "v1.2.0 (commit abc1234, built 2026-11-30T12:00:00Z)"},
		{build{Version: "dev", Commit: "abc1234", Modified: true}, "dev (commit abc1234 with local changes)"},
	}
	for _, tt := range tests {
		if got := tt.b.String(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.b, got, tt.want)
		}
	}
}

// TestVersionFlag: `aaa --version` and `aaa version` print the same line, and
// `aaa serve` reports that version on /health and as aaa_build_info.
func TestVersionFlag(t *testing.T) {
	t.Parallel()
	run := func(args ...string) string {
		out, err := exec.Command(testkit.Binary(t), args...).CombinedOutput()
		if err != nil {
			t.Fatalf("aaa %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	flag, cmd := run("--version"), run("version")
	if flag != cmd || !strings.HasPrefix(flag, "aaa ") {
		t.Fatalf("aaa --version = %q, aaa version = %q: want the same line starting with aaa", flag, cmd)
	}
	version := strings.Fields(flag)[1]
	srv := testkit.Start(t, testkit.ProcessOptions{Env: testkit.Environ("DATABASE_URL=" + testkit.SQLiteURL(t))})
	srv.WaitHealthy(t)
	get := func(path string) string {
		res, err := http.Get(srv.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	health := get("/health")
	if !strings.Contains(health, `"version":"`+version+`"`) {
		t.Errorf("/health %s does not report version %s", health, version)
	}
	metrics := get("/metrics")
	if !strings.Contains(metrics, `aaa_build_info{`) || !strings.Contains(metrics, `version="`+version+`"`) {
		t.Errorf("/metrics has no aaa_build_info with version %s", version)
	}
}

// TestServeAnswersDoctor: a real `aaa serve` answers GET /admin/doctor with
// the checklist (behind the admin token).
func TestServeAnswersDoctor(t *testing.T) {
	t.Parallel()
	srv := testkit.Start(t, testkit.ProcessOptions{Env: testkit.Environ("DATABASE_URL="+testkit.SQLiteURL(t),
		"ADMIN_API_TOKEN="+testkit.AdminToken)})
	srv.WaitHealthy(t)
	req, err := http.NewRequest(http.MethodGet, srv.URL()+"/admin/doctor", nil)
	testkit.Must(t, err)
	req.Header.Set("Authorization", "Bearer "+testkit.AdminToken)
	res, err := http.DefaultClient.Do(req)
	testkit.Must(t, err)
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"checks"`) || !strings.Contains(string(body), "ASHBY_API_KEY") {
		t.Fatalf("GET /admin/doctor: %d %s", res.StatusCode, body)
	}
}
