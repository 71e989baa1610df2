package demo

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/ansi"

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

// width is the terminal width the story is written for: longer lines wrap
// under their text rather than run off an 80-column window.
const width = 80

func (n *narrator) printLocked(s string) {
	fmt.Fprint(n.out, wrap(n.clk.nowLabel()+"  ", "       ", s))
}

// wrap writes s after prefix, wrapped at width columns between words,
// continuation lines after cont (as wide as prefix), each line ending in a
// newline.
func wrap(prefix, cont, s string) string {
	var b strings.Builder
	for i, l := range wrapWords(s, width-ansi.StringWidth(prefix)) {
		if i == 0 {
			b.WriteString(prefix)
		} else {
			b.WriteString(cont)
		}
		b.WriteString(strings.TrimRight(l, " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// initialRe is the initial of a short name ("L." of "Barbara L."), which
// stays on the line of the first name.
var initialRe = regexp.MustCompile(`^[A-Z]\.[,;:)]*$`)

// wrapWords breaks s into lines of at most limit columns between words; a
// word longer than a line (an id) is cut at the limit.
func wrapWords(s string, limit int) []string {
	var words []string
	for _, w := range strings.Split(s, " ") {
		if n := len(words); n > 0 && initialRe.MatchString(w) {
			words[n-1] += " " + w
			continue
		}
		words = append(words, w)
	}
	var lines []string
	cur := ""
	for i, w := range words {
		switch {
		case i == 0:
			cur = w
		case ansi.StringWidth(cur)+1+ansi.StringWidth(w) <= limit:
			cur += " " + w
		default:
			lines = append(lines, cur)
			cur = w
		}
		for ansi.StringWidth(cur) > limit {
			lines = append(lines, ansi.Truncate(cur, limit, ""))
			cur = ansi.TruncateLeft(cur, limit, "")
		}
	}
	return append(lines, cur)
}

func (n *narrator) intro(opts Options, base string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	fmt.Fprintf(n.out, "aaa demo: a hiring day at %gx (one simulated minute every %s)\n", opts.Speed,
		n.clk.sim(1).Round(time.Millisecond))
	fmt.Fprint(n.out, wrap("  ", "  ", fmt.Sprintf("aaa is serving at %s; Ashby and Slack are simulated in this process.", base)))
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
		fmt.Fprintf(n.out, "  %-26s %2d candidates, panel of %d, recruiter %s\n",
			j.title, len(j.sc.Candidates), len(j.panel), short(j.recruiter.Name))
		rule := fmt.Sprintf("rule %s: Overall Score ≥ 3 (%s)", strings.ToUpper(j.mode), agg)
		if j.rejectDelay > 0 {
			rule += fmt.Sprintf("; archives wait %s and can be cancelled meanwhile", minutes(j.rejectDelay))
		}
		fmt.Fprint(n.out, wrap(strings.Repeat(" ", 29), strings.Repeat(" ", 29), rule))
	}
	fmt.Fprint(n.out, wrap("  ", "  ", fmt.Sprintf("After aaa archives a candidate, Undo stays open for %s (UNDO_WINDOW).",
		minutes(undoWindowMinutes))))
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

// clicking tells the recruiter's click on the button actionID.
func (n *narrator) clicking(c *candidate, actionID string) {
	who := short(c.job.recruiter.Name)
	switch actionID {
	case slackapp.ActionCancelArchive:
		n.linef("👆 %s has second thoughts about %s and clicks \"Cancel archive\" in Slack", who, c.name)
	case slackapp.ActionUndo:
		n.linef("👆 %s wants %s back in the process and clicks \"Undo\" in Slack", who, c.name)
	default:
		n.linef("👆 %s clicks \"Archive & send rejection\" for %s in Slack", who, c.name)
	}
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
	body = n.asSlackShows(body, n.clk.now())
	for l := range strings.SplitSeq(strings.TrimRight(body, "\n"), "\n") {
		fmt.Fprint(n.out, wrap("       │ ", "       │   ", strings.TrimPrefix(l, "  ")))
	}
}

var (
	// slackDateRe is a Slack date token <!date^unix^format|fallback>, with
	// the wait aaa wrote after it, if any: " (in 10 min)".
	slackDateRe = regexp.MustCompile(`<!date\^(\d+)\^([^|>]*)(?:\|[^>]*)?>( \((?:in [^)]*|any moment now)\))?`)
	// slackMentionRe is a user mention <@U123> or <@U123|name>.
	slackMentionRe = regexp.MustCompile(`<@([A-Z0-9]+)(?:\|[^>]*)?>`)
	// slackLinkRe is a link <url|text>; slackURLRe a bare <url>.
	slackLinkRe = regexp.MustCompile(`<([^<>|!@#][^<>|]*)\|([^<>]*)>`)
	slackURLRe  = regexp.MustCompile(`<(https?://[^<>|]*)>`)
)

// asSlackShows renders mrkdwn text as Slack shows it to the recruiter:
// links as their text, mentions as names, and date tokens (which Slack
// shows in the reader's time zone) on the demo's clock, with the wait
// after them counted in simulated time from now.
func (n *narrator) asSlackShows(s string, now time.Time) string {
	s = slackDateRe.ReplaceAllStringFunc(s, func(tok string) string {
		m := slackDateRe.FindStringSubmatch(tok)
		unix, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			return tok
		}
		// The token has whole seconds, a simulated minute or more at the
		// demo's speeds: read it as the middle of its second.
		t := time.Unix(unix, int64(500*time.Millisecond))
		out := n.clk.label(t)
		if strings.Contains(m[2], "{date") {
			out = "today at " + out
		}
		if m[3] != "" {
			out += " (" + inSim(n.clk.simOf(t.Sub(now))) + ")"
		}
		return out
	})
	s = slackMentionRe.ReplaceAllStringFunc(s, func(tok string) string {
		id := slackMentionRe.FindStringSubmatch(tok)[1]
		for _, j := range n.ws.jobs {
			if j.slackID == id {
				return "@" + short(j.recruiter.Name)
			}
		}
		return "@someone"
	})
	s = slackLinkRe.ReplaceAllString(s, "$2")
	return slackURLRe.ReplaceAllString(s, "$1")
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
		if d.Status == domain.ExecPending || d.Status == domain.ExecUndoing || n.seen[d.ExecutionID] == d.Status {
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
	case domain.ExecScheduled:
		at, ok := d.actAt()
		if !ok || d.Outcome != domain.OutcomeReject {
			return fmt.Sprintf("🕒 aaa will act on %s (%s) later", c.name, j.title)
		}
		// The wait is counted from when the archive was scheduled, not
		// from when the story noticed it.
		from := n.clk.now()
		if t, ok := parseTime(d.UpdatedAt); ok {
			from = t
		}
		return fmt.Sprintf("🕒 archive of %s scheduled for %s (%s): the rule waits before archiving, so %s can still cancel",
			c.name, n.clk.label(at), inSim(n.clk.simOf(at.Sub(from))), short(j.recruiter.Name))
	case domain.ExecRejected:
		by := actorName(d.ExecutedBy)
		switch {
		case d.ActAt != nil && strings.HasPrefix(d.ExecutedBy, "slack:"):
			return fmt.Sprintf("🗄  the scheduled archive ran: %s archived in Ashby, as %s asked", c.name, by)
		case d.ActAt != nil:
			return fmt.Sprintf("🗄  the scheduled archive ran: %s archived in Ashby by the rule", c.name)
		case strings.HasPrefix(d.ExecutedBy, "slack:"):
			return fmt.Sprintf("🗄  %s archived in Ashby after a click by %s", c.name, by)
		}
		return fmt.Sprintf("🗄  %s archived in Ashby by the rule", c.name)
	case domain.ExecCancelled:
		return fmt.Sprintf("🚫 archive cancelled by %s: %s stays in %s (%s); nothing was sent to Ashby",
			actorName(deref(d.RevertedBy)), c.name, j.stages[deref(d.FromStageID)], j.title)
	case domain.ExecUndone:
		what := "archive"
		if d.Outcome == domain.OutcomeAdvance {
			what = "advance"
		}
		return fmt.Sprintf("↩️  %s undone by %s: %s moved back to %s (%s)", what, actorName(deref(d.RevertedBy)), c.name,
			j.stages[deref(d.FromStageID)], j.title)
	case domain.ExecKept:
		return fmt.Sprintf("🤝 %s kept %s in process: aaa will not ask again unless new feedback arrives",
			actorName(deref(d.RevertedBy)), c.name)
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
// change any more: a rejection the recruiter is scripted to click counts
// once archived (or cancelled, or undone, when the script says so), and an
// archive scheduled to run has not settled yet.
func (n *narrator) allSettled() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, c := range n.ws.cands {
		d, ok := n.decided[c.ids.ApplicationID]
		if !ok {
			return false
		}
		switch d.Status {
		case domain.ExecScheduled:
			return false
		case domain.ExecNotified:
			if c.clickAfter > 0 {
				return false
			}
		case domain.ExecRejected:
			if c.undoAfter > 0 {
				return false
			}
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

// actorName is who a decision records as having acted, as people read it:
// "slack:U0REC1 (Ada L.)" is Ada L., "system" the rule, "ops (api)" ops.
func actorName(by string) string {
	switch {
	case by == "" || by == "system":
		return "the rule"
	case strings.HasPrefix(by, "slack:"):
		if _, name, ok := strings.Cut(by, " ("); ok {
			return strings.TrimSuffix(name, ")")
		}
		return "someone in Slack"
	}
	if name, _, ok := strings.Cut(by, " ("); ok {
		return name
	}
	return by
}

// buttonValue reads the decision and application of a button: the
// rejection notice's Archive button, or a Keep, Cancel archive or Undo
// button.
func buttonValue(b slackfake.Button) (executionID, applicationID string) {
	if b.ActionID == slackapp.ActionSendRejection {
		v, err := slackapp.ParseRejectionValue(b.Value)
		if err != nil {
			return "", ""
		}
		return v.ExecutionID, v.ApplicationID
	}
	v, err := slackapp.ParseDecisionValue(b.ActionID, b.Value)
	if err != nil {
		return "", ""
	}
	return v.ExecutionID, v.ApplicationID
}

func applicationOfButton(b slackfake.Button) string {
	_, app := buttonValue(b)
	return app
}

func executionOfButton(b slackfake.Button) string {
	exec, _ := buttonValue(b)
	return exec
}

// minutes writes simulated minutes for people: "10 min", "1 h 30 min".
func minutes(m float64) string {
	return strings.TrimPrefix(inSim(time.Duration(m*float64(time.Minute))), "in ")
}

// inSim writes a simulated wait for people, to the minute: "in 10 min",
// "in 1 h 5 min", "in less than a minute", "any moment now".
func inSim(d time.Duration) string {
	switch d = d.Round(time.Minute); {
	case d < 0:
		return "any moment now"
	case d < time.Minute:
		return "in less than a minute"
	case d < time.Hour:
		return fmt.Sprintf("in %d min", int(d/time.Minute))
	case d%time.Hour == 0:
		return fmt.Sprintf("in %d h", int(d/time.Hour))
	}
	return fmt.Sprintf("in %d h %d min", int(d/time.Hour), int(d%time.Hour/time.Minute))
}
