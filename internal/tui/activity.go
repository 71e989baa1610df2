package tui

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/explain"
)

// activityView shows recent webhook deliveries, the periodic jobs' last
// runs, and Ashby and Slack errors.
type activityView struct {
	keys   KeyMap
	styles Styles
	data   data

	activity activity
	loaded   bool
	scroll   scroller

	width, height int
}

func newActivityView(k KeyMap, s Styles, d data) *activityView {
	return &activityView{keys: k, styles: s, data: d}
}

func (v *activityView) Init() tea.Cmd    { return v.Refresh() }
func (v *activityView) Refresh() tea.Cmd { return v.data.loadActivity() }
func (v *activityView) Capturing() bool  { return false }

func (v *activityView) SetSize(w, h int) { v.width, v.height = w, h }

func (v *activityView) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case activityMsg:
		if msg.err == nil {
			v.activity, v.loaded = msg.activity, true
		}
	case tea.KeyPressMsg:
		v.scroll.navigate(v.keys, msg, len(v.lines()), v.height)
	}
	return nil
}

func (v *activityView) ShortHelp() []key.Binding {
	return []key.Binding{v.keys.Up, v.keys.Down, v.keys.Refresh}
}

func (v *activityView) FullHelp() [][]key.Binding { return nil }

func (v *activityView) View() string {
	if !v.loaded {
		return v.styles.Dim.Render(" loading…")
	}
	return v.scroll.window(v.lines(), v.width, v.height)
}

func (v *activityView) lines() []string {
	a, st := v.activity, v.styles
	now := v.data.now()
	var lines []string

	lines = append(lines, st.Heading.Render("Periodic jobs"))
	jobCols := []column{{title: "Job", width: 14, flex: true}, {title: "Status", width: 8}, {title: "Last run", width: 21},
		{title: "Items", width: 6}, {title: "Error", width: 10, flex: true}}
	ws := widths(jobCols, v.width)
	lines = append(lines, st.Header.Render(tableHeader(jobCols, ws)))
	if len(a.syncs) == 0 {
		lines = append(lines, st.Dim.Render(" no periodic job has run yet"))
	}
	for _, s := range a.syncs {
		status, last := orDash(s.LastStatus), "never"
		if s.LastFinishedAt != nil {
			last = stamp(*s.LastFinishedAt, now) + " (" + ago(*s.LastFinishedAt, now) + ")"
		}
		if s.LastStartedAt != nil && (s.LastFinishedAt == nil || s.LastStartedAt.After(*s.LastFinishedAt)) {
			status = "running"
			last = "started " + ago(*s.LastStartedAt, now)
		}
		line := tableRow([]string{s.Name, status, last, itoa(s.Items), s.LastError}, ws)
		if s.LastError != "" || s.LastStatus == "failed" || s.LastStatus == "error" {
			line = st.Bad.Render(line)
		}
		lines = append(lines, line)
	}

	total := 0
	var statuses []string
	for s, n := range a.counts {
		total += n
		statuses = append(statuses, fmt.Sprintf("%d %s", n, s))
	}
	sort.Strings(statuses)
	heading := st.Heading.Render(fmt.Sprintf("Webhook deliveries · %d received", total))
	if len(statuses) > 0 {
		heading += st.Dim.Render(" (" + strings.Join(statuses, ", ") + ")")
	}
	lines = append(lines, "", heading)
	dCols := []column{{title: "Received", width: 11}, {title: "Action", width: 14, flex: true}, {title: "Schedule", width: 10, flex: true},
		{title: "Status", width: 9}, {title: "Tries", width: 5}, {title: "Error", width: 10, flex: true}}
	ws = widths(dCols, v.width)
	lines = append(lines, st.Header.Render(tableHeader(dCols, ws)))
	if len(a.deliveries) == 0 {
		lines = append(lines, st.Dim.Render(" no webhook received yet"))
	}
	for _, d := range a.deliveries {
		line := tableRow([]string{stamp(d.ReceivedAt, now), d.Action, orDash(codeOr(d.ScheduleID)), d.Status, itoa(d.Attempts),
			explain.Scrub(d.LastError)}, ws)
		if d.Status == domain.DeliveryFailed {
			line = st.Bad.Render(line)
		}
		lines = append(lines, line)
	}

	lines = append(lines, "", st.Heading.Render("Ashby and Slack errors"))
	type errLine struct {
		at   string
		sort int64
		text string
	}
	var errs []errLine
	for _, n := range a.notifications {
		errs = append(errs, errLine{stamp(n.UpdatedAt, now), n.UpdatedAt.UnixNano(),
			fmt.Sprintf("slack  %s notification of decision %s: %s", n.Kind, orDash(codeOr(n.ExecutionID)), orDash(n.Error))})
	}
	for _, e := range a.executions {
		errs = append(errs, errLine{stamp(e.UpdatedAt, now), e.UpdatedAt.UnixNano(),
			fmt.Sprintf("ashby  %s of application %s: %s", e.Outcome, codeOr(e.ApplicationID), orDash(explain.Scrub(e.FailureReason)))})
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].sort > errs[j].sort })
	if len(errs) == 0 {
		lines = append(lines, st.Dim.Render(" none"))
	}
	for _, e := range errs {
		lines = append(lines, st.Bad.Render(" "+e.at+"  "+e.text))
	}
	return lines
}
