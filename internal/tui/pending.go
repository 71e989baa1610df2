package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/engine"
	"github.com/ashby-auto-advance/aaa/internal/explain"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// timeoutWarning is how close a feedback timeout must be to be flagged.
const timeoutWarning = 24 * time.Hour

// pendingRow is a pending schedule with what the view derives from it.
type pendingRow struct {
	store.PendingSchedule
	owed []engine.Owed
	// submitted and expected count distinct owed feedback.
	submitted, expected int
	// timeoutAt is when an incomplete schedule times out (zero: never).
	timeoutAt   time.Time
	timeoutRule string
}

// pendingView lists schedules awaiting a decision and who still owes
// feedback.
type pendingView struct {
	keys    KeyMap
	styles  Styles
	data    data
	timeout time.Duration

	// all is every schedule loaded; rows the ones shown (filtered and
	// sorted by find).
	all    []pendingRow
	rows   []pendingRow
	find   finder[pendingRow]
	titles map[string]string
	list   cursorList
	detail bool
	pane   pane
	width  int
	height int
}

func newPendingView(k KeyMap, s Styles, d data, timeout time.Duration) *pendingView {
	v := &pendingView{keys: k, styles: s, data: d, timeout: timeout, pane: newPane()}
	v.find = newFinder(s, "candidate, job, stage, interviewer, rule…", pendingRow.names,
		sortSpec[pendingRow]{name: "due", first: "soonest first", reversed: "latest first", cmp: func(a, b pendingRow) int {
			return byTimePtr(a.Schedule.DueAt, b.Schedule.DueAt)
		}},
		sortSpec[pendingRow]{name: "candidate", first: "A to Z", reversed: "Z to A", cmp: func(a, b pendingRow) int {
			return byText(a.candidate(), b.candidate())
		}},
		sortSpec[pendingRow]{name: "job", first: "A to Z", reversed: "Z to A", cmp: func(a, b pendingRow) int {
			return byText(a.JobTitle, b.JobTitle)
		}},
		sortSpec[pendingRow]{name: "feedback", first: "fewest in first", reversed: "most in first", cmp: func(a, b pendingRow) int {
			return cmpInt(a.submitted*b.expected, b.submitted*a.expected)
		}},
		sortSpec[pendingRow]{name: "timeout", first: "soonest first", reversed: "latest first", cmp: func(a, b pendingRow) int {
			return byTimePtr(timePtr(a.timeoutAt), timePtr(b.timeoutAt))
		}},
	)
	return v
}

// names are what the filter matches: candidate, job, stage, who owes
// feedback and the rule.
func (r pendingRow) names() []string {
	out := []string{r.candidate(), r.JobTitle, r.StageTitle, r.timeoutRule}
	for _, o := range r.owed {
		out = append(out, o.Interviewer.Name())
	}
	return out
}

func (r pendingRow) candidate() string {
	return candidateLabel(r.CandidateName, r.Schedule.CandidateID, r.Schedule.ApplicationID)
}

func (v *pendingView) Init() tea.Cmd    { return v.Refresh() }
func (v *pendingView) Refresh() tea.Cmd { return v.data.loadPending() }
func (v *pendingView) Capturing() bool  { return v.find.typing }
func (v *pendingView) InDetail() bool   { return v.detail }

func (v *pendingView) SetSize(w, h int) {
	v.width, v.height = w, h
	v.list.setHeight(h - 3)
}

func (v *pendingView) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case pendingMsg:
		v.apply(msg)
	case tea.PasteMsg:
		if v.find.paste(msg) {
			v.refilter()
		}
	case tea.KeyPressMsg:
		v.handleKey(msg)
	}
	return nil
}

// Target is the selected schedule's candidate and job.
func (v *pendingView) Target() target {
	if len(v.rows) == 0 || v.list.cursor >= len(v.rows) {
		return target{}
	}
	r := v.rows[v.list.cursor]
	return target{applicationID: r.Schedule.ApplicationID, jobID: r.Schedule.JobID, candidate: r.CandidateName,
		job: r.JobTitle, id: r.Schedule.ID, kind: "schedule"}
}

// Click selects the row at body line y (summary, toolbar and column
// titles come first); a click on the selected row opens it.
func (v *pendingView) Click(y int) tea.Cmd {
	if v.detail {
		return nil
	}
	if v.list.click(y, 3, len(v.rows)) {
		v.detail = true
		v.pane.top()
	}
	return nil
}

func (v *pendingView) apply(msg pendingMsg) {
	if msg.err != nil {
		return
	}
	v.titles = msg.pending.InterviewTitles
	v.all = v.all[:0]
	for _, p := range msg.pending.Schedules {
		v.all = append(v.all, v.derive(p, msg.rules))
	}
	v.refilter()
}

// refilter shows the rows matching the filter, in the chosen order, with
// the selection kept on the same schedule.
func (v *pendingView) refilter() {
	selected := v.selectedID()
	v.rows = v.find.apply(v.all)
	v.list.setLen(len(v.rows))
	found := false
	for i, r := range v.rows {
		if r.Schedule.ID == selected {
			v.list.cursor = i
			v.list.clamp()
			found = true
			break
		}
	}
	if v.detail && !found {
		// The schedule was decided (or filtered away): its detail would
		// show another one.
		v.detail = false
	}
}

func (v *pendingView) derive(p store.PendingSchedule, rules []domain.Rule) pendingRow {
	r := pendingRow{PendingSchedule: p, owed: engine.Expected(p.Schedule, p.Feedback)}
	r.expected = len(r.owed)
	for _, o := range r.owed {
		if o.Submitted {
			r.submitted++
		}
	}
	timeout := v.timeout
	if rule, ok := engine.Match(rules, p.Schedule.JobID, p.Schedule.InterviewPlanID, p.Schedule.InterviewStageID); ok {
		r.timeoutRule = orDash(rule.Name, rule.ID)
		if rule.TimeoutDays > 0 {
			timeout = time.Duration(rule.TimeoutDays) * 24 * time.Hour
		}
	}
	var lastEnd time.Time
	for _, e := range p.Schedule.Events {
		if e.EndTime.After(lastEnd) {
			lastEnd = e.EndTime
		}
	}
	if timeout > 0 && !lastEnd.IsZero() && r.submitted < r.expected {
		r.timeoutAt = lastEnd.Add(timeout)
	}
	return r
}

func (v *pendingView) selectedID() string {
	if v.list.cursor < len(v.rows) && len(v.rows) > 0 {
		return v.rows[v.list.cursor].Schedule.ID
	}
	return ""
}

func (v *pendingView) handleKey(msg tea.KeyPressMsg) {
	if v.detail {
		if key.Matches(msg, v.keys.Close) {
			v.detail = false
			return
		}
		v.pane.navigate(v.keys, msg, v.detailLines(), v.width, v.height)
		return
	}
	if handled, changed := v.find.handleKey(v.keys, msg); handled {
		if changed {
			v.refilter()
		}
		return
	}
	if v.list.navigate(v.keys, msg) {
		return
	}
	if key.Matches(msg, v.keys.Detail) && len(v.rows) > 0 {
		v.detail = true
		v.pane.top()
	}
}

func (v *pendingView) ShortHelp() []key.Binding {
	switch {
	case v.find.typing:
		return filterHelp()
	case v.detail:
		return []key.Binding{brief(v.keys.Down, "scroll"), brief(v.keys.Open, "open"), brief(v.keys.Copy, "copy"), v.keys.Back}
	}
	return []key.Binding{v.keys.Detail, v.keys.Filter, v.keys.Sort, brief(v.keys.Open, "open")}
}

func (v *pendingView) FullHelp() [][]key.Binding { return [][]key.Binding{v.keys.listHelp()} }

func (v *pendingView) View() string {
	if v.detail && len(v.rows) > 0 {
		return v.pane.view(v.detailLines(), v.width, v.height)
	}
	return v.listView()
}

func (v *pendingView) columns() []column {
	cols := []column{
		{title: "Candidate", width: 12, flex: true},
		{title: "Job", width: 8, flex: true},
		{title: "Stage", width: 8, flex: true},
		{title: "Fb", width: 5},
		{title: "Last", width: 7},
		{title: "Due", width: 10},
		{title: "Timeout", width: 11},
	}
	if v.width >= 110 {
		cols = append(cols, column{title: "Still owes", width: 14, flex: true})
	}
	return cols
}

func (v *pendingView) listView() string {
	now := v.data.now()
	var dueSoon, timeouts int
	for _, r := range v.all {
		if d := r.Schedule.DueAt; d != nil && d.Sub(now) < time.Hour {
			dueSoon++
		}
		if !r.timeoutAt.IsZero() && r.timeoutAt.Sub(now) < timeoutWarning {
			timeouts++
		}
	}
	summary := fmt.Sprintf(" awaiting a decision: %d · due within the hour: %d · timeout within a day: %d",
		len(v.all), dueSoon, timeouts)
	lines := []string{v.styles.Dim.Render(fitStyled(summary, v.width)), v.find.line(v.styles, v.width, len(v.rows), len(v.all))}
	cols := v.columns()
	ws := widths(cols, v.width)
	lines = append(lines, v.styles.Header.Render(tableHeader(cols, ws)))
	if len(v.rows) == 0 {
		empty := " Nothing awaits a decision."
		if len(v.all) > 0 {
			empty = " Nothing matches the filter; esc clears it."
		}
		lines = append(lines, v.styles.Dim.Render(empty))
		return strings.Join(lines, "\n")
	}
	start, end := v.list.visible()
	for i := start; i < end; i++ {
		r := v.rows[i]
		s := r.Schedule
		due := "—"
		if s.DueAt != nil {
			due = ago(*s.DueAt, now)
		}
		timeout := ""
		if !r.timeoutAt.IsZero() {
			timeout = ago(r.timeoutAt, now)
		}
		cells := []string{
			candidateLabel(r.CandidateName, s.CandidateID, s.ApplicationID),
			orDash(r.JobTitle, s.JobID),
			orDash(r.StageTitle, s.InterviewStageID),
			fmt.Sprintf("%d/%d", r.submitted, r.expected),
			orDash(s.LastOutcome, "new"),
			due,
			timeout,
		}
		if len(ws) > 7 {
			cells = append(cells, strings.Join(r.owing(), ", "))
		}
		line := tableRow(cells, ws)
		switch {
		case i == v.list.cursor:
			line = v.styles.Selected.Render(line)
		case !r.timeoutAt.IsZero() && r.timeoutAt.Sub(now) < timeoutWarning:
			line = v.styles.Warn.Render(line)
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// owing names who has not submitted.
func (r pendingRow) owing() []string {
	var out []string
	for _, o := range r.owed {
		if !o.Submitted {
			out = append(out, o.Interviewer.Name())
		}
	}
	return out
}

func candidateLabel(name, candidateID, applicationID string) string {
	return orDash(name, codeOr(candidateID), codeOr(applicationID))
}

func (v *pendingView) detailLines() []string {
	if v.list.cursor >= len(v.rows) {
		return nil
	}
	r := v.rows[v.list.cursor]
	s := r.Schedule
	now := v.data.now()
	st := v.styles
	lines := []string{
		st.Heading.Render(fmt.Sprintf("%s — %s — %s", candidateLabel(r.CandidateName, s.CandidateID, s.ApplicationID),
			orDash(r.JobTitle, codeOr(s.JobID)), orDash(r.StageTitle, codeOr(s.InterviewStageID)))),
		st.Dim.Render(fmt.Sprintf("Ashby status %s · schedule `%s` · application `%s`", s.Status, s.ID, s.ApplicationID)),
		"",
	}
	if s.LastEvaluatedAt != nil {
		lines = append(lines, fmt.Sprintf("Last evaluation  %s (%s): %s", stamp(*s.LastEvaluatedAt, now),
			ago(*s.LastEvaluatedAt, now), orDash(explain.Scrub(s.LastSummary), s.LastOutcome)))
	} else {
		lines = append(lines, "Last evaluation  never")
	}
	if s.DueAt != nil {
		lines = append(lines, fmt.Sprintf("Due              %s (%s)", stamp(*s.DueAt, now), ago(*s.DueAt, now)))
	} else {
		lines = append(lines, "Due              — (evaluated again when something changes)")
	}
	switch {
	case !r.timeoutAt.IsZero():
		t := fmt.Sprintf("Timeout          %s (%s)", stamp(r.timeoutAt, now), ago(r.timeoutAt, now))
		if r.timeoutAt.Sub(now) < timeoutWarning {
			t = st.Warn.Render(t + " — approaching")
		}
		lines = append(lines, t)
	case r.expected > 0 && r.submitted == r.expected:
		lines = append(lines, "Timeout          — (all feedback in)")
	default:
		lines = append(lines, "Timeout          — (none configured)")
	}
	if r.timeoutRule != "" {
		lines = append(lines, "Rule             "+r.timeoutRule)
	} else {
		lines = append(lines, "Rule             none matches (no_rule)")
	}
	lines = append(lines, "", st.Heading.Render(fmt.Sprintf("Feedback %d of %d", r.submitted, r.expected)))
	if len(r.owed) == 0 {
		lines = append(lines, st.Dim.Render("  nobody owes feedback on this schedule"))
	}
	var current string
	for _, o := range r.owed {
		if o.InterviewID != current {
			current = o.InterviewID
			title := orDash(v.titles[o.InterviewID], "unknown interview "+codeOr(o.InterviewID))
			lines = append(lines, fmt.Sprintf("  %s (ended %s)", title, stamp(o.EventEnd, now)))
		}
		if o.Submitted {
			lines = append(lines, st.Good.Render(fmt.Sprintf("    ✓ %-24s submitted %s", o.Interviewer.Name(), stamp(o.SubmittedAt, now))))
		} else {
			note := "not submitted"
			if n := r.RemindersSent[o.Interviewer.InterviewerID]; n > 0 {
				note += fmt.Sprintf(" (%d reminder%s sent)", n, plural(n))
			}
			lines = append(lines, st.Bad.Render(fmt.Sprintf("    ✗ %-24s %s", o.Interviewer.Name(), note)))
		}
	}
	return lines
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
