package tui

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/ashby-auto-advance/aaa/internal/advance"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/explain"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

var (
	outcomeFilters = []string{"", domain.OutcomeAdvance, domain.OutcomeReject, domain.OutcomeTimeout,
		domain.OutcomeWait, domain.OutcomeNoRule, domain.OutcomeSkip}
	modeFilters = []string{"", domain.ModeShadow, domain.ModeLive}
)

// decisionsView lists live and shadow decisions, filters them, shows their
// reasons and takes dry-run reviews.
type decisionsView struct {
	keys   KeyMap
	styles Styles
	data   data

	// all is the decisions loaded (outcome, mode and rule filtered by the
	// store); rows the ones shown, fuzzy-filtered and sorted by find.
	all     []store.DecisionRow
	rows    []store.DecisionRow
	find    finder[store.DecisionRow]
	rules   []domain.Rule
	list    cursorList
	outcome int // index in outcomeFilters
	mode    int // index in modeFilters
	rule    int // 0: all, i: rules[i-1]
	seq     int // the newest load asked for; older answers are dropped

	detail      bool
	detailID    string
	detailData  *store.DecisionDetail
	fieldTitles map[string]string
	pane        pane

	// acting is the undo, cancel or keep awaiting its y/n (nil when none);
	// busy says which one is under way (an undo waits for Ashby).
	acting *decisionAction
	busy   string
	// result is the answer to the last one, wrapped, when the status line
	// is too narrow for all of it (a refusal's reason); the next key
	// clears it.
	result    []string
	resultErr bool

	// reviewing is the verdict being noted ("" when not reviewing).
	reviewing string
	reviewRow store.DecisionRow
	note      lineInput

	width, height int
}

func newDecisionsView(k KeyMap, s Styles, d data) *decisionsView {
	v := &decisionsView{keys: k, styles: s, data: d, pane: newPane()}
	v.find = newFinder(s, "candidate, job, stage, rule, outcome…", decisionNames,
		sortSpec[store.DecisionRow]{name: "time", first: "newest first", reversed: "oldest first", cmp: func(a, b store.DecisionRow) int {
			return byTime(b.Execution.ExecutedAt, a.Execution.ExecutedAt)
		}},
		sortSpec[store.DecisionRow]{name: "candidate", first: "A to Z", reversed: "Z to A", cmp: func(a, b store.DecisionRow) int {
			return byText(rowCandidate(a), rowCandidate(b))
		}},
		sortSpec[store.DecisionRow]{name: "outcome", first: "A to Z", reversed: "Z to A", cmp: func(a, b store.DecisionRow) int {
			return byText(a.Execution.Outcome, b.Execution.Outcome)
		}},
		sortSpec[store.DecisionRow]{name: "status", first: "A to Z", reversed: "Z to A", cmp: func(a, b store.DecisionRow) int {
			return byText(a.Execution.Status, b.Execution.Status)
		}},
		sortSpec[store.DecisionRow]{name: "rule", first: "A to Z", reversed: "Z to A", cmp: func(a, b store.DecisionRow) int {
			return byText(a.RuleName, b.RuleName)
		}},
	)
	v.note = newLineInput(" note: ", "optional; enter saves, esc cancels", s)
	return v
}

func (v *decisionsView) Init() tea.Cmd { return v.Refresh() }

func (v *decisionsView) Refresh() tea.Cmd {
	v.seq++
	cmds := []tea.Cmd{v.data.loadDecisions(v.currentFilter(), v.seq)}
	if v.detail && v.detailID != "" {
		cmds = append(cmds, v.data.loadDecisionDetail(v.detailID))
	}
	return tea.Batch(cmds...)
}

func (v *decisionsView) currentFilter() store.DecisionFilter {
	f := store.DecisionFilter{Outcome: outcomeFilters[v.outcome], Mode: modeFilters[v.mode]}
	if v.rule > 0 && v.rule <= len(v.rules) {
		f.RuleID = v.rules[v.rule-1].ID
	}
	return f
}

func (v *decisionsView) Capturing() bool {
	return v.find.typing || v.reviewing != "" || v.acting != nil
}
func (v *decisionsView) InDetail() bool { return v.detail }

// decisionNames are what the filter matches.
func decisionNames(r store.DecisionRow) []string {
	return []string{rowCandidate(r), r.JobTitle, r.StageTitle, r.ToStageTitle, r.RuleName, r.Execution.Outcome,
		r.Execution.Status, r.Execution.Mode}
}

// Target is the selected (or detailed) decision's candidate.
func (v *decisionsView) Target() target {
	r := v.selected()
	if v.detail && v.detailData != nil {
		r = &v.detailData.Row
	}
	if r == nil {
		return target{}
	}
	return target{applicationID: r.Execution.ApplicationID, candidate: r.CandidateName, job: r.JobTitle,
		id: r.Execution.ID, kind: "decision"}
}

// Click selects the row at body line y (filters, toolbar and column
// titles come first); a click on the selected row opens it.
func (v *decisionsView) Click(y int) tea.Cmd {
	if v.detail {
		return nil
	}
	if v.list.click(y, 3, len(v.rows)) {
		return v.handleKey(tea.KeyPressMsg{Code: tea.KeyEnter})
	}
	return nil
}

func (v *decisionsView) SetSize(w, h int) {
	v.width, v.height = w, h
	v.list.setHeight(h - 3)
}

func (v *decisionsView) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case decisionsMsg:
		v.apply(msg)
	case decisionDetailMsg:
		if msg.err == nil && msg.detail.Row.Execution.ID == v.detailID {
			d := msg.detail
			v.detailData, v.fieldTitles = &d, msg.fieldTitles
		}
	case decisionActedMsg:
		v.busy, v.result = "", nil
		if text, isErr := msg.notice(); len([]rune(text))+1 > v.width {
			v.result, v.resultErr = wrap(text, v.width-2), isErr
		}
		return v.Refresh()
	case reviewSavedMsg:
		return v.Refresh()
	case tea.PasteMsg:
		if v.reviewing != "" {
			v.note.Update(msg)
		} else if v.find.paste(msg) {
			v.refilter()
		}
	case tea.KeyPressMsg:
		return v.handleKey(msg)
	}
	return nil
}

func (v *decisionsView) apply(msg decisionsMsg) {
	if msg.err != nil || msg.seq != v.seq {
		return
	}
	v.all = msg.rows
	ruleID := ""
	if v.rule > 0 && v.rule <= len(v.rules) {
		ruleID = v.rules[v.rule-1].ID
	}
	v.rules = msg.rules
	v.rule = 0
	for i, r := range v.rules {
		if r.ID == ruleID {
			v.rule = i + 1
		}
	}
	v.refilter()
}

// refilter shows the decisions matching the filter, in the chosen order,
// with the selection kept on the same decision.
func (v *decisionsView) refilter() {
	selected := v.selected()
	v.rows = v.find.apply(v.all)
	v.list.setLen(len(v.rows))
	if selected != nil {
		for i, r := range v.rows {
			if r.Execution.ID == selected.Execution.ID {
				v.list.cursor = i
				v.list.clamp()
				break
			}
		}
	}
}

func (v *decisionsView) selected() *store.DecisionRow {
	if len(v.rows) == 0 || v.list.cursor >= len(v.rows) {
		return nil
	}
	return &v.rows[v.list.cursor]
}

func (v *decisionsView) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	v.result = nil
	switch {
	case v.acting != nil:
		return v.handleActingKey(msg)
	case v.reviewing != "":
		return v.handleReviewKey(msg)
	case v.detail:
		return v.handleDetailKey(msg)
	}
	if handled, changed := v.find.handleKey(v.keys, msg); handled {
		if changed {
			v.refilter()
		}
		return nil
	}
	if v.list.navigate(v.keys, msg) {
		return nil
	}
	switch {
	case key.Matches(msg, v.keys.Detail):
		if r := v.selected(); r != nil {
			v.detail, v.detailID, v.detailData = true, r.Execution.ID, nil
			v.pane.top()
			return v.data.loadDecisionDetail(r.Execution.ID)
		}
	case key.Matches(msg, v.keys.Outcome):
		v.outcome = (v.outcome + 1) % len(outcomeFilters)
		return v.reload()
	case key.Matches(msg, v.keys.Mode):
		v.mode = (v.mode + 1) % len(modeFilters)
		return v.reload()
	case key.Matches(msg, v.keys.Rule):
		v.rule = (v.rule + 1) % (len(v.rules) + 1)
		return v.reload()
	case key.Matches(msg, v.keys.Agree):
		return v.startReview(domain.VerdictAgree)
	case key.Matches(msg, v.keys.Disagree):
		return v.startReview(domain.VerdictDisagree)
	}
	return nil
}

// reload re-queries after a filter change, from the top of the list.
func (v *decisionsView) reload() tea.Cmd {
	v.list.cursor, v.list.offset = 0, 0
	v.seq++
	return v.data.loadDecisions(v.currentFilter(), v.seq)
}

func (v *decisionsView) handleDetailKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, v.keys.Close):
		v.detail, v.detailID, v.detailData = false, "", nil
		return nil
	case key.Matches(msg, v.keys.Agree):
		return v.startReview(domain.VerdictAgree)
	case key.Matches(msg, v.keys.Disagree):
		return v.startReview(domain.VerdictDisagree)
	case key.Matches(msg, v.keys.Undo):
		return v.startAction(advance.ActionUndo)
	case key.Matches(msg, v.keys.CancelScheduled):
		return v.startAction(advance.ActionCancel)
	case key.Matches(msg, v.keys.Keep):
		return v.startAction(advance.ActionKeep)
	}
	v.pane.navigate(v.keys, msg, v.detailLines(), v.width, v.detailHeight())
	return nil
}

// startAction asks to confirm an undo, cancel or keep of the decision in
// the detail, or says why it does not fit the decision.
func (v *decisionsView) startAction(action string) tea.Cmd {
	if v.data.decisions == nil {
		return notice(capitalize(errNoDecisions.Error()), true)
	}
	a, why := v.offer(action)
	if a == nil {
		if why == "" {
			return nil
		}
		return notice(why, true)
	}
	v.acting = a
	return nil
}

// handleActingKey is the confirm step of an undo, cancel or keep: y does
// it (the view says it is under way until the answer: an undo waits for
// Ashby), n/esc drops it.
func (v *decisionsView) handleActingKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, v.keys.Confirm):
		a := *v.acting
		v.acting = nil
		v.busy = actionNoun(a.action) + " of " + rowCandidate(a.row) + " under way…"
		return v.data.actOn(a)
	case key.Matches(msg, v.keys.Cancel):
		v.acting = nil
	}
	return nil
}

// startReview opens the note input for a review of the selected (or
// detailed) decision; only shadow decisions are reviewed.
func (v *decisionsView) startReview(verdict string) tea.Cmd {
	var row *store.DecisionRow
	if v.detail && v.detailData != nil {
		row = &v.detailData.Row
	} else if !v.detail {
		row = v.selected()
	}
	if row == nil {
		return nil
	}
	if row.Execution.Mode != domain.ModeShadow {
		return notice("only shadow (dry-run) decisions are reviewed", true)
	}
	v.reviewing, v.reviewRow = verdict, *row
	v.note.SetValue(row.ReviewNote)
	v.note.Focus()
	return nil
}

func (v *decisionsView) handleReviewKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, v.keys.Submit):
		verdict, row, note := v.reviewing, v.reviewRow, strings.TrimSpace(v.note.Value())
		v.reviewing = ""
		v.note.Blur()
		v.note.SetValue("")
		return v.data.saveReview(row, verdict, note)
	case msg.String() == "esc":
		v.reviewing = ""
		v.note.Blur()
		v.note.SetValue("")
		return nil
	}
	v.note.Update(msg)
	return nil
}

func (v *decisionsView) ShortHelp() []key.Binding {
	switch {
	case v.acting != nil:
		return []key.Binding{v.keys.Confirm, v.keys.Cancel}
	case v.reviewing != "":
		return []key.Binding{v.keys.Submit, v.keys.Close}
	case v.find.typing:
		return filterHelp()
	case v.detail:
		return append(v.detailKeys(), brief(v.keys.Open, "open"), v.keys.Back)
	}
	return []key.Binding{v.keys.Detail, v.keys.Filter, v.keys.Sort, brief(v.keys.FilterBy, "filters"), brief(v.keys.Review, "review")}
}

// detailKeys are the keys that fit the decision in the detail: a/d for a
// shadow decision, c and K for a scheduled one, K for a rejection awaiting
// its click, u for an action by aaa inside the undo window.
func (v *decisionsView) detailKeys() []key.Binding {
	if v.detailData == nil {
		return nil
	}
	e := v.detailData.Row.Execution
	if e.Mode == domain.ModeShadow {
		return []key.Binding{v.keys.Review}
	}
	if v.data.decisions == nil {
		return nil
	}
	// Short words keep the bar within 80 columns; the full help has the
	// long ones.
	short := func(b key.Binding, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(b.Help().Key, desc))
	}
	var out []key.Binding
	if e.Status == domain.ExecScheduled {
		out = append(out, short(v.keys.CancelScheduled, "cancel"))
	}
	if e.Outcome == domain.OutcomeReject && (e.Status == domain.ExecScheduled || e.Status == domain.ExecNotified) {
		out = append(out, short(v.keys.Keep, "keep"))
	}
	if e.Status == domain.ExecSuccess || e.Status == domain.ExecRejected {
		if until, ok := v.undoUntil(e); ok && !v.data.now().After(until) {
			out = append(out, short(v.keys.Undo, "undo"))
		}
	}
	return out
}

func (v *decisionsView) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		v.keys.listHelp(),
		{v.keys.Outcome, v.keys.Mode, v.keys.Rule, v.keys.Agree, v.keys.Disagree},
		{v.keys.Undo, v.keys.CancelScheduled, v.keys.Keep, v.keys.Answer},
	}
}

func (v *decisionsView) View() string {
	var body string
	if v.detail {
		body = v.detailView()
	} else {
		body = v.listView()
	}
	if v.reviewing != "" {
		prompt := v.styles.Confirm.Render(fmt.Sprintf(" %s with this shadow decision ", v.reviewing))
		body = block(body, v.height-2) + "\n" + prompt + "\n" + v.note.View(v.width)
	}
	if v.busy != "" {
		body = block(body, v.height-1) + "\n" + v.styles.Live.Render(fit(" "+v.busy, v.width))
	}
	if len(v.result) > 0 {
		style := v.styles.Status
		if v.resultErr {
			style = v.styles.Error
		}
		out := []string{block(body, v.height-len(v.result))}
		for _, l := range v.result {
			out = append(out, style.Render(" "+l))
		}
		body = strings.Join(out, "\n")
	}
	if v.acting != nil {
		// As a rule change is confirmed: the consequence in words, then
		// the keys.
		prompt := append(wrap(v.acting.prompt, v.width-2), "y confirm · n/esc cancel")
		out := []string{block(body, v.height-len(prompt)-1), ""}
		for _, p := range prompt {
			out = append(out, v.styles.Confirm.Render(" "+fit(p, v.width-2)+" "))
		}
		body = strings.Join(out, "\n")
	}
	return body
}

func (v *decisionsView) filterLine() string {
	ruleName := "all"
	if v.rule > 0 && v.rule <= len(v.rules) {
		r := v.rules[v.rule-1]
		ruleName = orDash(r.Name, r.ID)
	}
	text := fmt.Sprintf(" outcome: %s · mode: %s · rule: %s · %d shown",
		orAll(outcomeFilters[v.outcome]), orAll(modeFilters[v.mode]), ruleName, len(v.all))
	return v.styles.Dim.Render(fitStyled(text, v.width))
}

func orAll(s string) string {
	if s == "" {
		return "all"
	}
	return s
}

func (v *decisionsView) columns() []column {
	cols := []column{
		{title: "When", width: 11},
		{title: "Candidate", width: 12, flex: true},
		{title: "Outcome", width: 7},
		{title: "Mode", width: 6},
		{title: "Status", width: 9},
		{title: "Rule", width: 10, flex: true},
		{title: "Review", width: 8},
	}
	if v.width >= 110 {
		cols = append(cols, column{title: "Summary", width: 20, flex: true})
	}
	return cols
}

func (v *decisionsView) listView() string {
	now := v.data.now()
	lines := []string{v.filterLine(), v.find.line(v.styles, v.width, len(v.rows), len(v.all))}
	cols := v.columns()
	ws := widths(cols, v.width)
	lines = append(lines, v.styles.Header.Render(tableHeader(cols, ws)))
	if len(v.rows) == 0 {
		empty := " No decisions match."
		if len(v.all) > 0 {
			empty = " No decisions match the filter; esc clears it."
		}
		return strings.Join(append(lines, v.styles.Dim.Render(empty)), "\n")
	}
	start, end := v.list.visible()
	for i := start; i < end; i++ {
		r := v.rows[i]
		e := r.Execution
		review := r.Verdict
		if e.Mode != domain.ModeShadow {
			review = ""
		} else if review == "" {
			review = "·"
		}
		cells := []string{stamp(e.ExecutedAt, now), candidateLabel(r.CandidateName, "", e.ApplicationID),
			e.Outcome, e.Mode, e.Status, orDash(r.RuleName, e.RuleID), review}
		if len(ws) > 7 {
			cells = append(cells, e.Summary)
		}
		line := tableRow(cells, ws)
		switch {
		case i == v.list.cursor:
			line = v.styles.Selected.Render(line)
		case e.Status == domain.ExecFailed:
			line = v.styles.Bad.Render(line)
		case e.Status == domain.ExecCancelled || e.Status == domain.ExecUndone || e.Status == domain.ExecKept:
			// Cancelled, undone or kept in process: the decision no longer
			// stands.
			line = v.styles.Dim.Render(line)
		case e.Mode == domain.ModeLive:
			line = v.styles.Live.Render(line)
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

func (v *decisionsView) detailView() string {
	if v.detailData == nil {
		return v.styles.Dim.Render(" loading decision…")
	}
	return v.pane.view(v.detailLines(), v.width, v.detailHeight())
}

// detailHeight is the room of the detail, less the review note's lines.
func (v *decisionsView) detailHeight() int {
	if v.reviewing != "" {
		return v.height - 2
	}
	return v.height
}

func (v *decisionsView) detailLines() []string {
	if v.detailData == nil {
		return nil
	}
	d := v.detailData
	r, e, st := d.Row, d.Row.Execution, v.styles
	now := v.data.now()
	mode := e.Mode
	if mode == domain.ModeShadow {
		mode = "shadow — nothing written to Ashby"
	}
	lines := []string{
		st.Heading.Render(fmt.Sprintf("%s · %s (%s)", candidateLabel(r.CandidateName, "", e.ApplicationID), e.Outcome, mode)),
		st.Dim.Render(fmt.Sprintf("decided %s · decision `%s`", stamp(e.ExecutedAt, now), e.ID)),
		fmt.Sprintf("Job      %s", orDash(r.JobTitle)),
		fmt.Sprintf("Stage    %s → %s", orDash(r.StageTitle, codeOr(e.FromStageID)), orDash(r.ToStageTitle, codeOr(e.ToStageID))),
		fmt.Sprintf("Rule     %s (version %d)", orDash(r.RuleName, codeOr(e.RuleID)), e.RuleVersion),
	}
	lines = append(lines, v.secondLines(e, v.data.decisions != nil)...)
	if e.Mode == domain.ModeShadow {
		review := "not reviewed (a agree · d disagree)"
		if r.Verdict != "" {
			review = r.Verdict
			if r.ReviewNote != "" {
				review += ": " + r.ReviewNote
			}
		}
		lines = append(lines, "Review   "+review)
	}
	lines = append(lines, "Summary  "+v.summaryLine(), "", st.Heading.Render("Reasons"))
	lines = append(lines, v.reasonLines(e.Reasons, d)...)
	lines = append(lines, "", st.Heading.Render("In Ashby"))
	status := fmt.Sprintf("  status %s · by %s · updated %s", e.Status, actorLabel(e.ExecutedBy), stamp(e.UpdatedAt, now))
	if e.Status == domain.ExecFailed {
		status = st.Bad.Render(status)
	}
	lines = append(lines, status)
	if e.FailureReason != "" {
		lines = append(lines, st.Bad.Render("  failure: "+explain.Scrub(e.FailureReason)))
	}
	lines = append(lines, "", st.Heading.Render("Notifications"))
	if len(d.Notifications) == 0 {
		lines = append(lines, st.Dim.Render("  none"))
	}
	for _, n := range d.Notifications {
		line := fmt.Sprintf("  %s %s · %s · %s", stamp(n.CreatedAt, now), n.Kind, orDash(n.Channel), n.Status)
		if n.Error != "" {
			line += " · " + n.Error
		}
		if n.Status == domain.NotificationFailed {
			line = st.Bad.Render(line)
		}
		lines = append(lines, line)
	}
	return lines
}

// codeOr shows an id in a code span ("" stays empty).
func codeOr(id string) string {
	if id == "" {
		return ""
	}
	return "`" + id + "`"
}

// summaryLine renders the decision with names.
func (v *decisionsView) summaryLine() string {
	d := v.detailData
	e := d.Row.Execution
	var dec domain.Decision
	_ = json.Unmarshal(e.Reasons, &dec)
	if dec.Outcome == "" {
		dec.Outcome = e.Outcome
	}
	if dec.Summary == "" {
		dec.Summary = e.Summary
	}
	return explain.New(context.Background(), detailNames{d: d, fields: v.fieldTitles}).Summary(dec)
}

// reasonLines renders the decision's reasons: requirement lines, and
// interviewer lines indented under them.
func (v *decisionsView) reasonLines(raw json.RawMessage, d *store.DecisionDetail) []string {
	if len(raw) == 0 {
		return []string{v.styles.Dim.Render("  none recorded")}
	}
	var dec domain.Decision
	if err := json.Unmarshal(raw, &dec); err != nil {
		return []string{v.styles.Bad.Render("  unreadable evaluation_results: " + err.Error())}
	}
	if len(dec.Reasons) == 0 {
		return []string{v.styles.Dim.Render("  none recorded")}
	}
	rr := explain.New(context.Background(), detailNames{d: d, fields: v.fieldTitles})
	var out []string
	for _, r := range dec.Reasons {
		style := v.styles.Dim
		if r.Passed != nil {
			if *r.Passed {
				style = v.styles.Good
			} else {
				style = v.styles.Bad
			}
		}
		if r.InterviewerID != "" {
			// "Alan Turing · Overall score 4 (≥ 3) ✓": short enough for
			// 80 columns.
			out = append(out, style.Render("      "+rr.Short(r)))
			continue
		}
		out = append(out, style.Render("  "+rr.Reason(r, dec.Reasons)))
	}
	return out
}

// detailNames resolves names from a decision detail's maps (no I/O while
// rendering).
type detailNames struct {
	d      *store.DecisionDetail
	fields map[string]string
}

func (n detailNames) Name(_ context.Context, kind, id string) (string, bool) {
	var m map[string]string
	switch kind {
	case explain.KindInterviewer:
		m = n.d.InterviewerNames
	case explain.KindInterview:
		m = n.d.InterviewTitles
	case explain.KindStage:
		switch id {
		case n.d.Row.Execution.FromStageID:
			return n.d.Row.StageTitle, n.d.Row.StageTitle != ""
		case n.d.Row.Execution.ToStageID:
			return n.d.Row.ToStageTitle, n.d.Row.ToStageTitle != ""
		}
	case explain.KindCandidate:
		return n.d.Row.CandidateName, n.d.Row.CandidateName != ""
	}
	name := m[id]
	return name, name != ""
}

func (n detailNames) FieldTitle(_ context.Context, interviewID, path string) (string, bool) {
	t := n.fields[interviewID+"\x00"+path]
	return t, t != ""
}

// noticeMsg is a message for the status line only.
type noticeMsg struct {
	text  string
	isErr bool
}

func (m noticeMsg) notice() (string, bool) { return m.text, m.isErr }

func notice(text string, isErr bool) tea.Cmd {
	return func() tea.Msg { return noticeMsg{text: text, isErr: isErr} }
}
