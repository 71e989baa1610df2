package rules_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/rules"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
)

var (
	api   = rules.Actor{Name: "deploy-bot", Source: domain.SourceAPI}
	tuiOp = rules.Actor{Name: "ana", Source: domain.SourceTUI}
	at    = time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
)

func newService(t *testing.T, db *store.DB) (*rules.Service, *bytes.Buffer) {
	t.Helper()
	seed(t, db)
	var logs bytes.Buffer
	return rules.New(rules.Options{Store: db, Now: func() time.Time { return at },
		Logger: slog.New(slog.NewJSONHandler(&logs, nil))}), &logs
}

func screenRule(name string) domain.Rule {
	return domain.Rule{Name: name, InterviewPlanID: "plan-eng", InterviewStageID: "st-screen", Active: true,
		Requirements: []domain.Requirement{{InterviewID: "iv-tech", FieldPath: "overall_score", Operator: ">=", Threshold: "3", Required: true}}}
}

func conflictMsg(t *testing.T, err error) string {
	t.Helper()
	var ce *rules.ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("err = %v (%T), want *rules.ConflictError", err, err)
	}
	for _, bad := range []string{"UNIQUE", "constraint", "SQLSTATE", "duplicate key"} {
		if strings.Contains(ce.Msg, bad) {
			t.Fatalf("message shows driver text %q: %s", bad, ce.Msg)
		}
	}
	return ce.Msg
}

func TestServiceScopeAndNameConflicts(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, _ := newService(t, db)
		first, err := svc.Create(ctx, api, screenRule("screen"))
		testkit.Must(t, err)

		// A second active rule for the same scope: the API's 409 text.
		_, err = svc.Create(ctx, api, screenRule("screen-2"))
		if msg := conflictMsg(t, err); msg != rules.ScopeConflictMessage {
			t.Fatalf("scope conflict: %q", msg)
		}
		// The same name on another scope.
		other := screenRule("screen")
		other.InterviewStageID = "st-onsite"
		_, err = svc.Create(ctx, api, other)
		if msg := conflictMsg(t, err); !strings.Contains(msg, `an active rule named "screen" already exists`) {
			t.Fatalf("name conflict: %q", msg)
		}

		// Activating an inactive rule into an occupied scope is refused the
		// same way, with nothing written.
		inactive := screenRule("screen-b")
		inactive.Active = false
		b, err := svc.Create(ctx, api, inactive)
		testkit.Must(t, err)
		_, err = svc.Activate(ctx, tuiOp, b.Rule.ID, b.Rule.Version)
		if msg := conflictMsg(t, err); msg != rules.ScopeConflictMessage {
			t.Fatalf("activate into an occupied scope: %q", msg)
		}
		// Once the scope is free the same activation goes through.
		_, err = svc.Deactivate(ctx, tuiOp, first.Rule.ID, first.Rule.Version)
		testkit.Must(t, err)
		got, err := svc.Activate(ctx, tuiOp, b.Rule.ID, b.Rule.Version)
		testkit.Must(t, err)
		if !got.Rule.Active || got.Rule.Version != 2 {
			t.Fatalf("activated = %+v", got.Rule)
		}
		revs, err := svc.History(ctx, b.Rule.ID)
		testkit.Must(t, err)
		if len(revs) != 2 || revs[0].Action != domain.RevisionActivate {
			t.Fatalf("history of the refused then accepted activation: %+v", revs)
		}
	})
}

func TestServiceVersionCompareAndSet(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, _ := newService(t, db)
		r, err := svc.Create(ctx, api, screenRule("screen"))
		testkit.Must(t, err)
		read := r.Rule.Version
		_, err = svc.SetMode(ctx, api, r.Rule.ID, read, domain.ModeLive)
		testkit.Must(t, err)
		// A second writer that read the same version is refused.
		_, err = svc.Deactivate(ctx, tuiOp, r.Rule.ID, read)
		if msg := conflictMsg(t, err); !strings.Contains(msg, `rule "screen" changed meanwhile (now version 2, you read version 1)`) {
			t.Fatalf("stale version: %q", msg)
		}
		got, err := db.GetRule(ctx, r.Rule.ID)
		testkit.Must(t, err)
		if !got.Active || got.Version != 2 {
			t.Fatalf("a refused change reached the store: %+v", got)
		}
		// A change to what is already so writes nothing.
		same, err := svc.SetMode(ctx, api, r.Rule.ID, 2, domain.ModeLive)
		testkit.Must(t, err)
		if same.Changed() || same.Rule.Version != 2 {
			t.Fatalf("no-op change = %+v", same)
		}
		if _, err := svc.SetMode(ctx, api, "missing", 0, domain.ModeLive); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("missing rule: %v", err)
		}
		// Validation runs on edits: a bad mode is a problem, not a write.
		_, err = svc.SetMode(ctx, api, r.Rule.ID, 2, "loud")
		var ve *rules.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("bad mode: %v, want a validation error", err)
		}
		// Actors are required.
		if _, err := svc.Deactivate(ctx, rules.Actor{Source: domain.SourceAPI}, r.Rule.ID, 2); !errors.Is(err, domain.ErrInvalid) {
			t.Fatalf("no actor: %v", err)
		}
	})
}

func TestServiceRevisions(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, logs := newService(t, db)
		r, err := svc.Create(ctx, api, screenRule("screen"))
		testkit.Must(t, err)
		id := r.Rule.ID
		_, err = svc.SetMode(ctx, tuiOp, id, 1, domain.ModeLive)
		testkit.Must(t, err)
		_, err = svc.Update(ctx, api, id, 2, func(r *domain.Rule) error {
			r.Priority = 4
			r.Requirements[0].Threshold = "3.5"
			return nil
		})
		testkit.Must(t, err)
		_, err = svc.Delete(ctx, api, id, 3)
		testkit.Must(t, err)
		if _, err := svc.Delete(ctx, api, id, 0); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("delete twice: %v, want ErrNotFound", err)
		}

		revs, err := svc.History(ctx, id)
		testkit.Must(t, err)
		type row struct {
			version        int
			action, actor  string
			source         string
			changes        string
			createdAtEqual bool
		}
		flat := func(cs []domain.FieldChange) string {
			var b strings.Builder
			for _, c := range cs {
				old, nw := "null", "null"
				if c.Old != nil {
					old = *c.Old
				}
				if c.New != nil {
					nw = *c.New
				}
				b.WriteString(c.Field + "=" + old + ">" + nw + ";")
			}
			return b.String()
		}
		var got []row
		for _, v := range revs {
			if v.RuleID != id {
				t.Fatalf("revision of another rule: %+v", v)
			}
			got = append(got, row{v.Version, v.Action, v.Actor, v.Source, flat(v.Changes), v.CreatedAt.Equal(at)})
		}
		tests := []row{
			{4, domain.RevisionDelete, "deploy-bot", "api", "active=true>false;", true},
			{3, domain.RevisionUpdate, "deploy-bot", "api", "priority=0>4;requirements[0].threshold_value=3>3.5;", true},
			{2, domain.RevisionMode, "ana", "tui", "mode=shadow>live;", true},
		}
		if len(got) != 4 {
			t.Fatalf("revisions = %+v, want 4", got)
		}
		for i, tt := range tests {
			if got[i] != tt {
				t.Errorf("revision %d = %+v, want %+v", i, got[i], tt)
			}
		}
		created := revs[3]
		if created.Action != domain.RevisionCreate || created.Version != 1 || len(created.Changes) < 15 {
			t.Fatalf("create revision = %+v", created)
		}
		for _, c := range created.Changes {
			if c.Old != nil || c.New == nil {
				t.Fatalf("created field %+v: want old null, new set", c)
			}
		}
		if !strings.Contains(flat(created.Changes), "interview_plan=null>plan-eng;") {
			t.Fatalf("create changes = %s", flat(created.Changes))
		}
		// The switch to live is logged with its actor.
		if !strings.Contains(logs.String(), `"msg":"rule_mode_changed"`) || !strings.Contains(logs.String(), `"actor":"ana"`) ||
			!strings.Contains(logs.String(), `"to":"live"`) {
			t.Fatalf("no rule_mode_changed log:\n%s", logs.String())
		}
		titles, err := svc.Titles(ctx)
		testkit.Must(t, err)
		if d := rules.Describe(created, titles); !strings.Contains(d, "all jobs / Engineering / Tech Screen") {
			t.Fatalf("describe create = %q", d)
		}
	})
}

func TestServiceApplyWritesRevisions(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, _ := newService(t, db)
		plan, err := svc.Apply(ctx, cli, parse(t, file), rules.ApplyOptions{})
		testkit.Must(t, err)
		if len(plan.Changes) != 2 {
			t.Fatalf("plan = %+v", plan)
		}
		// The file minus one rule deactivates it, with a revision.
		_, err = svc.Apply(ctx, cli, parse(t, file[:strings.Index(file, "  - name: backend-onsite")]), rules.ApplyOptions{Prune: true})
		testkit.Must(t, err)
		onsite, err := svc.Lookup(ctx, "backend-onsite")
		testkit.Must(t, err)
		revs, err := svc.History(ctx, onsite.ID)
		testkit.Must(t, err)
		if len(revs) != 2 || revs[0].Action != domain.RevisionDeactivate || revs[0].Actor != "ci" || revs[0].Source != "cli" ||
			revs[1].Action != domain.RevisionCreate || revs[0].Version != onsite.Version {
			t.Fatalf("history = %+v", revs)
		}
	})
}
