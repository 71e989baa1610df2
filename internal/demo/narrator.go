package demo

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/slackapp"
	"github.com/ashby-auto-advance/aaa/internal/slackapp/slackfake"
)

// narrator prints the running story, one line per thing that happens,
// stamped with the simulated time. It is safe for concurrent use.
type narrator struct {
	out       io.Writer
	clk       *clock
	ws        *workspace
	showSlack bool

	mu        sync.Mutex
	ended     map[string]bool            // application id -> interview over
	submitted map[string]map[string]bool // application id -> interviewer short names
	seen      map[string]string          // execution id -> status printed
	decided   map[string]decision        // application id -> latest decision
}

func newNarrator(out io.Writer, clk *clock, ws *workspace, showSlack bool) *narrator {
	return &narrator{out: out, clk: clk, ws: ws, showSlack: showSlack, ended: map[string]bool{},
		submitted: map[string]map[string]bool{}, seen: map[string]string{}, decided: map[string]decision{}}
}

func (n *narrator) linef(format string, args ...any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.printLocked(fmt.Sprintf(format, args...))
}

func (n *narrator) printLocked(s string) {
	fmt.Fprintf(n.out, "%s  %s\n", n.clk.nowLabel(), s)
}

func (n *narrator) intro(opts Options, base string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	fmt.Fprintf(n.out, "aaa demo: a hiring day at %gx (one simulated minute every %s)\n", opts.Speed,
		n.clk.sim(1).Round(time.Millisecond))
	fmt.Fprintf(n.out, "  aaa is serving at %s; Ashby and Slack are simulated in this process.\n", base)
	for _, j := range n.ws.jobs {
		var agg string
		switch j.aggregate {
		case domain.AggEach:
			agg = "every interviewer"
		case domain.AggAvg:
			agg = "on average"
		case domain.AggMin:
			agg = "lowest score"
		default:
			agg = j.aggregate
		}
		fmt.Fprintf(n.out, "  %-26s %d candidates, panel of %d, rule %-6s Overall Score ≥ 3 (%s); recruiter %s\n",
			j.title, len(j.sc.Candidates), len(j.panel), strings.ToUpper(j.mode), agg, short(j.recruiter.Name))
	}
	fmt.Fprintln(n.out)
}

func (n *narrator) interviewEnded(c *candidate, panel []string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.ended[c.ids.ApplicationID] = true
	n.printLocked(fmt.Sprintf("🎤 %s finished the %s panel for %s with %s", c.name, c.job.stages[c.job.sc.StageIDs[0]],
		c.job.title, names(panel)))
}

// owingLocked lists the panel members who have not submitted yet.
func (n *narrator) owingLocked(c *candidate) []string {
	var waiting []string
	got := n.submitted[c.ids.ApplicationID]
	for _, u := range c.job.panel {
		if !got[short(u.Name)] {
			waiting = append(waiting, short(u.Name))
		}
	}
	return waiting
}

func (n *narrator) scored(c *candidate, who string, score int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.submitted[c.ids.ApplicationID] == nil {
		n.submitted[c.ids.ApplicationID] = map[string]bool{}
	}
	n.submitted[c.ids.ApplicationID][who] = true
	tail := "panel complete, over to aaa"
	if waiting := n.owingLocked(c); len(waiting) > 0 {
		tail = "still waiting on " + names(waiting)
	}
	n.printLocked(fmt.Sprintf("📝 %s scored %s %d/4: %s", who, c.name, score, tail))
}

func (n *narrator) movedByHand(c *candidate, stage string) {
	n.linef("✋ %s moved %s to %s by hand in Ashby, before the panel was complete", short(c.job.recruiter.Name), c.name, stage)
}

func (n *narrator) clicking(c *candidate) {
	n.linef("👆 %s clicks \"Archive & send rejection\" for %s in Slack", short(c.job.recruiter.Name), c.name)
}

// slack prints a message aaa sent, rendered from its blocks.
func (n *narrator) slack(call slackfake.Call) {
	n.mu.Lock()
	defer n.mu.Unlock()
	to := call.Channel
	if to == adminChannel {
		to = "#hiring-ops"
	} else {
		for _, j := range n.ws.jobs {
			if call.Channel == "D"+j.slackID || call.Channel == j.slackID {
				to = "DM to " + short(j.recruiter.Name)
			}
		}
	}
	verb := "posted"
	if call.Method == "chat.update" {
		verb = "updated"
	}
	if call.Method == "chat.postEphemeral" {
		verb = "whispered"
	}
	if !n.showSlack {
		n.printLocked(fmt.Sprintf("💬 Slack %s (%s)", verb, to))
		return
	}
	n.printLocked(fmt.Sprintf("💬 Slack %s (%s):", verb, to))
	body := call.Params.Get("text") + "\n"
	if call.Blocks != nil {
		body = slackfake.Render(call.Blocks)
	}
	for l := range strings.SplitSeq(strings.TrimRight(body, "\n"), "\n") {
		fmt.Fprintf(n.out, "       │ %s\n", strings.TrimPrefix(l, "  "))
	}
}

// pollDecisions prints each decision aaa records (and each status change)
// until ctx ends.
func (n *narrator) poll(ctx context.Context, api admin) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		if list, err := api.decisions(ctx); err == nil {
			n.decisions(list)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (p *play) pollDecisions(ctx context.Context) { p.n.poll(ctx, p.api) }

// decisions prints new decisions, oldest first.
func (n *narrator) decisions(list []decision) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for i := len(list) - 1; i >= 0; i-- {
		d := list[i]
		if d.Status == domain.ExecPending || n.seen[d.ExecutionID] == d.Status {
			continue
		}
		n.seen[d.ExecutionID] = d.Status
		c := n.ws.byApp[d.ApplicationID]
		if c == nil {
			continue
		}
		n.decided[d.ApplicationID] = d
		n.printLocked(n.describe(c, d))
	}
}

func (n *narrator) describe(c *candidate, d decision) string {
	j := c.job
	// aaa renders the decision with names; the story tells it as is.
	d.Summary = d.Explanation
	to := j.stages[deref(d.ToStageID)]
	switch d.Status {
	case domain.ExecSuccess:
		return fmt.Sprintf("✅ aaa advanced %s to %s (%s): %s", c.name, to, j.title, d.Summary)
	case domain.ExecNotified:
		return fmt.Sprintf("❌ aaa rejected %s (%s): %s; asked %s in Slack", c.name, j.title, d.Summary, short(j.recruiter.Name))
	case domain.ExecRejected:
		if by, ok := strings.CutPrefix(d.ExecutedBy, "slack:"); ok {
			// "U0REC1 (Ada L.)": show the name when Slack sent one.
			if _, name, ok := strings.Cut(by, " ("); ok {
				by = strings.TrimSuffix(name, ")")
			}
			return fmt.Sprintf("🗄  %s archived in Ashby after a click by %s", c.name, by)
		}
		return fmt.Sprintf("🗄  %s archived in Ashby by the rule", c.name)
	case domain.ExecDryRun:
		verb := "would advance"
		if d.Outcome == domain.OutcomeReject {
			verb = "would reject"
		}
		return fmt.Sprintf("🧪 dry run: aaa %s %s (%s, shadow rule; nothing written to Ashby): %s", verb, c.name, j.title, d.Summary)
	case domain.ExecStale:
		return fmt.Sprintf("⏭  stale: %s had already left %s; aaa changed nothing", c.name, j.stages[deref(d.FromStageID)])
	case domain.ExecTimeout:
		var owed []string
		for _, r := range d.Reasons {
			for _, id := range r.Missing {
				for _, u := range j.panel {
					if u.ID == id {
						owed = append(owed, short(u.Name))
					}
				}
			}
		}
		return fmt.Sprintf("⏰ feedback timeout for %s (%s): still owed by %s; alert sent to #hiring-ops", c.name, j.title, names(owed))
	case domain.ExecFailed:
		return fmt.Sprintf("⚠ aaa could not act on %s: %s", c.name, deref(d.FailureReason))
	}
	return fmt.Sprintf("%s: %s %s", c.name, d.Outcome, d.Status)
}

// allSettled reports that every candidate has an outcome the day will not
// change any more (a rejection the recruiter is scripted to click counts
// once archived).
func (n *narrator) allSettled() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, c := range n.ws.cands {
		d, ok := n.decided[c.ids.ApplicationID]
		if !ok || (d.Status == domain.ExecNotified && c.clickAfter > 0) {
			return false
		}
	}
	return true
}

// interviewOver reports whether the candidate's interview ended in the run.
func (n *narrator) interviewOver(app string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.ended[app]
}

func applicationOfButton(b slackfake.Button) string {
	v, err := slackapp.ParseRejectionValue(b.Value)
	if err != nil {
		return ""
	}
	return v.ApplicationID
}

func executionOfButton(b slackfake.Button) string {
	v, err := slackapp.ParseRejectionValue(b.Value)
	if err != nil {
		return ""
	}
	return v.ExecutionID
}
