package engine_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/engine"
)

// withReqs replaces the requirements of the first rule.
func withReqs(reqs ...domain.Requirement) func(*engine.Input) {
	return func(in *engine.Input) { in.Rules[0].Requirements = reqs }
}

// withValues sets A's and B's submitted values.
func withValues(a, b string) func(*engine.Input) {
	return func(in *engine.Input) {
		in.Feedback[0].Values = []byte(a)
		in.Feedback[1].Values = []byte(b)
	}
}

func all(mods ...func(*engine.Input)) func(*engine.Input) {
	return func(in *engine.Input) {
		for _, m := range mods {
			m(in)
		}
	}
}

func withReq(op, threshold string) func(*engine.Input) {
	return withReqs(requirement("q1", "I1", "overall_score", op, threshold))
}

func withAgg(agg, op, threshold string) func(*engine.Input) {
	rq := requirement("q1", "I1", "overall_score", op, threshold)
	rq.Aggregate = agg
	return withReqs(rq)
}

// threePanel makes I1 a panel of A, B, C scoring a, b, c.
func threePanel(a, b, c string) func(*engine.Input) {
	return func(in *engine.Input) {
		in.Schedule.Events = []domain.Event{event("E1", "I1", time.Hour, person("A"), person("B"), person("C"))}
		in.Feedback = []domain.Feedback{
			feedback("f1", "E1", "A", 70*time.Minute, `{"overall_score": `+a+`}`),
			feedback("f2", "E1", "B", 70*time.Minute, `{"overall_score": `+b+`}`),
			feedback("f3", "E1", "C", 70*time.Minute, `{"overall_score": `+c+`}`),
		}
	}
}

func addInterview2(in *engine.Input) {
	in.Schedule.Events = append(in.Schedule.Events, event("E2", "I2", time.Hour, person("C")))
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		mod     func(*engine.Input)
		outcome string
		codes   []string   // must all be present
		due     *time.Time // exact DueAt; nil means none
		ruleID  string     // checked when set
		summary string     // substring of Summary, checked when set
		check   func(*testing.T, domain.Decision)
	}{
		// Rule matching and precedence.
		{name: "no rule at all", mod: func(in *engine.Input) { in.Rules = nil }, outcome: domain.OutcomeNoRule, codes: []string{engine.CodeNoMatchingRule}},
		{name: "inactive rule ignored", mod: func(in *engine.Input) { in.Rules[0].Active = false }, outcome: domain.OutcomeNoRule, codes: []string{engine.CodeNoMatchingRule}},
		{name: "rule for another plan", mod: func(in *engine.Input) { in.Rules[0].InterviewPlanID = "other" }, outcome: domain.OutcomeNoRule, codes: []string{engine.CodeNoMatchingRule}},
		{name: "rule for another stage", mod: func(in *engine.Input) { in.Rules[0].InterviewStageID = "other" }, outcome: domain.OutcomeNoRule, codes: []string{engine.CodeNoMatchingRule}},
		{name: "rule for another job", mod: func(in *engine.Input) { in.Rules[0].JobID = "other" }, outcome: domain.OutcomeNoRule, codes: []string{engine.CodeNoMatchingRule}},
		{name: "job rule needs the schedule's job", mod: func(in *engine.Input) { in.Rules[0].JobID = "job"; in.Schedule.JobID = "" }, outcome: domain.OutcomeNoRule},
		{name: "global rule matches a schedule without job", mod: func(in *engine.Input) { in.Schedule.JobID = "" }, outcome: domain.OutcomeAdvance, ruleID: "r1"},
		{name: "job-specific beats global with higher priority", mod: func(in *engine.Input) {
			g := rule("global", requirement("q1", "I1", "overall_score", ">=", "5"))
			g.Priority = 100
			j := rule("specific", requirement("q1", "I1", "overall_score", ">=", "3"))
			j.JobID = "job"
			in.Rules = []domain.Rule{g, j}
		}, outcome: domain.OutcomeAdvance, ruleID: "specific"},
		{name: "higher priority wins", mod: func(in *engine.Input) {
			lo := rule("lo", requirement("q1", "I1", "overall_score", ">=", "3"))
			hi := rule("hi", requirement("q1", "I1", "overall_score", ">=", "5"))
			hi.Priority = 2
			in.Rules = []domain.Rule{lo, hi}
		}, outcome: domain.OutcomeReject, ruleID: "hi"},
		{name: "tie broken by oldest created", mod: func(in *engine.Input) {
			a := rule("a", requirement("q1", "I1", "overall_score", ">=", "5"))
			a.CreatedAt = at(time.Hour)
			b := rule("b", requirement("q1", "I1", "overall_score", ">=", "3"))
			in.Rules = []domain.Rule{a, b}
		}, outcome: domain.OutcomeAdvance, ruleID: "b"},
		{name: "tie broken by id", mod: func(in *engine.Input) {
			in.Rules = []domain.Rule{rule("b", requirement("q1", "I1", "overall_score", ">=", "5")), rule("a", requirement("q1", "I1", "overall_score", ">=", "3"))}
		}, outcome: domain.OutcomeAdvance, ruleID: "a"},
		{name: "decision carries rule id version and mode", mod: func(in *engine.Input) { in.Rules[0].Mode = domain.ModeLive }, outcome: domain.OutcomeAdvance,
			check: func(t *testing.T, d domain.Decision) {
				if d.RuleID != "r1" || d.RuleVersion != 3 || d.Mode != domain.ModeLive {
					t.Errorf("rule fields = %q %d %q", d.RuleID, d.RuleVersion, d.Mode)
				}
			}},

		// Skips.
		{name: "cancelled flag", mod: func(in *engine.Input) { in.Schedule.Cancelled = true }, outcome: domain.OutcomeSkip, codes: []string{engine.CodeScheduleCancelled}},
		{name: "cancelled status", mod: func(in *engine.Input) { in.Schedule.Status = domain.StatusCancelled }, outcome: domain.OutcomeSkip, codes: []string{engine.CodeScheduleCancelled}},
		{name: "no plan id", mod: func(in *engine.Input) { in.Schedule.InterviewPlanID = "" }, outcome: domain.OutcomeSkip, codes: []string{engine.CodeMetadataMissing}, summary: "metadata missing: interview plan id"},
		{name: "no stage id", mod: func(in *engine.Input) { in.Schedule.InterviewStageID = "" }, outcome: domain.OutcomeSkip, codes: []string{engine.CodeMetadataMissing}, summary: "interview stage id"},
		{name: "no events", mod: func(in *engine.Input) { in.Schedule.Events = nil }, outcome: domain.OutcomeSkip, codes: []string{engine.CodeNoEvents}},
		{name: "rule with zero requirements never advances", mod: withReqs(), outcome: domain.OutcomeSkip, codes: []string{engine.CodeRuleHasNoRequirements}, ruleID: "r1"},
		{name: "only optional unscheduled requirements", mod: func(in *engine.Input) {
			rq := requirement("q9", "I9", "overall_score", ">=", "3")
			rq.Required = false
			in.Rules[0].Requirements = []domain.Requirement{rq}
		}, outcome: domain.OutcomeSkip, codes: []string{engine.CodeNoApplicableRequirements, engine.CodeOptionalInterviewNotScheduled}},

		// Operators.
		{name: ">= passes on equal", mod: withReq(">=", "4"), outcome: domain.OutcomeAdvance, codes: []string{engine.CodeRequirementPassed, engine.CodeInterviewerPassed}},
		{name: ">= fails below", mod: withReq(">=", "4.5"), outcome: domain.OutcomeReject, codes: []string{engine.CodeRequirementFailed, engine.CodeInterviewerFailed}},
		{name: "> fails on equal", mod: withReq(">", "4"), outcome: domain.OutcomeReject},
		{name: "> passes above", mod: withReq(">", "3.9"), outcome: domain.OutcomeAdvance},
		{name: "<= passes on equal", mod: withReq("<=", "4"), outcome: domain.OutcomeAdvance},
		{name: "<= fails above", mod: withReq("<=", "3"), outcome: domain.OutcomeReject},
		{name: "< fails on equal", mod: withReq("<", "4"), outcome: domain.OutcomeReject},
		{name: "< passes below", mod: withReq("<", "5"), outcome: domain.OutcomeAdvance},
		{name: "== numeric", mod: withReq("==", "4.0"), outcome: domain.OutcomeAdvance},
		{name: "== numeric mismatch", mod: withReq("==", "3"), outcome: domain.OutcomeReject},
		{name: "!= numeric", mod: withReq("!=", "3"), outcome: domain.OutcomeAdvance},
		{name: "!= numeric equal fails", mod: withReq("!=", "4"), outcome: domain.OutcomeReject},
		{name: "in list with spaces", mod: withReq("in", " 3, 4 ,5"), outcome: domain.OutcomeAdvance},
		{name: "in list without value", mod: withReq("in", "1,2"), outcome: domain.OutcomeReject},
		{name: "in empty list", mod: withReq("in", " , "), outcome: domain.OutcomeReject, codes: []string{engine.CodeInvalidThreshold}},
		{name: "unknown operator fails", mod: withReq("=~", "4"), outcome: domain.OutcomeReject, codes: []string{engine.CodeUnknownOperator}},
		{name: "non-numeric threshold for numeric operator", mod: withReq(">=", "high"), outcome: domain.OutcomeReject, codes: []string{engine.CodeInvalidThreshold}},

		// Aggregates.
		{name: "each default empty: one fails", mod: all(withReq(">=", "4"), withValues(`{"overall_score":4}`, `{"overall_score":3}`)), outcome: domain.OutcomeReject,
			codes: []string{engine.CodeInterviewerPassed, engine.CodeInterviewerFailed}, summary: "1/2 interviewers passed overall_score >= 4 on interview I1"},
		{name: "each explicit: all pass", mod: withAgg("each", ">=", "4"), outcome: domain.OutcomeAdvance, summary: "advance: 2/2 interviewers passed overall_score >= 4 on interview I1"},
		{name: "avg passes", mod: all(threePanel("2", "3", "4"), withAgg("avg", ">=", "3")), outcome: domain.OutcomeAdvance, codes: []string{engine.CodeInterviewerValue},
			check: func(t *testing.T, d domain.Decision) {
				if d.Reasons[0].Value != 3.0 {
					t.Errorf("avg value = %v, want 3", d.Reasons[0].Value)
				}
			}},
		{name: "avg fails", mod: all(threePanel("2", "3", "3"), withAgg("avg", ">=", "3")), outcome: domain.OutcomeReject, summary: "avg overall_score 2.67 >= 3"},
		{name: "min fails", mod: all(threePanel("2", "4", "4"), withAgg("min", ">=", "3")), outcome: domain.OutcomeReject},
		{name: "min passes", mod: all(threePanel("3", "4", "4"), withAgg("min", ">=", "3")), outcome: domain.OutcomeAdvance},
		{name: "max passes", mod: all(threePanel("1", "1", "4"), withAgg("max", ">=", "4")), outcome: domain.OutcomeAdvance},
		{name: "max fails", mod: all(threePanel("1", "1", "3"), withAgg("MAX", ">=", "4")), outcome: domain.OutcomeReject},
		{name: "avg over a non-number fails", mod: all(threePanel("4", `"n/a"`, "4"), withAgg("avg", ">=", "3")), outcome: domain.OutcomeReject, codes: []string{engine.CodeNonNumericValue}},
		{name: "count>=2 passes with 2 of 3", mod: all(threePanel("4", "4", "1"), withAgg("count>=2", ">=", "3")), outcome: domain.OutcomeAdvance, summary: "2/3 interviewers passed"},
		{name: "count >= 3 fails with 2 of 3", mod: all(threePanel("4", "4", "1"), withAgg("count >= 3", ">=", "3")), outcome: domain.OutcomeReject, summary: "(need 3)"},
		{name: "count>=k beyond panel size fails", mod: withAgg("count>=5", ">=", "3"), outcome: domain.OutcomeReject},
		{name: "unknown aggregate fails", mod: withAgg("median", ">=", "3"), outcome: domain.OutcomeReject, codes: []string{engine.CodeUnknownAggregate}},
		{name: "count>=0 is unknown", mod: withAgg("count>=0", ">=", "3"), outcome: domain.OutcomeReject, codes: []string{engine.CodeUnknownAggregate}},

		// Values.
		{name: "numeric string trimmed", mod: withValues(`{"overall_score":" 4 "}`, `{"overall_score":"3.5"}`), outcome: domain.OutcomeAdvance},
		{name: "score object compares numerically", mod: all(withReq(">=", "4"), withValues(`{"overall_score":{"score":4}}`, `{"overall_score":{"score":"4"}}`)), outcome: domain.OutcomeAdvance},
		{name: "boolean == true case-insensitive", mod: all(withReqs(requirement("q1", "I1", "strong_yes", "==", "TRUE")), withValues(`{"strong_yes":true}`, `{"strong_yes":true}`)), outcome: domain.OutcomeAdvance},
		{name: "boolean false == true fails", mod: all(withReqs(requirement("q1", "I1", "strong_yes", "==", "true")), withValues(`{"strong_yes":true}`, `{"strong_yes":false}`)), outcome: domain.OutcomeReject},
		{name: "boolean != False", mod: all(withReqs(requirement("q1", "I1", "strong_yes", "!=", "False")), withValues(`{"strong_yes":true}`, `{"strong_yes":true}`)), outcome: domain.OutcomeAdvance},
		{name: "boolean with numeric operator", mod: all(withReqs(requirement("q1", "I1", "strong_yes", ">=", "1")), withValues(`{"strong_yes":true}`, `{"strong_yes":true}`)), outcome: domain.OutcomeReject, codes: []string{engine.CodeNonNumericValue}},
		{name: "boolean against non-boolean threshold", mod: all(withReqs(requirement("q1", "I1", "strong_yes", "==", "yes")), withValues(`{"strong_yes":true}`, `{"strong_yes":true}`)), outcome: domain.OutcomeReject, codes: []string{engine.CodeInvalidThreshold}},
		{name: "string == exact", mod: all(withReqs(requirement("q1", "I1", "rec", "==", "strong_hire")), withValues(`{"rec":"strong_hire"}`, `{"rec":"strong_hire"}`)), outcome: domain.OutcomeAdvance},
		{name: "string == is case-sensitive", mod: all(withReqs(requirement("q1", "I1", "rec", "==", "strong_hire")), withValues(`{"rec":"strong_hire"}`, `{"rec":"Strong_Hire"}`)), outcome: domain.OutcomeReject},
		{name: "string != ", mod: all(withReqs(requirement("q1", "I1", "rec", "!=", "no_hire")), withValues(`{"rec":"hire"}`, `{"rec":"strong_hire"}`)), outcome: domain.OutcomeAdvance},
		{name: "string in", mod: all(withReqs(requirement("q1", "I1", "rec", "in", "hire, strong_hire")), withValues(`{"rec":"hire"}`, `{"rec":"strong_hire"}`)), outcome: domain.OutcomeAdvance},
		{name: "string with numeric operator", mod: withValues(`{"overall_score":"great"}`, `{"overall_score":4}`), outcome: domain.OutcomeReject, codes: []string{engine.CodeNonNumericValue}},
		{name: "object value", mod: withValues(`{"overall_score":{"label":"x"}}`, `{"overall_score":4}`), outcome: domain.OutcomeReject, codes: []string{engine.CodeNonNumericValue}},
		{name: "array value with ==", mod: all(withReq("==", "4"), withValues(`{"overall_score":[4]}`, `{"overall_score":4}`)), outcome: domain.OutcomeReject, codes: []string{engine.CodeUnsupportedValue}},
		{name: "dotted path", mod: all(withReqs(requirement("q1", "I1", "scores.technical", ">=", "3")), withValues(`{"scores":{"technical":{"score":4}}}`, `{"scores":{"technical":3}}`)), outcome: domain.OutcomeAdvance},
		{name: "field missing fails", mod: withValues(`{"overall_score":4}`, `{"other":4}`), outcome: domain.OutcomeReject, codes: []string{engine.CodeFieldMissing}},
		{name: "null field is missing", mod: withValues(`{"overall_score":4}`, `{"overall_score":null}`), outcome: domain.OutcomeReject, codes: []string{engine.CodeFieldMissing}},
		{name: "invalid JSON is missing", mod: withValues(`{"overall_score":4}`, `not json`), outcome: domain.OutcomeReject, codes: []string{engine.CodeFieldMissing}},
		{name: "free text never in summary or reasons", mod: all(
			withReqs(requirement("q1", "I1", "overall_score", ">=", "3"), requirement("q2", "I1", "notes", "!=", "x")),
			withValues(`{"overall_score":4,"notes":"SECRET candidate rambled about\nthings for a very long time, longer than any select"}`, `{"overall_score":4,"notes":"SECRET short"}`)),
			outcome: domain.OutcomeAdvance,
			check: func(t *testing.T, d domain.Decision) {
				if strings.Contains(d.Summary, "SECRET") {
					t.Errorf("summary leaks free text: %q", d.Summary)
				}
				for _, r := range d.Reasons {
					if s, ok := r.Value.(string); ok && strings.Contains(s, "rambled") {
						t.Errorf("reason leaks free text: %+v", r)
					}
					if strings.Contains(r.Message, "SECRET") {
						t.Errorf("message leaks free text: %+v", r)
					}
				}
			}},

		// Expected feedback.
		{name: "shadow does not owe feedback", mod: func(in *engine.Input) {
			in.Schedule.Events[0].Interviewers = append(in.Schedule.Events[0].Interviewers, shadowOf("S"))
		}, outcome: domain.OutcomeAdvance},
		{name: "feedback not required does not owe", mod: func(in *engine.Input) {
			in.Schedule.Events[0].Interviewers = append(in.Schedule.Events[0].Interviewers, optionalOf("O"))
		}, outcome: domain.OutcomeAdvance},
		{name: "shadow submission does not count", mod: func(in *engine.Input) {
			in.Schedule.Events[0].Interviewers = append(in.Schedule.Events[0].Interviewers, shadowOf("S"))
			in.Feedback = append(in.Feedback, feedback("f9", "E1", "S", 80*time.Minute, `{"overall_score":1}`))
		}, outcome: domain.OutcomeAdvance},
		{name: "duplicate assignment counts once", mod: func(in *engine.Input) {
			in.Schedule.Events[0].Interviewers = append(in.Schedule.Events[0].Interviewers, person("A"))
		}, outcome: domain.OutcomeAdvance, summary: "2/2 interviewers"},
		{name: "same person on two events of one interview counts once", mod: func(in *engine.Input) {
			in.Schedule.Events = append(in.Schedule.Events, event("E1b", "I1", 30*time.Minute, person("A")))
		}, outcome: domain.OutcomeAdvance, summary: "2/2 interviewers"},
		{name: "second submission counts once and newest value wins (pass)", mod: func(in *engine.Input) {
			in.Feedback[0].Values = []byte(`{"overall_score":1}`)
			in.Feedback = append(in.Feedback, feedback("f1b", "E1", "A", 80*time.Minute, `{"overall_score":5}`))
		}, outcome: domain.OutcomeAdvance, summary: "2/2 interviewers"},
		{name: "second submission: newest value wins (fail)", mod: func(in *engine.Input) {
			in.Feedback = append(in.Feedback, feedback("f1b", "E1", "A", 80*time.Minute, `{"overall_score":1}`))
		}, outcome: domain.OutcomeReject, summary: "1/2 interviewers"},
		{name: "unexpected submitter does not fill a seat", mod: func(in *engine.Input) {
			in.Feedback[1] = feedback("f2", "E1", "Z", 75*time.Minute, `{"overall_score":4}`)
		}, outcome: domain.OutcomeWait, codes: []string{engine.CodeFeedbackMissing}, due: tp(time.Hour + 7*24*time.Hour)},
		{name: "feedback of another schedule's event ignored", mod: func(in *engine.Input) {
			in.Feedback[1].EventID = "other-event"
		}, outcome: domain.OutcomeWait, codes: []string{engine.CodeFeedbackMissing}, due: tp(time.Hour + 7*24*time.Hour)},
		{name: "no expected interviewers waits", mod: func(in *engine.Input) {
			in.Schedule.Events[0].Interviewers = []domain.Assignment{shadowOf("A")}
		}, outcome: domain.OutcomeWait, codes: []string{engine.CodeNoExpectedInterviewers}, due: tp(time.Hour + 7*24*time.Hour)},

		// Missing feedback and scheduling.
		{name: "missing feedback is wait not reject", mod: func(in *engine.Input) {
			in.Feedback = []domain.Feedback{feedback("f1", "E1", "A", 70*time.Minute, `{"overall_score":1}`)}
		}, outcome: domain.OutcomeWait, codes: []string{engine.CodeAwaitingFeedback, engine.CodeFeedbackMissing}, due: tp(time.Hour + 7*24*time.Hour),
			summary: "1 of 2 expected interviewers have not submitted",
			check: func(t *testing.T, d domain.Decision) {
				if !slices.Equal(d.Reasons[0].Missing, []string{"B"}) {
					t.Errorf("missing = %v, want [B]", d.Reasons[0].Missing)
				}
			}},
		{name: "missing feedback without timeout has no due", mod: func(in *engine.Input) {
			in.Feedback = in.Feedback[:1]
			in.Timeout = 0
		}, outcome: domain.OutcomeWait, codes: []string{engine.CodeFeedbackMissing}},
		{name: "no feedback at all", mod: func(in *engine.Input) { in.Feedback = nil }, outcome: domain.OutcomeWait, codes: []string{engine.CodeFeedbackMissing}, due: tp(time.Hour + 7*24*time.Hour)},
		{name: "required interview not scheduled waits", mod: withReqs(requirement("q1", "I1", "overall_score", ">=", "3"), requirement("q2", "I2", "overall_score", ">=", "3")),
			outcome: domain.OutcomeWait, codes: []string{engine.CodeRequiredInterviewNotScheduled}, due: tp(time.Hour + 7*24*time.Hour)},
		{name: "required interview not scheduled times out", mod: all(withReqs(requirement("q1", "I1", "overall_score", ">=", "3"), requirement("q2", "I2", "overall_score", ">=", "3")),
			func(in *engine.Input) { in.Now = at(time.Hour + 8*24*time.Hour) }),
			outcome: domain.OutcomeTimeout, codes: []string{engine.CodeFeedbackTimeout, engine.CodeRequiredInterviewNotScheduled}},
		{name: "optional interview not scheduled is ignored", mod: func(in *engine.Input) {
			rq := requirement("q2", "I2", "overall_score", ">=", "5")
			rq.Required = false
			in.Rules[0].Requirements = append(in.Rules[0].Requirements, rq)
		}, outcome: domain.OutcomeAdvance, codes: []string{engine.CodeOptionalInterviewNotScheduled, engine.CodeRequirementPassed}},
		{name: "optional interview scheduled must be complete", mod: all(addInterview2, func(in *engine.Input) {
			rq := requirement("q2", "I2", "overall_score", ">=", "3")
			rq.Required = false
			in.Rules[0].Requirements = append(in.Rules[0].Requirements, rq)
		}), outcome: domain.OutcomeWait, codes: []string{engine.CodeFeedbackMissing}, due: tp(time.Hour + 7*24*time.Hour)},
		{name: "optional interview scheduled is judged", mod: all(addInterview2, func(in *engine.Input) {
			rq := requirement("q2", "I2", "overall_score", ">=", "3")
			rq.Required = false
			in.Rules[0].Requirements = append(in.Rules[0].Requirements, rq)
			in.Feedback = append(in.Feedback, feedback("f3", "E2", "C", 70*time.Minute, `{"overall_score":2}`))
		}), outcome: domain.OutcomeReject, summary: "0/1 interviewers passed overall_score >= 3 on interview I2"},
		{name: "unreferenced interview must be complete", mod: addInterview2, outcome: domain.OutcomeWait, codes: []string{engine.CodeFeedbackMissing}, due: tp(time.Hour + 7*24*time.Hour)},
		{name: "unreferenced interview complete is not scored", mod: all(addInterview2, func(in *engine.Input) {
			in.Feedback = append(in.Feedback, feedback("f3", "E2", "C", 70*time.Minute, `{"overall_score":1}`))
		}), outcome: domain.OutcomeAdvance},
		{name: "event not ended waits until its end", mod: func(in *engine.Input) {
			in.Schedule.Events[0] = event("E1", "I1", 3*time.Hour, person("A"), person("B"))
			in.Feedback = nil
		}, outcome: domain.OutcomeWait, codes: []string{engine.CodeEventNotEnded, engine.CodeFeedbackMissing}, due: tp(3 * time.Hour)},
		{name: "earliest not-ended event gives due", mod: func(in *engine.Input) {
			in.Schedule.Events = []domain.Event{
				event("E1", "I1", 5*time.Hour, person("A")),
				event("E2", "I2", 3*time.Hour, person("B")),
				event("E3", "I3", time.Hour, person("C")),
			}
			in.Feedback = nil
		}, outcome: domain.OutcomeWait, codes: []string{engine.CodeEventNotEnded}, due: tp(3 * time.Hour)},
		{name: "event not ended but feedback complete decides", mod: func(in *engine.Input) {
			in.Schedule.Events[0] = event("E1", "I1", 3*time.Hour, person("A"), person("B"))
		}, outcome: domain.OutcomeAdvance},

		// Min wait.
		{name: "min wait: newest submission too recent", mod: func(in *engine.Input) { in.Now = at(90 * time.Minute) }, outcome: domain.OutcomeWait,
			codes: []string{engine.CodeMinWait}, due: tp(105 * time.Minute)},
		{name: "min wait ends exactly now", mod: func(in *engine.Input) { in.Now = at(105 * time.Minute) }, outcome: domain.OutcomeAdvance},
		{name: "min wait applies before a reject", mod: func(in *engine.Input) { in.Now = at(90 * time.Minute); in.Rules[0].Requirements[0].Threshold = "5" },
			outcome: domain.OutcomeWait, codes: []string{engine.CodeMinWait}, due: tp(105 * time.Minute)},
		{name: "rule min wait overrides global", mod: func(in *engine.Input) { in.Rules[0].MinWaitMinutes = 60 }, outcome: domain.OutcomeWait,
			codes: []string{engine.CodeMinWait}, due: tp(135 * time.Minute)},
		{name: "min wait disabled", mod: func(in *engine.Input) { in.Now = at(76 * time.Minute); in.MinWait = 0 }, outcome: domain.OutcomeAdvance},
		{name: "min wait ignores unexpected submitters", mod: func(in *engine.Input) {
			in.Feedback = append(in.Feedback, feedback("f9", "E1", "Z", 110*time.Minute, `{"overall_score":4}`))
		}, outcome: domain.OutcomeAdvance},

		// Timeout.
		{name: "timeout after last event", mod: func(in *engine.Input) {
			in.Feedback = in.Feedback[:1]
			in.Now = at(time.Hour + 7*24*time.Hour)
		}, outcome: domain.OutcomeTimeout, codes: []string{engine.CodeFeedbackTimeout, engine.CodeFeedbackMissing}, summary: "since 2026-03-02T11:00:00Z",
			check: func(t *testing.T, d domain.Decision) {
				if d.Reasons[0].Code != engine.CodeFeedbackTimeout || !slices.Equal(d.Reasons[0].Missing, []string{"B"}) {
					t.Errorf("first reason = %+v, want feedback_timeout missing [B]", d.Reasons[0])
				}
			}},
		{name: "timeout counts from the last event", mod: func(in *engine.Input) {
			in.Schedule.Events = append(in.Schedule.Events, event("E2", "I2", 48*time.Hour))
			in.Feedback = in.Feedback[:1]
			in.Now = at(time.Hour + 7*24*time.Hour)
		}, outcome: domain.OutcomeWait, due: tp(48*time.Hour + 7*24*time.Hour)},
		{name: "rule timeout overrides global", mod: func(in *engine.Input) {
			in.Feedback = in.Feedback[:1]
			in.Rules[0].TimeoutDays = 1
			in.Now = at(26 * time.Hour)
		}, outcome: domain.OutcomeTimeout, codes: []string{engine.CodeFeedbackTimeout}},
		{name: "no timeout configured waits forever", mod: func(in *engine.Input) {
			in.Feedback = in.Feedback[:1]
			in.Timeout = 0
			in.Now = at(365 * 24 * time.Hour)
		}, outcome: domain.OutcomeWait},
		{name: "complete feedback after timeout still decides", mod: func(in *engine.Input) { in.Now = at(30 * 24 * time.Hour) }, outcome: domain.OutcomeAdvance},

		// Overall.
		{name: "all requirements pass", mod: func(in *engine.Input) {
			addInterview2(in)
			in.Feedback = append(in.Feedback, feedback("f3", "E2", "C", 70*time.Minute, `{"culture":"yes"}`))
			in.Rules[0].Requirements = append(in.Rules[0].Requirements, requirement("q2", "I2", "culture", "in", "yes,strong_yes"))
		}, outcome: domain.OutcomeAdvance, summary: "advance: 2/2 interviewers passed overall_score >= 3 on interview I1; 1/1 interviewers passed culture in yes,strong_yes on interview I2",
			check: func(t *testing.T, d domain.Decision) {
				n := 0
				for _, r := range d.Reasons {
					if r.Code == engine.CodeRequirementPassed {
						n++
					}
					if r.Passed == nil || !*r.Passed {
						t.Errorf("advance has non-passing reason %+v", r)
					}
				}
				if n != 2 {
					t.Errorf("requirement_passed reasons = %d, want 2", n)
				}
			}},
		{name: "one requirement fails", mod: func(in *engine.Input) {
			addInterview2(in)
			in.Feedback = append(in.Feedback, feedback("f3", "E2", "C", 70*time.Minute, `{"culture":"no"}`))
			in.Rules[0].Requirements = append(in.Rules[0].Requirements, requirement("q2", "I2", "culture", "in", "yes,strong_yes"))
		}, outcome: domain.OutcomeReject, codes: []string{engine.CodeRequirementPassed, engine.CodeRequirementFailed},
			summary: "reject: 0/1 interviewers passed culture in yes,strong_yes on interview I2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := base()
			if tt.mod != nil {
				tt.mod(&in)
			}
			got := engine.Evaluate(in)
			if got.Outcome != tt.outcome {
				t.Fatalf("outcome = %q, want %q (summary %q, reasons %v)", got.Outcome, tt.outcome, got.Summary, codes(got))
			}
			for _, c := range tt.codes {
				if !slices.Contains(codes(got), c) {
					t.Errorf("reasons %v lack %q", codes(got), c)
				}
			}
			switch {
			case tt.due == nil && got.DueAt != nil:
				t.Errorf("due_at = %v, want none", got.DueAt)
			case tt.due != nil && (got.DueAt == nil || !got.DueAt.Equal(*tt.due)):
				t.Errorf("due_at = %v, want %v", got.DueAt, *tt.due)
			}
			if tt.ruleID != "" && got.RuleID != tt.ruleID {
				t.Errorf("rule = %q, want %q", got.RuleID, tt.ruleID)
			}
			if !strings.Contains(got.Summary, tt.summary) {
				t.Errorf("summary = %q, want it to contain %q", got.Summary, tt.summary)
			}
			if !strings.HasPrefix(got.Summary, got.Outcome+":") {
				t.Errorf("summary %q does not start with the outcome", got.Summary)
			}
			if len(got.Reasons) == 0 {
				t.Errorf("no reasons for %s", got.Outcome)
			}
			if tt.check != nil {
				tt.check(t, got)
			}
			// The same input in another order gives the same decision.
			if again := engine.Evaluate(reversed(in)); !reflect.DeepEqual(again, got) {
				t.Errorf("order changed the decision:\n got %+v\nwant %+v", again, got)
			}
		})
	}
}
