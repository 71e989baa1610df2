package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/explain"
	"github.com/ashby-auto-advance/aaa/internal/rules"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// rulesView lists every rule with its scope and shadow record, toggles a
// rule's active flag or mode, and sets its reject delay (D, typed in the
// rule's detail), each behind a confirm step.
type rulesView struct {
	keys   KeyMap
	styles Styles
	data   data

	// all is every rule loaded; rows the ones shown (find).
	all     []store.RuleOverview
	rows    []store.RuleOverview
	find    finder[store.RuleOverview]
	reqs    map[string][]string
	list    cursorList
	detail  bool
	pane    pane
	confirm *pendingChange
	// bt is the open backtest of a rule (b), nil when closed.
	bt *backtestPanel
	// history is the revisions of the rule whose detail is open.
	history *ruleHistoryMsg
	// delay is the reject delay being typed (D in the detail); editing
	// says the input is open, delayErr why the typed value was refused.
	delay    lineInput
	editing  bool
	delayErr string

	width, height int
}

// pendingChange is a rule change awaiting confirmation.
type pendingChange struct {
	change ruleChange
	prompt string
}

func newRulesView(k KeyMap, s Styles, d data) *rulesView {
	v := &rulesView{keys: k, styles: s, data: d, pane: newPane(), delay: newLineInput(" Reject delay: ", "2h, 90m, 1d or 0 for none", s)}
	v.find = newFinder(s, "rule, job, stage, mode…", v.names,
		sortSpec[store.RuleOverview]{name: "rule", first: "A to Z", reversed: "Z to A", cmp: func(a, b store.RuleOverview) int {
			return byText(ruleLabel(a.Rule), ruleLabel(b.Rule))
		}},
		sortSpec[store.RuleOverview]{name: "job", first: "A to Z", reversed: "Z to A", cmp: func(a, b store.RuleOverview) int {
			return byText(ruleJob(a), ruleJob(b))
		}},
		sortSpec[store.RuleOverview]{name: "decisions", first: "most first", reversed: "fewest first", cmp: func(a, b store.RuleOverview) int {
			return cmpInt(b.Shadow.Decisions, a.Shadow.Decisions)
		}},
		sortSpec[store.RuleOverview]{name: "agreement", first: "lowest first", reversed: "highest first", cmp: func(a, b store.RuleOverview) int {
			ra, oka := a.Shadow.AgreementRate()
			rb, okb := b.Shadow.AgreementRate()
			switch {
			case oka != okb && oka:
				return -1
			case oka != okb:
				return 1
			case ra < rb:
				return -1
			case ra > rb:
				return 1
			}
			return 0
		}},
	)
	return v
}

// names are what the filter matches: the rule, its scope and mode.
func (v *rulesView) names(o store.RuleOverview) []string {
	return []string{ruleLabel(o.Rule), ruleJob(o), o.PlanTitle, o.StageTitle, o.TargetStageTitle, o.Rule.Mode}
}

// ruleJob names the rule's job ("all jobs" when it has none).
func ruleJob(o store.RuleOverview) string {
	if o.Rule.JobID == "" {
		return "all jobs"
	}
	return orDash(o.JobTitle, o.Rule.JobID)
}

func (v *rulesView) Init() tea.Cmd    { return v.Refresh() }
func (v *rulesView) Refresh() tea.Cmd { return v.data.loadRules() }
func (v *rulesView) Capturing() bool {
	return v.confirm != nil || v.bt != nil || v.editing || v.find.typing
}
func (v *rulesView) InDetail() bool { return v.detail }

func (v *rulesView) SetSize(w, h int) {
	v.width, v.height = w, h
	v.list.setHeight(h - 5)
}

// Target is the selected rule's job (a rule names no candidate).
func (v *rulesView) Target() target {
	o := v.selected()
	if o == nil {
		return target{}
	}
	return target{jobID: o.Rule.JobID, job: o.JobTitle, id: o.Rule.ID, kind: "rule", name: ruleLabel(o.Rule)}
}

// Click selects the row at body line y (two summary lines, the toolbar
// and column titles come first); a click on the selected row opens it.
func (v *rulesView) Click(y int) tea.Cmd {
	if v.detail {
		return nil
	}
	if v.list.click(y, 4, len(v.rows)) {
		return v.handleKey(tea.KeyPressMsg{Code: tea.KeyEnter})
	}
	return nil
}

func (v *rulesView) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case rulesMsg:
		v.apply(msg)
	case ruleChangedMsg:
		if v.detail {
			return tea.Batch(v.Refresh(), v.data.loadHistory(msg.ruleID))
		}
		return v.Refresh()
	case ruleHistoryMsg:
		if r := v.selected(); r != nil && r.Rule.ID == msg.ruleID && msg.err == nil {
			v.history = &msg
		}
	case reviewSavedMsg:
		return v.Refresh()
	case tea.PasteMsg:
		if v.editing {
			v.delay.Update(msg)
		} else if v.find.paste(msg) {
			v.refilter()
		}
	case backtestMsg:
		if v.bt != nil {
			v.bt.apply(msg)
		}
	case tea.KeyPressMsg:
		return v.handleKey(msg)
	}
	return nil
}

func (v *rulesView) apply(msg rulesMsg) {
	if msg.err != nil {
		return
	}
	v.all, v.reqs = msg.rows, msg.reqs
	v.refilter()
}

// refilter shows the rules matching the filter, in the chosen order, with
// the selection kept on the same rule.
func (v *rulesView) refilter() {
	selected := ""
	if r := v.selected(); r != nil {
		selected = r.Rule.ID
	}
	v.rows = v.find.apply(v.all)
	v.list.setLen(len(v.rows))
	for i, r := range v.rows {
		if r.Rule.ID == selected {
			v.list.cursor = i
			v.list.clamp()
		}
	}
}

func (v *rulesView) selected() *store.RuleOverview {
	if len(v.rows) == 0 || v.list.cursor >= len(v.rows) {
		return nil
	}
	return &v.rows[v.list.cursor]
}

func (v *rulesView) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	if v.confirm != nil {
		switch {
		case key.Matches(msg, v.keys.Confirm):
			c := v.confirm.change
			v.confirm = nil
			return v.data.changeRule(c)
		case key.Matches(msg, v.keys.Cancel):
			v.confirm = nil
		}
		return nil
	}
	if v.editing {
		return v.handleDelayKey(msg)
	}
	if v.bt != nil {
		if key.Matches(msg, v.keys.Close) || key.Matches(msg, v.keys.Quit) {
			v.bt = nil
		} else {
			v.bt.navigate(v.keys, msg, v.styles, v.width, v.height)
		}
		return nil
	}
	if v.detail {
		if key.Matches(msg, v.keys.Close) {
			v.detail = false
			return nil
		}
	} else if handled, changed := v.find.handleKey(v.keys, msg); handled {
		if changed {
			v.refilter()
		}
		return nil
	} else if v.list.navigate(v.keys, msg) {
		return nil
	}
	r := v.selected()
	if r == nil {
		return nil
	}
	switch {
	case key.Matches(msg, v.keys.Detail):
		v.detail, v.history = true, nil
		v.pane.top()
		return v.data.loadHistory(r.Rule.ID)
	case key.Matches(msg, v.keys.ToggleActive):
		v.confirm = v.toggleActive(*r)
	case key.Matches(msg, v.keys.SwitchMode):
		v.confirm = v.switchMode(*r)
	case v.detail && key.Matches(msg, v.keys.RejectDelay):
		v.editing, v.delayErr = true, ""
		v.delay.SetValue(rules.FormatDelay(r.Rule.RejectDelay))
		v.delay.Focus()
	case key.Matches(msg, backtestKey()):
		v.bt = &backtestPanel{rule: r.Rule, pane: newPane()}
		return v.data.runBacktest(r.Rule)
	default:
		if v.detail {
			v.pane.navigate(v.keys, msg, v.detailLines(), v.width, v.height)
		}
	}
	return nil
}

// handleDelayKey edits the typed reject delay; enter checks it like the
// rules service does and asks to confirm, esc closes the input.
func (v *rulesView) handleDelayKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, v.keys.Submit):
		r := v.selected()
		if r == nil {
			v.closeDelay()
			return nil
		}
		d, err := rules.ParseDelay(v.delay.Value())
		if err != nil {
			v.delayErr = "reject delay " + err.Error()
			return nil
		}
		next := r.Rule
		next.RejectDelay = d
		for _, p := range rules.CheckShape(next) {
			if len(p.Loc) > 0 && p.Loc[0] == "reject_delay" {
				v.delayErr = p.Msg
				return nil
			}
		}
		v.closeDelay()
		v.confirm = v.setDelay(*r, d)
	case msg.String() == "esc":
		v.closeDelay()
	default:
		if v.delay.Update(msg) {
			v.delayErr = ""
		}
	}
	return nil
}

func (v *rulesView) closeDelay() {
	v.editing, v.delayErr = false, ""
	v.delay.Blur()
	v.delay.SetValue("")
}

func (v *rulesView) setDelay(o store.RuleOverview, d time.Duration) *pendingChange {
	r := o.Rule
	prompt := fmt.Sprintf("Set the reject delay of %q to %s? Its archives will then wait %s after the click or its decision"+
		" and can be cancelled until then.", ruleLabel(r), delayText(d), delayText(d))
	if d == 0 {
		prompt = fmt.Sprintf("Remove the reject delay of %q? Its archives will then happen at once.", ruleLabel(r))
	}
	if r.Mode == domain.ModeLive {
		prompt += " It is LIVE."
	}
	return &pendingChange{change: ruleChange{ruleID: r.ID, name: ruleLabel(r), version: r.Version, rejectDelay: &d}, prompt: prompt}
}

func ruleLabel(r domain.Rule) string { return orDash(r.Name, r.ID) }

func (v *rulesView) scope(o store.RuleOverview) string {
	r := o.Rule
	job := "all jobs"
	if r.JobID != "" {
		job = orDash(o.JobTitle, r.JobID)
	}
	return fmt.Sprintf("%s / %s / %s", job, orDash(o.PlanTitle, r.InterviewPlanID), orDash(o.StageTitle, r.InterviewStageID))
}

func (v *rulesView) toggleActive(o store.RuleOverview) *pendingChange {
	r := o.Rule
	active := !r.Active
	c := ruleChange{ruleID: r.ID, name: ruleLabel(r), version: r.Version, activate: &active}
	var prompt string
	if active {
		prompt = fmt.Sprintf("Activate %q (%s)? From the server's next evaluation it decides schedules in %s.",
			ruleLabel(r), r.Mode, v.scope(o))
		if r.Mode == domain.ModeLive {
			prompt += " It is LIVE: it will move candidates in Ashby."
		}
	} else {
		prompt = fmt.Sprintf("Deactivate %q? From the server's next evaluation it no longer decides schedules in %s.",
			ruleLabel(r), v.scope(o))
	}
	return &pendingChange{change: c, prompt: prompt}
}

func (v *rulesView) switchMode(o store.RuleOverview) *pendingChange {
	r := o.Rule
	mode := domain.ModeLive
	prompt := fmt.Sprintf("Switch %q to LIVE? Its advance and reject decisions will change stages in Ashby and notify Slack"+
		" from the server's next evaluation (shadow record: %s).", ruleLabel(r), shadowSummary(o.Shadow))
	if r.Mode == domain.ModeLive {
		mode = domain.ModeShadow
		prompt = fmt.Sprintf("Switch %q to shadow? Its decisions will only be recorded; nothing is written to Ashby.", ruleLabel(r))
	}
	return &pendingChange{change: ruleChange{ruleID: r.ID, name: ruleLabel(r), version: r.Version, mode: &mode}, prompt: prompt}
}

// agreementLine is the reviews of the rule's shadow decisions: "3 agree ·
// 1 disagree · 75% agreement".
func agreementLine(s store.ShadowRecord) string {
	n := s.Agree + s.Disagree
	if n == 0 {
		return "no shadow decision reviewed yet (a/d in Decisions)"
	}
	rate, _ := s.AgreementRate()
	return fmt.Sprintf("%d agree · %d disagree · %.0f%% agreement over %d review%s", s.Agree, s.Disagree, rate*100, n, plural(n))
}

func shadowSummary(s store.ShadowRecord) string {
	out := fmt.Sprintf("%d decisions, %d would advance, %d would reject", s.Decisions, s.WouldAdvance, s.WouldReject)
	if rate, ok := s.AgreementRate(); ok {
		out += fmt.Sprintf(", %.0f%% agreement over %d reviews", rate*100, s.Agree+s.Disagree)
	}
	return out
}

func (v *rulesView) ShortHelp() []key.Binding {
	if v.confirm != nil {
		return []key.Binding{v.keys.Confirm, v.keys.Cancel}
	}
	if v.bt != nil {
		return backtestHelp(v.keys)
	}
	if v.editing {
		return []key.Binding{v.keys.Submit, v.keys.Close}
	}
	if v.find.typing {
		return filterHelp()
	}
	if v.detail {
		// "delay" keeps the bar within 80 columns; the full help says
		// "reject delay".
		delay := key.NewBinding(key.WithKeys(v.keys.RejectDelay.Keys()...), key.WithHelp(v.keys.RejectDelay.Help().Key, "delay"))
		return []key.Binding{v.keys.ToggleActive, v.keys.SwitchMode, delay, v.keys.Back}
	}
	return []key.Binding{v.keys.Detail, v.keys.Filter, v.keys.Sort, v.keys.ToggleActive, v.keys.SwitchMode}
}

func (v *rulesView) FullHelp() [][]key.Binding {
	return [][]key.Binding{v.keys.listHelp(),
		{v.keys.ToggleActive, v.keys.SwitchMode, v.keys.RejectDelay, backtestKey(), v.keys.Answer}}
}

func (v *rulesView) View() string {
	h := v.height
	var prompt []string
	if v.confirm != nil {
		prompt = wrap(v.confirm.prompt, v.width-2)
		prompt = append(prompt, "y confirm · n/esc cancel")
		h -= len(prompt) + 1
	}
	var body string
	if v.bt != nil {
		return v.bt.view(v.styles, v.width, h)
	}
	if v.editing {
		h -= 1 + len(v.delayPrompt())
		if v.delayErr != "" {
			h--
		}
	}
	if v.detail {
		body = v.pane.view(v.detailLines(), v.width, h)
	} else {
		body = v.listView(h)
	}
	if v.editing {
		out := []string{block(body, h)}
		for _, l := range v.delayPrompt() {
			out = append(out, v.styles.Confirm.Render(fit(" "+l, v.width)))
		}
		out = append(out, v.delay.View(v.width))
		if v.delayErr != "" {
			out = append(out, v.styles.Error.Render(fit(" "+v.delayErr, v.width)))
		}
		return strings.Join(out, "\n")
	}
	if v.confirm == nil {
		return body
	}
	out := []string{block(body, h), ""}
	for _, p := range prompt {
		out = append(out, v.styles.Confirm.Render(" "+fit(p, v.width-2)+" "))
	}
	return strings.Join(out, "\n")
}

func (v *rulesView) columns() []column {
	cols := []column{
		{title: "Rule", width: 10, flex: true},
		{title: "Job", width: 8, flex: true},
	}
	if v.width >= 110 {
		cols = append(cols, column{title: "Plan", width: 8, flex: true})
	}
	return append(cols,
		column{title: "Stage", width: 8, flex: true},
		column{title: "Mode", width: 6},
		column{title: "On", width: 3},
		column{title: "Dec", width: 4},
		column{title: "Adv", width: 4},
		column{title: "Rej", width: 4},
		column{title: "Agree", width: 8},
	)
}

func (v *rulesView) listView(height int) string {
	active, live := 0, 0
	for _, r := range v.all {
		if r.Rule.Active {
			active++
			if r.Rule.Mode == domain.ModeLive {
				live++
			}
		}
	}
	lines := []string{
		v.styles.Dim.Render(fitStyled(fmt.Sprintf(" %d rules · %d active · %d live · changes reach the server's next evaluation",
			len(v.all), active, live), v.width)),
		v.styles.Dim.Render(fitStyled(" shadow record: decisions, would advance, would reject, review agreement", v.width)),
		v.find.line(v.styles, v.width, len(v.rows), len(v.all)),
	}
	cols := v.columns()
	ws := widths(cols, v.width)
	lines = append(lines, v.styles.Header.Render(tableHeader(cols, ws)))
	if len(v.rows) == 0 {
		empty := " No rules yet."
		if len(v.all) > 0 {
			empty = " No rule matches the filter; esc clears it."
		}
		return strings.Join(append(lines, v.styles.Dim.Render(empty)), "\n")
	}
	v.list.setHeight(height - 4)
	start, end := v.list.visible()
	for i := start; i < end; i++ {
		o := v.rows[i]
		r := o.Rule
		job := "all jobs"
		if r.JobID != "" {
			job = orDash(o.JobTitle, r.JobID)
		}
		on := "no"
		if r.Active {
			on = "yes"
		}
		agree := "—"
		if rate, ok := o.Shadow.AgreementRate(); ok {
			agree = fmt.Sprintf("%.0f%%/%d", rate*100, o.Shadow.Agree+o.Shadow.Disagree)
		}
		cells := []string{ruleLabel(r), job}
		if len(ws) > 9 {
			cells = append(cells, orDash(o.PlanTitle, r.InterviewPlanID))
		}
		cells = append(cells, orDash(o.StageTitle, r.InterviewStageID), r.Mode, on,
			itoa(o.Shadow.Decisions), itoa(o.Shadow.WouldAdvance), itoa(o.Shadow.WouldReject), agree)
		line := tableRow(cells, ws)
		switch {
		case i == v.list.cursor:
			line = v.styles.Selected.Render(line)
		case !r.Active:
			line = v.styles.Dim.Render(line)
		case r.Mode == domain.ModeLive:
			line = v.styles.Live.Render(line)
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

func (v *rulesView) detailLines() []string {
	o := v.selected()
	if o == nil {
		return nil
	}
	r, st := o.Rule, v.styles
	now := v.data.now()
	target := "next stage by order"
	if r.TargetStageID != "" {
		target = orDash(o.TargetStageTitle, r.TargetStageID)
	}
	active := "inactive"
	if r.Active {
		active = "active"
	}
	lines := []string{
		st.Heading.Render(fmt.Sprintf("%s · %s · %s · version %d", ruleLabel(r), r.Mode, active, r.Version)),
		st.Dim.Render("updated " + stamp(r.UpdatedAt, now) + " · rule " + explain.Code(r.ID)),
		"Scope      " + v.scope(*o),
		"Target     " + target,
		fmt.Sprintf("On reject  %s · priority %d", r.OnReject, r.Priority),
		fmt.Sprintf("Timeout    %s · min wait %s", daysOrGlobal(r.TimeoutDays), minutesOrGlobal(r.MinWaitMinutes)),
		"Reject delay: " + delayOrNone(r.RejectDelay),
		"Acts in working hours: " + yesNo(r.ActInWorkHours),
		"Notify on advance: " + yesNo(r.NotifyOnAdvance),
		fmt.Sprintf("Shadow     %d decisions, %d would advance, %d would reject", o.Shadow.Decisions, o.Shadow.WouldAdvance,
			o.Shadow.WouldReject),
		"Agreement  " + agreementLine(o.Shadow),
		"",
		st.Heading.Render("Requirements"),
	}
	if len(r.Requirements) == 0 {
		lines = append(lines, st.Dim.Render("  none (the rule never advances)"))
	}
	for _, line := range v.reqs[r.ID] {
		lines = append(lines, "  "+line)
	}
	return append(lines, v.historyLines(r.ID, now)...)
}

// historyLines are the revisions of the rule, newest first, one per line:
// version, when, who through which door, what changed (with names).
func (v *rulesView) historyLines(ruleID string, now time.Time) []string {
	st := v.styles
	lines := []string{"", st.Heading.Render("History")}
	h := v.history
	if h == nil || h.ruleID != ruleID {
		return append(lines, st.Dim.Render("  loading…"))
	}
	if len(h.revs) == 0 {
		return append(lines, st.Dim.Render("  no recorded changes (made before revisions were kept)"))
	}
	for _, rev := range h.revs {
		lines = append(lines, fmt.Sprintf("  v%d %s %s (%s) %s", rev.Version, stamp(rev.CreatedAt, now), rev.Actor, rev.Source,
			rules.Describe(rev, h.titles)))
	}
	return lines
}

// delayPrompt asks for the reject delay, wrapped to the width.
func (v *rulesView) delayPrompt() []string {
	return wrap("Reject delay of "+v.selectedLabel()+": how long archives wait (0: at once)", v.width-2)
}

func (v *rulesView) selectedLabel() string {
	if r := v.selected(); r != nil {
		return fmt.Sprintf("%q", ruleLabel(r.Rule))
	}
	return "the rule"
}

// delayText is a delay for people: "2 h", "1 h 30 min", "45 s", "2 days".
func delayText(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		if n := d / (24 * time.Hour); n > 1 {
			return fmt.Sprintf("%d days", n)
		}
		return "1 day"
	}
	var parts []string
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{time.Hour, "h"}, {time.Minute, "min"}, {time.Second, "s"}} {
		if n := d / u.d; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, u.name))
			d -= n * u.d
		}
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, " ")
}

func delayOrNone(d time.Duration) string {
	if d <= 0 {
		return "none, archives at once"
	}
	return delayText(d)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func daysOrGlobal(n int) string {
	if n <= 0 {
		return "global"
	}
	return fmt.Sprintf("%d days", n)
}

func minutesOrGlobal(n int) string {
	if n <= 0 {
		return "global"
	}
	return fmt.Sprintf("%d minutes", n)
}

// wrap breaks s into lines of at most width cells at spaces.
func wrap(s string, width int) []string {
	var out []string
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
			line = w
		case len([]rune(line))+1+len([]rune(w)) <= width:
			line += " " + w
		default:
			out = append(out, line)
			line = w
		}
	}
	if line != "" {
		out = append(out, line)
	}
	return out
}
