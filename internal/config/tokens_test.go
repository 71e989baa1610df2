package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/config"
)

func TestAdminTokens(t *testing.T) {
	t.Parallel()
	c, err := config.Load([]string{"ADMIN_API_TOKEN=root-secret-0123456",
		"ADMIN_API_TOKENS= deploy=tok-1-0123456789ab , auditor=tok-2-0123456789ab:ro,,ci=a:b-0123456789abcd:ro"})
	if err != nil {
		t.Fatal(err)
	}
	want := []config.AdminToken{{Name: "deploy", Token: "tok-1-0123456789ab"}, {Name: "auditor", Token: "tok-2-0123456789ab", ReadOnly: true},
		{Name: "ci", Token: "a:b-0123456789abcd", ReadOnly: true}}
	if !reflect.DeepEqual(c.AdminAPITokens, want) || c.AdminAPIToken != "root-secret-0123456" {
		t.Fatalf("tokens = %+v (admin %q), want %+v", c.AdminAPITokens, c.AdminAPIToken, want)
	}

	p := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(p, []byte("ops=from-file-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = config.Load([]string{"ADMIN_API_TOKENS_FILE=" + p})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.AdminAPITokens) != 1 || c.AdminAPITokens[0] != (config.AdminToken{Name: "ops", Token: "from-file-0123456789"}) {
		t.Fatalf("tokens from file = %+v", c.AdminAPITokens)
	}
}

func TestAdminTokenProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		env   []string
		wants []string
	}{
		{"no equals", []string{"ADMIN_API_TOKENS=ops=a,justatoken"}, []string{"ADMIN_API_TOKENS: pair 2 is not name=token"}},
		{"no name", []string{"ADMIN_API_TOKENS==secret"}, []string{"pair 1 has no name"}},
		{"empty token", []string{"ADMIN_API_TOKENS=ops=:ro"}, []string{`"ops" has an empty token`}},
		{"duplicate name", []string{"ADMIN_API_TOKENS=ops=a,ops=b"}, []string{`the name "ops" is given twice`}},
		{"duplicate token", []string{"ADMIN_API_TOKENS=ops=a,ci=a"}, []string{`"ops" and "ci" have the same token`}},
		{"space in name", []string{"ADMIN_API_TOKENS=my ops=a"}, []string{`name "my ops" may not hold spaces`}},
		{"admin taken", []string{"ADMIN_API_TOKEN=x", "ADMIN_API_TOKENS=admin=y"}, []string{`the name "admin" belongs to ADMIN_API_TOKEN`}},
		{"same as ADMIN_API_TOKEN", []string{"ADMIN_API_TOKEN=x", "ADMIN_API_TOKENS=ops=x"}, []string{`token "ops" is the same as ADMIN_API_TOKEN`}},
		{"short ADMIN_API_TOKEN", []string{"ADMIN_API_TOKEN=secret"}, []string{"ADMIN_API_TOKEN: shorter than 16 characters"}},
		{"short named token", []string{"ADMIN_API_TOKENS=ops=secret-0123456789,ci=secret:ro"}, []string{`the token of "ci" is shorter than 16 characters`}},
		{"every problem at once", []string{"ADMIN_API_TOKENS=a,=b,c=", "PORT=0"}, []string{"pair 1", "pair 2", `"c" has an empty token`, "PORT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Load(tt.env)
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *config.Error", err)
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("problems lack %q:\n%s", w, err)
				}
			}
			// Problems never quote a token.
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("a problem shows a token: %s", err)
			}
		})
	}
}

// TestEmptySecretFile: a *_FILE naming an empty file is a problem (the
// server would refuse every signed request), reported with the others.
func TestEmptySecretFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte(" \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := config.Load([]string{"ASHBY_WEBHOOK_SECRET_FILE=" + empty, "SLACK_SIGNING_SECRET_FILE=" + empty, "PORT=0"})
	var ce *config.Error
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want *config.Error", err)
	}
	for _, w := range []string{"ASHBY_WEBHOOK_SECRET_FILE: " + empty + " is empty", "SLACK_SIGNING_SECRET_FILE: " + empty + " is empty", "PORT"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("problems lack %q:\n%s", w, err)
		}
	}
}
