package engine_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/engine"
)

func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

// genInput builds a random but plausible evaluation input from seed; raw is
// used as the values of some submissions so the fuzzer also explores
// LookupValue and Compare.
func genInput(seed uint64, raw []byte) engine.Input {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	interviews := []string{"I1", "I2", "I3"}
	people := []string{"A", "B", "C", "D"}
	s := domain.Schedule{
		ID: "s1", ApplicationID: "app1", JobID: pick(r, "job", "job", ""),
		InterviewPlanID: "plan", InterviewStageID: "stage", Status: domain.StatusComplete, Cancelled: r.IntN(20) == 0,
	}
	switch r.IntN(20) {
	case 0:
		s.InterviewPlanID = ""
	case 1:
		s.InterviewStageID = ""
	}
	nEvents := 1 + r.IntN(4)
	if r.IntN(20) == 0 {
		nEvents = 0
	}
	for i := range nEvents {
		e := domain.Event{ID: fmt.Sprintf("E%d", i), ScheduleID: "s1", InterviewID: pick(r, interviews...),
			EndTime: t0.Add(time.Duration(r.IntN(240)-200) * time.Hour)}
		e.StartTime = e.EndTime.Add(-time.Hour)
		for range 1 + r.IntN(3) {
			e.Interviewers = append(e.Interviewers, domain.Assignment{
				EventID: e.ID, InterviewerID: pick(r, people...),
				TrainingRole:       pick(r, domain.TrainingRoleTrained, domain.TrainingRoleTrained, domain.TrainingRoleTrained, domain.TrainingRoleShadow, domain.TrainingRoleReverseShadow, ""),
				IsFeedbackRequired: r.IntN(8) != 0, IsEnabled: true,
			})
		}
		s.Events = append(s.Events, e)
	}
	values := []string{`{"s":4}`, `{"s":"3"}`, `{"s":{"score":2}}`, `{"s":5,"b":true,"t":"hire"}`,
		`{"s":4}`, `{"s":"3"}`, `{"s":{"score":2}}`, `{"s":5,"b":true,"t":"hire"}`,
		`{"s":1,"b":false,"t":"no_hire"}`, `{"b":"TRUE","t":"strong_hire"}`, `{"s":null}`, string(raw)}
	var fb []domain.Feedback
	add := func(eventID, who string) {
		at := t0.Add(-time.Duration(r.IntN(240)) * time.Hour / 2)
		fb = append(fb, domain.Feedback{ID: fmt.Sprintf("f%d", len(fb)), EventID: eventID,
			InterviewerID: who, SubmittedAt: at, UpdatedAt: at, Values: []byte(pick(r, values...))})
	}
	// Mostly the assigned people answer; sometimes not, sometimes twice.
	for _, e := range s.Events {
		for _, a := range e.Interviewers {
			for range pick(r, 0, 1, 1, 1, 1, 1, 2) {
				add(e.ID, a.InterviewerID)
			}
		}
	}
	// Strays: unknown events, unexpected people.
	eventIDs := []string{"EX"}
	for _, e := range s.Events {
		eventIDs = append(eventIDs, e.ID)
	}
	for range r.IntN(3) {
		add(pick(r, eventIDs...), pick(r, "A", "B", "C", "D", "Z"))
	}
	var rules []domain.Rule
	for i := range 1 + r.IntN(3) {
		ru := domain.Rule{ID: fmt.Sprintf("r%d", i), JobID: pick(r, "", "", "job", "other"),
			InterviewPlanID: "plan", InterviewStageID: pick(r, "stage", "stage", "stage", "stage", "other"),
			Mode: domain.ModeShadow, Active: r.IntN(8) != 0, Version: 1 + r.IntN(3), Priority: r.IntN(2),
			CreatedAt: t0.Add(-time.Duration(r.IntN(2)) * time.Hour), TimeoutDays: pick(r, 0, 0, 1), MinWaitMinutes: pick(r, 0, 0, 60)}
		nReqs := 1 + r.IntN(3)
		if r.IntN(10) == 0 {
			nReqs = 0
		}
		for j := range nReqs {
			if r.IntN(2) == 0 && len(s.Events) > 0 {
				// A sane requirement on a scheduled interview, so advances happen.
				ru.Requirements = append(ru.Requirements, domain.Requirement{
					ID: fmt.Sprintf("q%d", j), RuleID: ru.ID, InterviewID: pick(r, s.Events...).InterviewID,
					FieldPath: "s", Operator: pick(r, ">=", ">"), Threshold: pick(r, "0", "1", "2"),
					Aggregate: pick(r, "", "avg", "min", "count>=1"), Required: true, Position: r.IntN(2),
				})
				continue
			}
			ru.Requirements = append(ru.Requirements, domain.Requirement{
				ID: fmt.Sprintf("q%d", j), RuleID: ru.ID, InterviewID: pick(r, "I1", "I1", "I2", "I3", "I9"),
				FieldPath: pick(r, "s", "s", "b", "t", "s.score", "x"),
				Operator:  pick(r, ">=", ">", "<=", "<", "==", "!=", "in", "??"),
				Threshold: pick(r, "1", "3", "true", "hire", "hire,strong_hire", "1,2,3,4,5", "", "x"),
				Aggregate: pick(r, "", "each", "avg", "min", "max", "count>=2", "bogus"),
				Required:  r.IntN(3) != 0, Position: r.IntN(2),
			})
		}
		rules = append(rules, ru)
	}
	return engine.Input{Schedule: s, Rules: rules, Feedback: fb, Now: t0,
		MinWait: pick(r, time.Duration(0), 30*time.Minute), Timeout: pick(r, time.Duration(0), 7*24*time.Hour)}
}

// shuffled returns in with every slice the engine reads shuffled.
func shuffled(in engine.Input, seed uint64) engine.Input {
	r := rand.New(rand.NewPCG(seed, ^seed))
	shuffle := func(n int, swap func(i, j int)) { r.Shuffle(n, swap) }
	out := in
	out.Schedule.Events = slices.Clone(in.Schedule.Events)
	shuffle(len(out.Schedule.Events), func(i, j int) {
		out.Schedule.Events[i], out.Schedule.Events[j] = out.Schedule.Events[j], out.Schedule.Events[i]
	})
	for i := range out.Schedule.Events {
		ivs := slices.Clone(out.Schedule.Events[i].Interviewers)
		shuffle(len(ivs), func(a, b int) { ivs[a], ivs[b] = ivs[b], ivs[a] })
		out.Schedule.Events[i].Interviewers = ivs
	}
	out.Feedback = slices.Clone(in.Feedback)
	shuffle(len(out.Feedback), func(i, j int) { out.Feedback[i], out.Feedback[j] = out.Feedback[j], out.Feedback[i] })
	out.Rules = slices.Clone(in.Rules)
	shuffle(len(out.Rules), func(i, j int) { out.Rules[i], out.Rules[j] = out.Rules[j], out.Rules[i] })
	for i := range out.Rules {
		reqs := slices.Clone(out.Rules[i].Requirements)
		shuffle(len(reqs), func(a, b int) { reqs[a], reqs[b] = reqs[b], reqs[a] })
		out.Rules[i].Requirements = reqs
	}
	return out
}

func FuzzEvaluate(f *testing.F) {
	for i := range uint64(256) {
		f.Add(i, i*7+1, []byte(`{"s":3,"b":true,"t":"hire"}`))
	}
	f.Add(uint64(1000), uint64(3), []byte(`{"s":{"score":"4"}}`))
	f.Add(uint64(1001), uint64(4), []byte(`{"s":[1,2],"t":"x\ny"}`))
	f.Add(uint64(1002), uint64(5), []byte(`not json`))
	f.Add(uint64(1003), uint64(6), []byte(`{"s":1e400,"b":"False"}`))
	f.Fuzz(func(t *testing.T, seed, shuffleSeed uint64, raw []byte) {
		in := genInput(seed, raw)
		d := engine.Evaluate(in)

		if d.Outcome == domain.OutcomeAdvance {
			for _, o := range engine.Expected(in.Schedule, in.Feedback) {
				if !o.Submitted {
					t.Fatalf("advance while %s owes feedback for %s: %s", o.Interviewer.InterviewerID, o.InterviewID, d.Summary)
				}
			}
			if d.DueAt != nil {
				t.Fatalf("advance with due_at %v", d.DueAt)
			}
		}
		if d.Outcome != domain.OutcomeAdvance && len(d.Reasons) == 0 {
			t.Fatalf("%s without reasons", d.Outcome)
		}
		if d.Outcome == domain.OutcomeTimeout && d.DueAt != nil {
			t.Fatalf("timeout with due_at %v", d.DueAt)
		}
		if d.DueAt != nil && !d.DueAt.After(in.Now) {
			t.Fatalf("due_at %v not after now %v", d.DueAt, in.Now)
		}

		other := shuffled(in, shuffleSeed)
		if d2 := engine.Evaluate(other); !reflect.DeepEqual(d, d2) {
			t.Fatalf("input order changed the decision:\n%+v\n%+v", d, d2)
		}
		if a, b := engine.Expected(in.Schedule, in.Feedback), engine.Expected(other.Schedule, other.Feedback); !reflect.DeepEqual(a, b) {
			t.Fatalf("input order changed Expected:\n%+v\n%+v", a, b)
		}
	})
}
