package demo

import (
	"cmp"
	"fmt"
	"math/rand"
	"slices"
	"strings"

	"github.com/ashby-auto-advance/aaa/internal/ashbysim"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/slackapp/slackfake"
)

// job is one seeded job, its plan and the rule on its first stage.
type job struct {
	title     string
	mode      string // domain.ModeLive or domain.ModeShadow
	aggregate string
	notify    bool // notify_in_shadow
	// rejectDelay is the rule's reject_delay in simulated minutes (0:
	// archives run at the click).
	rejectDelay float64
	sc          ashbysim.Scenario
	recruiter   ashbysim.Person
	slackID     string // the recruiter's Slack user id
	panel       []ashbysim.Person
	stages      map[string]string // stage id -> title
}

// submission is one planned scorecard: interviewer index into the panel,
// minutes after the interview ends, score 1-4.
type submission struct {
	interviewer int
	after       float64
	score       int
}

// candidate is one seeded candidate and their scripted day.
type candidate struct {
	name string
	job  *job
	ids  ashbysim.ScenarioCandidate
	// end is the simulated minute the interview ends.
	end float64
	// subs are the scorecards that will arrive; interviewers of the panel
	// not listed never submit.
	subs []submission
	// moveAt > 0: the recruiter moves the candidate to the next stage by
	// hand at that minute (before aaa decides).
	moveAt float64
	// clickAfter > 0: the recruiter clicks the Archive button this many
	// minutes after the rejection notice arrives; 0 leaves it for later.
	clickAfter float64
	// cancelAfter > 0: the recruiter clicks "Cancel archive" this many
	// minutes after the archive was scheduled (before it runs).
	cancelAfter float64
	// undoAfter > 0: the recruiter clicks "Undo" this many minutes after
	// the candidate was archived (inside the undo window).
	undoAfter float64
}

// script is a hand-written candidate day: scores[i] is interviewer i's
// score (0: never submits), delays[i] minutes after the interview.
type script struct {
	end         float64
	scores      []int
	delays      []float64
	moveAt      float64
	clickAfter  float64
	cancelAfter float64
	undoAfter   float64
}

// backendDay is the live job's day, written so every kind of outcome shows
// within the first simulated hour. Its rule waits backendRejectDelay
// minutes before an archive runs, so every click schedules the archive.
var backendDay = []script{
	{end: 4, scores: []int{4, 4, 3}, delays: []float64{3, 5, 7}},                                 // advanced
	{end: 6, scores: []int{2, 3, 2}, delays: []float64{2, 4, 6}, clickAfter: 4},                  // rejected, archive scheduled by a click, then run
	{end: 8, scores: []int{4, 0, 4}, delays: []float64{3, 0, 5}},                                 // one never submits: timeout
	{end: 10, scores: []int{4, 3, 4}, delays: []float64{2, 3, 4}},                                // advanced
	{end: 12, scores: []int{3, 2, 4}, delays: []float64{4, 6, 8}, clickAfter: 3, cancelAfter: 4}, // rejected, archive scheduled, then cancelled
	{end: 14, scores: []int{4, 4, 4}, delays: []float64{5, 7, 9}, moveAt: 17},                    // moved by hand: stale
	{end: 18, scores: []int{1, 2, 2}, delays: []float64{2, 3, 5}, clickAfter: 2, undoAfter: 3},   // rejected, archived, then undone
	{end: 22, scores: []int{4, 4, 3}, delays: []float64{3, 6, 26}},                               // one submits late, then advanced
	{end: 30, scores: []int{3, 4, 4}, delays: []float64{3, 4, 6}},                                // advanced
	{end: 42, scores: []int{2, 2, 3}, delays: []float64{2, 4, 5}},                                // rejected, left for the recruiter
	{end: 75, scores: []int{4, 4, 4}, delays: []float64{4, 6, 8}},                                // afternoon
	{end: 100, scores: []int{2, 3, 1}, delays: []float64{3, 5, 7}, clickAfter: 6},                // afternoon
}

// backendRejectDelay is the live rule's reject_delay in simulated minutes:
// long enough for a second thought, short enough to run within the hour.
const backendRejectDelay = 10

// jobSpec describes a seeded job. script, when set, fixes its candidates;
// otherwise count candidates get a random day.
type jobSpec struct {
	title        string
	stages       int
	interviewers int
	count        int
	mode         string
	aggregate    string
	notify       bool
	rejectDelay  float64 // simulated minutes
	script       []script
}

var jobSpecs = []jobSpec{
	{title: "Backend Engineer", stages: 4, interviewers: 3, mode: domain.ModeLive, aggregate: domain.AggEach,
		rejectDelay: backendRejectDelay, script: backendDay},
	{title: "Product Designer", stages: 3, interviewers: 2, count: 8, mode: domain.ModeShadow, aggregate: domain.AggEach, notify: true},
	{title: "Data Scientist", stages: 3, interviewers: 1, count: 6, mode: domain.ModeShadow, aggregate: domain.AggAvg},
	{title: "Site Reliability Engineer", stages: 4, interviewers: 2, count: 6, mode: domain.ModeShadow, aggregate: domain.AggMin},
}

// workspace is everything seeded, indexed for the narrator.
type workspace struct {
	jobs  []*job
	cands []*candidate
	byApp map[string]*candidate
}

// seed fills the simulator and the Slack fake. rng draws the random days
// of the shadow jobs.
func seed(sim *ashbysim.Sim, fake *slackfake.Server, rng *rand.Rand) *workspace {
	ws := &workspace{byApp: map[string]*candidate{}}
	for ji, spec := range jobSpecs {
		n := spec.count
		if spec.script != nil {
			n = len(spec.script)
		}
		sc := sim.AddPanelScenario(ashbysim.PanelSpec{Stages: spec.stages, Candidates: n,
			Interviewers: spec.interviewers, JobTitle: spec.title})
		j := &job{title: spec.title, mode: spec.mode, aggregate: spec.aggregate, notify: spec.notify,
			rejectDelay: spec.rejectDelay, sc: sc, stages: map[string]string{}}
		j.recruiter, _ = sim.User(sc.RecruiterID)
		j.slackID = fmt.Sprintf("U0REC%d", ji+1)
		handle := strings.ToLower(strings.Fields(j.recruiter.Name)[0])
		fake.AddUsers(slackfake.User{ID: j.slackID, Name: handle, RealName: j.recruiter.Name,
			DisplayName: handle, Email: j.recruiter.Email})
		for _, id := range sc.InterviewerIDs {
			p, _ := sim.User(id)
			j.panel = append(j.panel, p)
		}
		titles := []string{"Phone Screen", "Technical Interview", "Onsite", "Final Interview"}
		for i, id := range sc.StageIDs {
			j.stages[id] = titles[min(i, len(titles)-1)]
			if i == len(sc.StageIDs)-1 && len(sc.StageIDs) >= 3 {
				j.stages[id] = "Offer"
			}
		}
		ws.jobs = append(ws.jobs, j)
		for i, ids := range sc.Candidates {
			p, _ := sim.Candidate(ids.CandidateID)
			c := &candidate{name: p.Name, job: j, ids: ids}
			if spec.script != nil {
				s := spec.script[i]
				c.end, c.moveAt, c.clickAfter = s.end, s.moveAt, s.clickAfter
				c.cancelAfter, c.undoAfter = s.cancelAfter, s.undoAfter
				for k, score := range s.scores {
					if score > 0 {
						c.subs = append(c.subs, submission{interviewer: k, after: s.delays[k], score: score})
					}
				}
			} else {
				randomDay(c, len(j.panel), i == n/2, rng)
			}
			ws.cands = append(ws.cands, c)
			ws.byApp[ids.ApplicationID] = c
		}
	}
	// Candidate names come from a short list: tell namesakes apart.
	seen := map[string]int{}
	for _, c := range ws.cands {
		seen[c.name]++
		if k := seen[c.name]; k > 1 {
			c.name = fmt.Sprintf("%s (%d)", c.name, k)
		}
	}
	return ws
}

// randomDay gives a shadow-job candidate an interview between 09:03 and
// 10:40, a quality that shapes the panel's scores, submissions 2-20
// minutes later (one in eight late), and, when never is set, an
// interviewer who never submits.
func randomDay(c *candidate, panel int, never bool, rng *rand.Rand) {
	c.end = 3 + float64(rng.Intn(98))
	// Strong, borderline and weak candidates, weak ones a little more often.
	spread := [][]int{{3, 4, 4, 4}, {2, 3, 3, 4}, {1, 2, 2, 3}, {1, 2, 3}}[rng.Intn(4)]
	for k := range panel {
		if never && k == panel-1 {
			continue
		}
		after := 2 + float64(rng.Intn(19))
		if rng.Intn(8) == 0 {
			after += 20 + float64(rng.Intn(15))
		}
		c.subs = append(c.subs, submission{interviewer: k, after: after, score: spread[rng.Intn(len(spread))]})
	}
	slices.SortFunc(c.subs, func(a, b submission) int { return cmp.Compare(a.after, b.after) })
}

// scorecard is what an interviewer submits for a score.
func scorecard(score int) map[string]any {
	rec := map[int]string{1: "strong_no_hire", 2: "no_hire", 3: "hire", 4: "strong_hire"}[score]
	return map[string]any{
		ashbysim.FieldOverallScore:   score,
		ashbysim.FieldRecommendation: rec,
		ashbysim.FieldWouldWorkWith:  score >= 3,
		ashbysim.FieldNotes:          "<p>Discussed past projects and a design exercise.</p>",
	}
}

// short is "Grace H." for "Grace Hopper".
func short(name string) string {
	f := strings.Fields(name)
	if len(f) < 2 {
		return name
	}
	return f[0] + " " + f[len(f)-1][:1] + "."
}

// names joins short names: "A", "A and B", "A, B and C".
func names(list []string) string {
	switch len(list) {
	case 0:
		return "nobody"
	case 1:
		return list[0]
	}
	return strings.Join(list[:len(list)-1], ", ") + " and " + list[len(list)-1]
}
