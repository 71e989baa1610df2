package tui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/ashby-auto-advance/aaa/internal/domain"
	"github.com/ashby-auto-advance/aaa/internal/explain"
	"github.com/ashby-auto-advance/aaa/internal/store"
)

// activityView shows the periodic jobs' last runs, recent webhook
// deliveries, and Ashby and Slack errors, one selectable row each: enter
// shows a row's detail, R retries a failed delivery after a confirmation.
type activityView struct {
	keys   KeyMap
	styles Styles
	data   data

	activity activity
	loaded   bool
	// all is every row loaded; rows the ones shown (find), grouped by
	// section in the order of the sections.
	all  []actItem
	rows []actItem
	find finder[actItem]
	list cursorList
	// offset is the first line shown of the view's lines.
	offset int

	detail bool
	// opened is the row of the open detail, kept while a refresh or the
	// filter moves it out of the list.
	opened actItem
	pane   pane
	// delivery is the delivery of the open detail, once loaded, and
	// summary what its payload names.
	delivery *domain.Delivery
	summary  *deliverySummary
	// retry is the delivery awaiting its y/n (nil when none).
	retry *domain.Delivery

	width, height int
}

// Activity row kinds, in the order of the sections.
const (
	itemJob = iota
	itemDelivery
	itemError
)

// actItem is one selectable row of the Activity view.
type actItem struct {
	kind     int
	sync     store.SyncState
	delivery domain.Delivery
	// An error is a failed Slack notification or a failed live action.
	notification *domain.Notification
	execution    *domain.Execution
	at           time.Time
}

func newActivityView(k KeyMap, s Styles, d data) *activityView {
	v := &activityView{keys: k, styles: s, data: d, pane: newPane()}
	v.find = newFinder(s, "job, webhook action, status, error…", actItem.names,
		sortSpec[actItem]{name: "time", first: "newest first", reversed: "oldest first", cmp: func(a, b actItem) int {
			return byTime(b.at, a.at)
		}},
		sortSpec[actItem]{name: "status", first: "A to Z", reversed: "Z to A", cmp: func(a, b actItem) int {
			return byText(a.status(), b.status())
		}},
		sortSpec[actItem]{name: "name", first: "A to Z", reversed: "Z to A", cmp: func(a, b actItem) int {
			return byText(a.name(), b.name())
		}},
	)
	return v
}

func (it actItem) name() string {
	switch {
	case it.kind == itemJob:
		return it.sync.Name
	case it.kind == itemDelivery:
		return it.delivery.Action
	case it.notification != nil:
		return it.notification.Kind
	case it.execution != nil:
		return it.execution.Outcome
	}
	return ""
}

func (it actItem) status() string {
	switch {
	case it.kind == itemJob:
		return it.sync.LastStatus
	case it.kind == itemDelivery:
		return it.delivery.Status
	}
	return "failed"
}

// names are what the filter matches.
func (it actItem) names() []string {
	out := []string{it.name(), it.status()}
	switch {
	case it.kind == itemJob:
		out = append(out, it.sync.LastError)
	case it.kind == itemDelivery:
		out = append(out, it.delivery.LastError)
	case it.notification != nil:
		out = append(out, "slack", it.notification.Error, it.notification.Channel)
	case it.execution != nil:
		out = append(out, "ashby", it.execution.FailureReason)
	}
	return out
}

func (v *activityView) Init() tea.Cmd    { return v.Refresh() }
func (v *activityView) Refresh() tea.Cmd { return v.data.loadActivity() }
func (v *activityView) Capturing() bool  { return v.find.typing || v.retry != nil }
func (v *activityView) InDetail() bool   { return v.detail }

func (v *activityView) SetSize(w, h int) { v.width, v.height = w, h }

func (v *activityView) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case activityMsg:
		if msg.err == nil {
			v.activity, v.loaded = msg.activity, true
			v.all = items(msg.activity)
			v.refilter()
		}
	case tea.PasteMsg:
		if v.find.paste(msg) {
			v.refilter()
		}
	case tea.KeyPressMsg:
		return v.handleKey(msg)
	}
	return v.updateDelivery(msg)
}

// items lists the activity's rows, section by section.
func items(a activity) []actItem {
	var out []actItem
	for _, s := range a.syncs {
		at := time.Time{}
		if s.LastFinishedAt != nil {
			at = *s.LastFinishedAt
		}
		if s.LastStartedAt != nil && s.LastStartedAt.After(at) {
			at = *s.LastStartedAt
		}
		out = append(out, actItem{kind: itemJob, sync: s, at: at})
	}
	for _, d := range a.deliveries {
		out = append(out, actItem{kind: itemDelivery, delivery: d, at: d.ReceivedAt})
	}
	var errs []actItem
	for i := range a.notifications {
		n := &a.notifications[i]
		errs = append(errs, actItem{kind: itemError, notification: n, at: n.UpdatedAt})
	}
	for i := range a.executions {
		e := &a.executions[i]
		errs = append(errs, actItem{kind: itemError, execution: e, at: e.UpdatedAt})
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].at.After(errs[j].at) })
	return append(out, errs...)
}

// refilter shows the rows matching the filter, sorted within each section,
// with the selection kept on the same row.
func (v *activityView) refilter() {
	// The selection follows its row across refreshes, unless it is on the
	// first row: then the newest stays in sight.
	var selected string
	if it := v.selected(); it != nil && (v.list.cursor > 0 || v.detail) {
		selected = it.key()
	}
	sorted := v.find.apply(v.all)
	v.rows = v.rows[:0]
	for kind := itemJob; kind <= itemError; kind++ {
		for _, it := range sorted {
			if it.kind == kind {
				v.rows = append(v.rows, it)
			}
		}
	}
	v.list.setLen(len(v.rows))
	if v.detail {
		for _, it := range v.all {
			if it.key() == v.opened.key() {
				v.opened = it
			}
		}
	}
	for i, it := range v.rows {
		if it.key() == selected {
			v.list.cursor = i
			v.list.clamp()
		}
	}
}

// key identifies a row across refreshes.
func (it actItem) key() string {
	switch {
	case it.kind == itemJob:
		return "job:" + it.sync.Name
	case it.kind == itemDelivery:
		return "delivery:" + it.delivery.ID
	case it.notification != nil:
		return "notification:" + it.notification.ID
	case it.execution != nil:
		return "execution:" + it.execution.ID
	}
	return ""
}

// current is the row of the open detail, else the selected row.
func (v *activityView) current() *actItem {
	if v.detail {
		return &v.opened
	}
	return v.selected()
}

func (v *activityView) selected() *actItem {
	if len(v.rows) == 0 || v.list.cursor >= len(v.rows) {
		return nil
	}
	return &v.rows[v.list.cursor]
}

func (v *activityView) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	if v.retry != nil {
		switch {
		case key.Matches(msg, v.keys.Confirm):
			d := *v.retry
			v.retry = nil
			return v.data.retryDelivery(d.ID)
		case key.Matches(msg, v.keys.Cancel):
			v.retry = nil
		}
		return nil
	}
	if v.detail {
		switch {
		case key.Matches(msg, v.keys.Close):
			v.detail, v.delivery, v.summary = false, nil, nil
		case key.Matches(msg, v.keys.Retry):
			return v.startRetry()
		default:
			v.pane.navigate(v.keys, msg, v.detailLines(), v.width, v.detailHeight())
		}
		return nil
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
		return v.open()
	case key.Matches(msg, v.keys.Retry):
		return v.startRetry()
	}
	return nil
}

// open shows the selected row's detail; a delivery's is read again with
// its payload.
func (v *activityView) open() tea.Cmd {
	it := v.selected()
	if it == nil {
		return nil
	}
	v.detail, v.delivery, v.summary, v.opened = true, nil, nil, *it
	v.pane.top()
	if it.kind == itemDelivery {
		return v.data.loadDelivery(it.delivery.ID)
	}
	return nil
}

// startRetry asks to confirm the retry of the selected failed delivery, or
// says why there is nothing to retry.
func (v *activityView) startRetry() tea.Cmd {
	it := v.current()
	if it == nil || it.kind != itemDelivery {
		return notice("Nothing to retry: select a failed webhook delivery", true)
	}
	d := it.delivery
	if v.delivery != nil && v.delivery.ID == d.ID {
		d = *v.delivery
	}
	if d.Status != domain.DeliveryFailed {
		return notice(fmt.Sprintf("Nothing to retry: this %s delivery is %s; only a failed one is retried", d.Action, d.Status), true)
	}
	v.retry = &d
	return nil
}

func (v *activityView) retryPrompt() string {
	d := v.retry
	return fmt.Sprintf("Retry the %s webhook received %s? It failed after %d attempt%s (%s). aaa queues it once more, "+
		"as `aaa webhooks retry` does, for the running server to process.", d.Action, stamp(d.ReceivedAt, v.data.now()),
		d.Attempts, plural(d.Attempts), orDash(explain.Scrub(d.LastError), "no error recorded"))
}

// Target is the selected row's id (a delivery or job names no candidate;
// a failed action names its application).
func (v *activityView) Target() target {
	it := v.current()
	if it == nil {
		return target{}
	}
	switch {
	case it.kind == itemJob:
		return target{id: it.sync.Name, kind: "periodic job", name: it.sync.Name}
	case it.kind == itemDelivery && v.detail && v.summary != nil && v.delivery != nil && v.delivery.ID == it.delivery.ID:
		return target{applicationID: v.summary.ApplicationID, id: it.delivery.ID, kind: "webhook delivery"}
	case it.kind == itemDelivery:
		return target{id: it.delivery.ID, kind: "webhook delivery"}
	case it.execution != nil:
		return target{applicationID: it.execution.ApplicationID, id: it.execution.ID, kind: "decision"}
	}
	return target{id: it.notification.ID, kind: "notification"}
}

// Click selects the row at body line y; a click on the selected row
// opens it.
func (v *activityView) Click(y int) tea.Cmd {
	if v.detail {
		return nil
	}
	_, at := v.lines()
	line := v.offset + y
	for i, l := range at {
		if l != line {
			continue
		}
		if i == v.list.cursor {
			return v.open()
		}
		v.list.cursor = i
		return nil
	}
	return nil
}

func (v *activityView) ShortHelp() []key.Binding {
	switch {
	case v.retry != nil:
		return []key.Binding{v.keys.Confirm, v.keys.Cancel}
	case v.find.typing:
		return filterHelp()
	case v.detail && v.failedDelivery():
		return []key.Binding{brief(v.keys.Down, "scroll"), brief(v.keys.Retry, "retry"), brief(v.keys.Copy, "copy"), v.keys.Back}
	case v.detail && v.opened.execution != nil:
		return []key.Binding{brief(v.keys.Down, "scroll"), brief(v.keys.Open, "open"), brief(v.keys.Copy, "copy"), v.keys.Back}
	case v.detail:
		return []key.Binding{brief(v.keys.Down, "scroll"), brief(v.keys.Copy, "copy"), v.keys.Back}
	case v.failedDelivery():
		return []key.Binding{v.keys.Detail, v.keys.Filter, v.keys.Sort, brief(v.keys.Retry, "retry")}
	}
	return []key.Binding{v.keys.Detail, v.keys.Filter, v.keys.Sort, brief(v.keys.Copy, "copy")}
}

// failedDelivery reports whether the selected row is a failed delivery
// (R retries it).
func (v *activityView) failedDelivery() bool {
	it := v.current()
	return it != nil && it.kind == itemDelivery && it.delivery.Status == domain.DeliveryFailed
}

func (v *activityView) FullHelp() [][]key.Binding {
	return [][]key.Binding{v.keys.listHelp(), {v.keys.Retry, v.keys.Answer}}
}

func (v *activityView) View() string {
	if !v.loaded {
		return v.styles.Dim.Render(" loading…")
	}
	h := v.height
	var prompt []string
	if v.retry != nil {
		prompt = append(wrap(v.retryPrompt(), v.width-2), "y retry · n/esc cancel")
		h -= len(prompt) + 1
	}
	var body string
	if v.detail {
		body = v.pane.view(v.detailLines(), v.width, h)
	} else {
		body = v.listView(h)
	}
	if prompt == nil {
		return body
	}
	out := []string{block(body, h), ""}
	for _, p := range prompt {
		out = append(out, v.styles.Confirm.Render(" "+fit(p, v.width-2)+" "))
	}
	return strings.Join(out, "\n")
}

func (v *activityView) detailHeight() int {
	if v.retry != nil {
		return v.height - len(wrap(v.retryPrompt(), v.width-2)) - 2
	}
	return v.height
}

// listView shows the toolbar and the lines from the offset that keeps the
// selected row in sight.
func (v *activityView) listView(height int) string {
	lines, at := v.lines()
	room := height - 1
	if len(at) > 0 && v.list.cursor < len(at) {
		cur := at[v.list.cursor]
		if cur < v.offset {
			v.offset = cur
		}
		if cur >= v.offset+room {
			v.offset = cur - room + 1
		}
		// Show a section's heading with its first row.
		if cur == v.offset && cur >= 2 && lines[cur-1] != "" {
			v.offset = max(0, cur-2)
			if at[0] == cur && v.list.cursor == 0 {
				v.offset = 0
			}
		}
	}
	v.offset = min(max(v.offset, 0), max(len(lines)-room, 0))
	out := []string{v.find.line(v.styles, v.width, len(v.rows), len(v.all))}
	for _, l := range lines[v.offset:min(len(lines), v.offset+room)] {
		out = append(out, fitStyled(l, v.width))
	}
	return strings.Join(out, "\n")
}

// lines are the sections; at[i] is the line of row i.
func (v *activityView) lines() (lines []string, at []int) {
	a, st := v.activity, v.styles
	now := v.data.now()
	row := func(i int, line string, bad bool) {
		switch {
		case i == v.list.cursor && !v.detail:
			line = st.Selected.Render(line)
		case bad:
			line = st.Bad.Render(line)
		}
		at = append(at, len(lines))
		lines = append(lines, line)
	}
	count := func(kind int) int {
		n := 0
		for _, it := range v.rows {
			if it.kind == kind {
				n++
			}
		}
		return n
	}

	lines = append(lines, st.Heading.Render("Periodic jobs"))
	jobCols := []column{{title: "Job", width: 14, flex: true}, {title: "Status", width: 8}, {title: "Last run", width: 21},
		{title: "Items", width: 6}, {title: "Error", width: 10, flex: true}}
	ws := widths(jobCols, v.width)
	lines = append(lines, st.Header.Render(tableHeader(jobCols, ws)))
	if count(itemJob) == 0 {
		lines = append(lines, st.Dim.Render(" "+v.none("no periodic job has run yet")))
	}
	for i, it := range v.rows {
		if it.kind != itemJob {
			continue
		}
		s := it.sync
		status, last := orDash(s.LastStatus), "never"
		if s.LastFinishedAt != nil {
			last = stamp(*s.LastFinishedAt, now) + " (" + ago(*s.LastFinishedAt, now) + ")"
		}
		if s.LastStartedAt != nil && (s.LastFinishedAt == nil || s.LastStartedAt.After(*s.LastFinishedAt)) {
			status = "running"
			last = "started " + ago(*s.LastStartedAt, now)
		}
		row(i, tableRow([]string{s.Name, status, last, itoa(s.Items), s.LastError}, ws),
			s.LastError != "" || s.LastStatus == "failed" || s.LastStatus == "error")
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
	dCols := []column{{title: "Received", width: 11}, {title: "Action", width: 14, flex: true}, {title: "Candidate", width: 10, flex: true},
		{title: "Status", width: 9}, {title: "Tries", width: 5}, {title: "Note", width: 10, flex: true}}
	ws = widths(dCols, v.width)
	lines = append(lines, st.Header.Render(tableHeader(dCols, ws)))
	if count(itemDelivery) == 0 {
		lines = append(lines, st.Dim.Render(" "+v.none("no webhook received yet")))
	}
	for i, it := range v.rows {
		if it.kind != itemDelivery {
			continue
		}
		d := it.delivery
		who := a.scheduleCandidates[d.ScheduleID]
		if who == "" {
			who = orDash(codeOr(d.ScheduleID))
		}
		row(i, tableRow([]string{stamp(d.ReceivedAt, now), d.Action, who, d.Status, itoa(d.Attempts),
			explain.Scrub(d.LastError)}, ws), d.Status == domain.DeliveryFailed)
	}

	lines = append(lines, "", st.Heading.Render("Ashby and Slack errors"))
	if count(itemError) == 0 {
		lines = append(lines, st.Dim.Render(" "+v.none("none")))
	}
	for i, it := range v.rows {
		if it.kind != itemError {
			continue
		}
		row(i, fit(" "+stamp(it.at, now)+"  "+v.errorText(it), v.width), true)
	}
	return lines, at
}

// none is what an empty section says: why, when the filter hides rows.
func (v *activityView) none(empty string) string {
	if v.find.query() != "" {
		return "nothing matches the filter"
	}
	return empty
}

// errorText is an error row: where it happened, to whom and what.
func (v *activityView) errorText(it actItem) string {
	if n := it.notification; n != nil {
		return fmt.Sprintf("slack  %s notification about %s: %s", n.Kind, v.candidateOf(n.ExecutionID, ""), orDash(n.Error))
	}
	e := it.execution
	return fmt.Sprintf("ashby  %s of %s: %s", e.Outcome, v.candidateOf(e.ID, e.ApplicationID), orDash(explain.Scrub(e.FailureReason)))
}

// candidateOf names a decision's candidate; without a cached name, the
// application (or decision) id in a code span.
func (v *activityView) candidateOf(executionID, applicationID string) string {
	if name := v.activity.candidates[executionID]; name != "" {
		return name
	}
	if applicationID != "" {
		return "application " + codeOr(applicationID)
	}
	return "decision " + orDash(codeOr(executionID))
}

// detailLines are the selected row's detail.
func (v *activityView) detailLines() []string {
	it := v.current()
	if it == nil {
		return nil
	}
	st, now := v.styles, v.data.now()
	when := func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return stamp(*t, now) + " (" + ago(*t, now) + ")"
	}
	switch {
	case it.kind == itemJob:
		s := it.sync
		lines := []string{st.Heading.Render("Periodic job " + s.Name),
			"Status        " + orDash(s.LastStatus),
			"Last started  " + when(s.LastStartedAt),
			"Last finished " + when(s.LastFinishedAt),
			"Items         " + itoa(s.Items)}
		if s.LastError != "" {
			lines = append(lines, st.Bad.Render("Last error    "+explain.Scrub(s.LastError)))
		}
		return lines
	case it.kind == itemDelivery:
		return v.deliveryLines(it.delivery)
	case it.notification != nil:
		n := it.notification
		return []string{st.Heading.Render("Slack " + n.Kind + " notification about " + v.candidateOf(n.ExecutionID, "")),
			st.Dim.Render("decision " + orDash(codeOr(n.ExecutionID)) + " · notification " + codeOr(n.ID)),
			"Channel   " + orDash(n.Channel),
			"Status    " + n.Status,
			"Updated   " + stamp(n.UpdatedAt, now),
			st.Bad.Render("Error     " + orDash(n.Error)),
			"", st.Dim.Render("The decision's detail in Decisions shows every notification about it.")}
	}
	e := it.execution
	return []string{st.Heading.Render("Ashby " + e.Outcome + " of " + v.candidateOf(e.ID, e.ApplicationID) + " failed"),
		st.Dim.Render("decision " + codeOr(e.ID) + " · application " + codeOr(e.ApplicationID)),
		"Mode         " + e.Mode,
		"Updated      " + stamp(e.UpdatedAt, now),
		st.Bad.Render("Failure      " + orDash(explain.Scrub(e.FailureReason))),
		"", st.Dim.Render("o opens the candidate in Ashby; Decisions shows the decision's reasons.")}
}

// deliveryLines are a delivery's detail: what it was, its attempts, its
// last error and what its payload holds.
func (v *activityView) deliveryLines(d domain.Delivery) []string {
	st, now := v.styles, v.data.now()
	full := v.delivery != nil && v.delivery.ID == d.ID
	if full {
		d = *v.delivery
	}
	status := "Status     " + d.Status
	if d.Status == domain.DeliveryFailed {
		status = st.Bad.Render(status + " — R retries it")
	}
	lines := []string{st.Heading.Render("Webhook " + d.Action),
		st.Dim.Render("delivery " + codeOr(d.ID)),
		"Received   " + stamp(d.ReceivedAt, now) + " (" + ago(d.ReceivedAt, now) + ")",
		status,
		fmt.Sprintf("Attempts   %d", d.Attempts)}
	if d.ProcessedAt != nil {
		lines = append(lines, "Processed  "+stamp(*d.ProcessedAt, now))
	}
	if d.LastError != "" {
		lines = append(lines, st.Bad.Render("Last error "+explain.Scrub(d.LastError)))
	}
	lines = append(lines, "", st.Heading.Render("Payload"))
	var sum *deliverySummary
	if full {
		sum = v.summary
	}
	return append(lines, summaryLines(sum)...)
}
