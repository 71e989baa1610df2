package rules_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/rules"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

func TestParseAndFormatDelay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    time.Duration
		wantErr bool
		// out is FormatDelay(want).
		out string
	}{
		{name: "empty is none", in: "", want: 0, out: "0"},
		{name: "zero is none", in: "0", want: 0, out: "0"},
		{name: "spaces", in: " 2h ", want: 2 * time.Hour, out: "2h"},
		{name: "minutes", in: "90m", want: 90 * time.Minute, out: "1h30m"},
		{name: "hours and minutes", in: "1h30m", want: 90 * time.Minute, out: "1h30m"},
		{name: "seconds", in: "45s", want: 45 * time.Second, out: "45s"},
		{name: "go's long form", in: "2h0m0s", want: 2 * time.Hour, out: "2h"},
		{name: "a day", in: "1d", want: 24 * time.Hour, out: "24h"},
		{name: "a day and hours", in: "1d12h", want: 36 * time.Hour, out: "36h"},
		{name: "a week", in: "7d", want: 7 * 24 * time.Hour, out: "168h"},
		{name: "negative parses (CheckShape refuses it)", in: "-2h", want: -2 * time.Hour, out: "-2h0m0s"},
		{name: "word", in: "soon", wantErr: true},
		{name: "number without unit", in: "2", wantErr: true},
		{name: "fraction of a day", in: "1.5d", wantErr: true},
		{name: "negative days", in: "-1d", wantErr: true},
		{name: "days then a sign", in: "1d-2h", wantErr: true},
		{name: "d alone", in: "d", wantErr: true},
		{name: "overflow", in: "1000000d", wantErr: true},
	}
	for _, tt := range tests {
		got, err := rules.ParseDelay(tt.in)
		if tt.wantErr {
			if err == nil || !strings.Contains(err.Error(), "is not a duration: write it like 2h") {
				t.Errorf("%s: ParseDelay(%q) = %s, %v; want a plain error", tt.name, tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: ParseDelay(%q) = %s, %v; want %s", tt.name, tt.in, got, err, tt.want)
			continue
		}
		if s := rules.FormatDelay(got); s != tt.out {
			t.Errorf("%s: FormatDelay(%s) = %q, want %q", tt.name, got, s, tt.out)
		}
		if back, err := rules.ParseDelay(rules.FormatDelay(got)); err != nil || back != got {
			t.Errorf("%s: FormatDelay(%s) does not parse back: %s, %v", tt.name, got, back, err)
		}
	}
}

// optionsFile has one rule with every second-thoughts option set and one
// with none.
const optionsFile = `
rules:
  - name: careful
    interview_plan: Engineering
    interview_stage: Tech Screen
    reject_delay: 2h
    act_in_work_hours: true
    notify_on_advance: true
    requirements:
      - interview: Technical Interview
        score_field_path: overall_score
        operator: ">="
        threshold_value: 3
  - name: plain
    interview_plan: Sales
    interview_stage: Call
    reject_delay: 0
    requirements:
      - interview: System Design
        score_field_path: overall_score
        operator: ">="
        threshold_value: 3
`

// TestRuleOptionsRoundTrip: reject_delay, act_in_work_hours and
// notify_on_advance go from a rules file to the store, back out in the
// export (omitted when unset), through a diff and an apply, and into the
// rule's revisions, which read "reject_delay: 2h -> 1h30m".
func TestRuleOptionsRoundTrip(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		ctx := context.Background()
		apply(t, db, parse(t, optionsFile), false)
		byName := func() map[string]domain.Rule {
			rs, err := db.ListRules(ctx, true)
			testkit.Must(t, err)
			out := map[string]domain.Rule{}
			for _, r := range rs {
				out[r.Name] = r
			}
			return out
		}
		got := byName()
		if c := got["careful"]; c.RejectDelay != 2*time.Hour || !c.ActInWorkHours || !c.NotifyOnAdvance {
			t.Fatalf("careful stored as delay %s, work hours %t, notify on advance %t", c.RejectDelay, c.ActInWorkHours, c.NotifyOnAdvance)
		}
		if p := got["plain"]; p.RejectDelay != 0 || p.ActInWorkHours || p.NotifyOnAdvance {
			t.Fatalf("plain stored with options: %+v", p)
		}

		doc, err := rules.Export(ctx, db)
		testkit.Must(t, err)
		out, err := doc.YAML()
		testkit.Must(t, err)
		text := string(out)
		for _, want := range []string{"reject_delay: 2h\n", "act_in_work_hours: true\n", "notify_on_advance: true\n"} {
			if strings.Count(text, want) != 1 {
				t.Errorf("export has %q %d times, want once (careful only):\n%s", want, strings.Count(text, want), text)
			}
		}
		if plan := apply(t, db, parse(t, text), false); !plan.Empty() {
			t.Errorf("applying the export changed %+v\n%s", plan.Changes, text)
		}

		edited := strings.Replace(optionsFile, "reject_delay: 2h", "reject_delay: 90m", 1)
		edited = strings.Replace(edited, "act_in_work_hours: true", "act_in_work_hours: false", 1)
		edited = strings.Replace(edited, "    reject_delay: 0\n", "    reject_delay: 1d\n    notify_on_advance: true\n", 1)
		plan := apply(t, db, parse(t, edited), true)
		var buf bytes.Buffer
		testkit.Must(t, plan.Write(&buf))
		diff := buf.String()
		for _, want := range []string{
			`~ update rule "careful"`, "    reject_delay: 2h -> 1h30m\n", "    act_in_work_hours: true -> false\n",
			`~ update rule "plain"`, "    reject_delay: 0 -> 24h\n", "    notify_on_advance: false -> true\n",
			"0 to create, 2 to update, 0 to deactivate",
		} {
			if !strings.Contains(diff, want) {
				t.Errorf("diff lacks %q:\n%s", want, diff)
			}
		}
		if n := strings.Count(diff, " -> "); n != 4 {
			t.Errorf("diff shows %d changed fields, want 4:\n%s", n, diff)
		}
		apply(t, db, parse(t, edited), false)
		got = byName()
		if c := got["careful"]; c.RejectDelay != 90*time.Minute || c.ActInWorkHours || !c.NotifyOnAdvance || c.Version != 2 {
			t.Fatalf("careful after the edit: delay %s, work hours %t, notify %t, v%d", c.RejectDelay, c.ActInWorkHours,
				c.NotifyOnAdvance, c.Version)
		}
		if p := got["plain"]; p.RejectDelay != 24*time.Hour || !p.NotifyOnAdvance {
			t.Fatalf("plain after the edit: %+v", p)
		}

		svc := rules.New(rules.Options{Store: db})
		revs, err := svc.History(ctx, got["careful"].ID)
		testkit.Must(t, err)
		if len(revs) != 2 || revs[0].Action != domain.RevisionUpdate {
			t.Fatalf("revisions: %+v", revs)
		}
		if line := rules.Describe(revs[0], nil); line != "reject_delay: 2h -> 1h30m; act_in_work_hours: true -> false" {
			t.Errorf("newest revision reads %q", line)
		}
		created := map[string]string{}
		for _, c := range revs[1].Changes {
			if c.New != nil {
				created[c.Field] = *c.New
			}
		}
		if created["reject_delay"] != "2h" || created["act_in_work_hours"] != "true" || created["notify_on_advance"] != "true" {
			t.Errorf("create revision lacks the options: %v", created)
		}
	})
}

// TestServiceUpdateRejectDelay: a reject delay outside 0..7 days, or not
// in whole seconds, is refused by the service (whichever door calls it),
// plainly and under the field's name, and nothing is written.
func TestServiceUpdateRejectDelay(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		ctx := context.Background()
		apply(t, db, parse(t, optionsFile), false)
		svc := rules.New(rules.Options{Store: db})
		r, err := svc.Lookup(ctx, "careful")
		testkit.Must(t, err)
		tests := []struct {
			name string
			d    time.Duration
			want string
		}{
			{name: "negative", d: -time.Minute, want: "body.reject_delay: reject_delay must be 0 (archive at once) or more"},
			{name: "over a week", d: rules.MaxRejectDelay + time.Second, want: "body.reject_delay: reject_delay must be at most 7 days (168h)"},
			{name: "a fraction of a second", d: 1500 * time.Millisecond, want: "body.reject_delay: reject_delay must be a whole number of seconds"},
		}
		for _, tt := range tests {
			_, err := svc.Update(ctx, cli, r.ID, r.Version, func(next *domain.Rule) error { next.RejectDelay = tt.d; return nil })
			var ve *rules.ValidationError
			if !errors.As(err, &ve) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
			}
		}
		res, err := svc.Update(ctx, cli, r.ID, r.Version, func(next *domain.Rule) error { next.RejectDelay = rules.MaxRejectDelay; return nil })
		testkit.Must(t, err)
		if res.Rule.RejectDelay != rules.MaxRejectDelay || res.Rule.Version != r.Version+1 {
			t.Fatalf("a week exactly: %s v%d", res.Rule.RejectDelay, res.Rule.Version)
		}
	})
}

func TestApplyRefusesBadRejectDelay(t *testing.T) {
	t.Parallel()
	db, _ := testkit.OpenSQLite(t)
	seed(t, db)
	tests := []struct {
		name, value, want string
	}{
		{name: "not a duration", value: "soon", want: `rules[0].reject_delay: reject_delay "soon" is not a duration: write it like 2h, 90m, 1h30m, 1d or 0`},
		{name: "negative", value: "-2h", want: "rules[0].reject_delay: reject_delay must be 0 (archive at once) or more"},
		{name: "over a week", value: "8d", want: "rules[0].reject_delay: reject_delay must be at most 7 days (168h)"},
		{name: "a fraction of a second", value: "1.5s", want: "rules[0].reject_delay: reject_delay must be a whole number of seconds"},
		{name: "a list", value: "[2h]", want: "parse rules file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := strings.Replace(optionsFile, "reject_delay: 2h", "reject_delay: "+tt.value, 1)
			parsed, err := rules.Parse(strings.NewReader(doc))
			if err == nil {
				_, err = rules.New(rules.Options{Store: db}).Apply(context.Background(), cli, parsed, rules.ApplyOptions{})
			}
			if !errors.Is(err, domain.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	rs, err := db.ListRules(context.Background(), false)
	testkit.Must(t, err)
	if len(rs) != 0 {
		t.Errorf("an invalid file wrote %d rules", len(rs))
	}
}
