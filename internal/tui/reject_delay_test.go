package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/rules"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

// TestRuleDetailSetsRejectDelay: D in a rule's detail takes a reject delay,
// refuses a bad one where it is typed (nothing written), asks to confirm,
// and saves through the rules service as the dashboard's actor, with a
// revision the detail's history shows.
func TestRuleDetailSetsRejectDelay(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedMetadata(t, db, "plan-1", "stage-1", "iv-1")
		svc := rulesOf(db)
		created, err := svc.Create(ctx, rules.Actor{Name: "sam", Source: domain.SourceCLI}, domain.Rule{Name: "Screen",
			InterviewPlanID: "plan-1", InterviewStageID: "stage-1", Active: true, Mode: domain.ModeLive, NotifyOnAdvance: true,
			Requirements: []domain.Requirement{{InterviewID: "iv-1", FieldPath: "score", Operator: ">=", Threshold: "3", Required: true}}})
		testkit.Must(t, err)
		id := created.Rule.ID

		m := newModel(Options{Store: db, Rules: svc, Actor: "ana", Now: fixedNow, RefreshEvery: time.Millisecond})
		m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
		noErrors(t, pressDrive(t, m, "3", "D"))
		v := m.views[viewRules].(*rulesView)
		if v.Capturing() {
			t.Fatal("D opened the reject delay input outside a rule's detail")
		}
		noErrors(t, pressDrive(t, m, "enter"))
		s := screen(m)
		for _, want := range []string{"Reject delay: none, archives at once", "Acts in working hours: no", "Notify on advance: yes"} {
			if !strings.Contains(s, want) {
				t.Fatalf("detail lacks %q:\n%s", want, s)
			}
		}
		typeDelay := func(text string) {
			t.Helper()
			noErrors(t, pressDrive(t, m, "D"))
			if !v.Capturing() || !strings.Contains(screen(m), `Reject delay of "Screen"`) {
				t.Fatalf("D did not open the reject delay input:\n%s", screen(m))
			}
			for range 10 {
				press(m, "backspace")
			}
			for _, r := range text {
				press(m, string(r))
			}
		}
		unchanged := func() {
			t.Helper()
			got, err := db.GetRule(ctx, id)
			testkit.Must(t, err)
			if got.Version != 1 || got.RejectDelay != 0 {
				t.Fatalf("rule changed: version %d, reject delay %s", got.Version, got.RejectDelay)
			}
		}

		tests := []struct{ name, typed, says string }{
			{name: "not a duration", typed: "soon", says: `reject delay "soon" is not a duration`},
			{name: "over a week", typed: "8d", says: "reject_delay must be at most 7 days"},
			{name: "negative", typed: "-1h", says: "reject_delay must be 0 (archive at once) or more"},
		}
		for _, tt := range tests {
			typeDelay(tt.typed)
			if msgs := pressDrive(t, m, "enter"); len(msgs) != 0 {
				t.Fatalf("%s: enter ran %d messages", tt.name, len(msgs))
			}
			if s := screen(m); !strings.Contains(s, tt.says) || v.confirm != nil {
				t.Fatalf("%s: no refusal %q under the input:\n%s", tt.name, tt.says, s)
			}
			press(m, "esc")
			if v.Capturing() {
				t.Fatalf("%s: esc did not close the input", tt.name)
			}
			unchanged()
		}

		// A good value asks first; n writes nothing.
		typeDelay("2h")
		press(m, "enter")
		if s := screen(m); !strings.Contains(s, `Set the reject delay of "Screen" to 2 h?`) || !strings.Contains(s, "It is LIVE.") {
			t.Fatalf("no confirm step:\n%s", s)
		}
		if msgs := pressDrive(t, m, "n"); len(msgs) != 0 {
			t.Fatalf("cancel ran %d messages", len(msgs))
		}
		unchanged()

		typeDelay("2h")
		press(m, "enter")
		noErrors(t, pressDrive(t, m, "y"))
		got, err := db.GetRule(ctx, id)
		testkit.Must(t, err)
		if got.RejectDelay != 2*time.Hour || got.Version != 2 || !got.NotifyOnAdvance || got.Mode != domain.ModeLive {
			t.Fatalf("stored rule: delay %s, version %d, notify on advance %t, mode %s", got.RejectDelay, got.Version,
				got.NotifyOnAdvance, got.Mode)
		}
		if !strings.Contains(m.status, `rule "Screen" now waits 2 h before archiving`) {
			t.Fatalf("status = %q", m.status)
		}
		revs, err := db.ListRuleRevisions(ctx, id)
		testkit.Must(t, err)
		if len(revs) != 2 || revs[0].Actor != "ana" || revs[0].Source != domain.SourceTUI || len(revs[0].Changes) != 1 ||
			revs[0].Changes[0].Field != "reject_delay" || *revs[0].Changes[0].Old != "0" || *revs[0].Changes[0].New != "2h" {
			t.Fatalf("revisions: %+v", revs)
		}
		s = screen(m)
		for _, want := range []string{"Reject delay: 2 h", "v2", "ana (tui) reject_delay: 0 -> 2h"} {
			if !strings.Contains(s, want) {
				t.Fatalf("detail lacks %q after the change:\n%s", want, s)
			}
		}

		// The same value again writes nothing and says so; 0 removes it.
		typeDelay("120m")
		press(m, "enter")
		noErrors(t, pressDrive(t, m, "y"))
		if !strings.Contains(m.status, "unchanged") {
			t.Fatalf("status = %q", m.status)
		}
		typeDelay("0")
		press(m, "enter")
		if !strings.Contains(screen(m), `Remove the reject delay of "Screen"?`) {
			t.Fatalf("no confirm for 0:\n%s", screen(m))
		}
		noErrors(t, pressDrive(t, m, "y"))
		got, err = db.GetRule(ctx, id)
		testkit.Must(t, err)
		if got.RejectDelay != 0 || got.Version != 3 || !strings.Contains(m.status, "now archives at once") {
			t.Fatalf("after 0: delay %s, version %d, status %q", got.RejectDelay, got.Version, m.status)
		}
	})
}

func TestDelayText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		d    time.Duration
		want string
	}{
		{name: "none", d: 0, want: "none, archives at once"},
		{name: "hours", d: 2 * time.Hour, want: "2 h"},
		{name: "hours and minutes", d: 90 * time.Minute, want: "1 h 30 min"},
		{name: "seconds", d: 45 * time.Second, want: "45 s"},
		{name: "a day", d: 24 * time.Hour, want: "1 day"},
		{name: "a week", d: 7 * 24 * time.Hour, want: "7 days"},
		{name: "a day and a half", d: 36 * time.Hour, want: "36 h"},
	}
	for _, tt := range tests {
		if got := delayOrNone(tt.d); got != tt.want {
			t.Errorf("%s: delayOrNone(%s) = %q, want %q", tt.name, tt.d, got, tt.want)
		}
	}
}
