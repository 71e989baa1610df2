package tui

import (
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/ashby-auto-advance/aaa/internal/presence"
	"github.com/charmbracelet/x/ansi"
)

// serverStatus is whether an `aaa serve` is serving the dashboard's store,
// from the servers' heartbeats (server_heartbeats) and the stale rule: a
// server whose last beat is older than two of its intervals is gone.
type serverStatus struct {
	// Running is true while at least one server beats.
	Running bool
	// Host, Version and LastBeat describe the server that beat last.
	Host     string
	Version  string
	LastBeat time.Time
	// Instances counts the servers beating.
	Instances int
}

// serverStatusMsg carries the server status, loaded with each refresh
// tick. err is set when the heartbeats could not be read: the model then
// keeps what it knew.
type serverStatusMsg struct {
	status serverStatus
	err    error
}

// serverNoticeText is what the Pending view says while no server runs.
const serverNoticeText = "No aaa server is running on this store: nothing is being decided. Start one with 'aaa serve'."

// statusOf turns presence's summary into the dashboard's status.
func statusOf(st presence.Status) serverStatus {
	if !st.Running() {
		return serverStatus{}
	}
	h := st.Latest()
	return serverStatus{Running: true, Host: h.Host, Version: h.Version, LastBeat: h.BeatAt, Instances: len(st.Live)}
}

// loadServerStatus reads the heartbeats and applies the stale rule at the
// dashboard's clock.
func (d data) loadServerStatus() tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := d.ctx()
		defer cancel()
		hs, err := d.st.ListHeartbeats(ctx)
		if err != nil {
			d.logErr("load server status", err)
			return serverStatusMsg{err: err}
		}
		return serverStatusMsg{status: statusOf(presence.Summarize(hs, d.now()))}
	}
}

// loadServer starts a server status load unless one is running.
func (m *Model) loadServer() tea.Cmd {
	if m.serverLoading {
		return nil
	}
	m.serverLoading = true
	return m.data.loadServerStatus()
}

// onServerStatus keeps the latest server status and makes room in Pending
// for its notice; the views get the message too.
func (m *Model) onServerStatus(msg serverStatusMsg) tea.Cmd {
	m.serverLoading = false
	if msg.err == nil {
		m.server, m.serverKnown = msg.status, true
		m.sizeForServerNotice()
	}
	return m.forward(msg)
}

// sizeForServerNotice gives the Pending view the body's height less the
// lines of the no-server notice shown above it.
func (m *Model) sizeForServerNotice() {
	if m.width == 0 {
		return
	}
	m.views[viewPending].SetSize(m.width, max(1, m.bodyHeight()-m.serverNoticeLines()))
}

// serverBadge is the header's server badge and a shorter form for a narrow
// header; both are empty until the first status is known, so the
// dashboard never claims there is no server before it looked.
func (m *Model) serverBadge() (full, short string) {
	if !m.serverKnown {
		return "", ""
	}
	if !m.server.Running {
		b := m.styles.Warn.Render("○ no server")
		return b, b
	}
	host := ansi.Truncate(m.server.Host, 20, "…")
	if m.server.Instances > 1 {
		host += " +" + strconv.Itoa(m.server.Instances-1)
	}
	short = m.styles.Good.Render("● serving")
	if host == "" {
		return short, short
	}
	return m.styles.Good.Render("● serving (" + host + ")"), short
}

// headerRights are the header's right-hand parts, longest first: the
// server badge, the store label and when the view was updated; the first
// that fits is shown.
func (m *Model) headerRights(updated string) []string {
	info := strings.Trim(m.opts.Label+" · "+updated, " ·")
	dim := m.styles.Dim.Render
	full, short := m.serverBadge()
	if full == "" {
		return []string{dim(info), dim(updated)}
	}
	with := func(badge, rest string) string {
		if rest == "" {
			return badge
		}
		return badge + dim(" · "+rest)
	}
	return []string{with(full, info), with(full, updated), with(short, updated), full, short, dim(updated)}
}

// serverNotice is the Pending view's plain message while no server runs,
// wrapped to the terminal ("" while a server runs or before the first
// status).
func (m *Model) serverNotice() string {
	if !m.serverKnown || m.server.Running || m.width == 0 {
		return ""
	}
	lines := strings.Split(ansi.Wordwrap(serverNoticeText, m.width-1, ""), "\n")
	for i, l := range lines {
		lines[i] = " " + strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// serverNoticeLines is how many lines the no-server notice takes.
func (m *Model) serverNoticeLines() int {
	if n := m.serverNotice(); n != "" {
		return strings.Count(n, "\n") + 1
	}
	return 0
}

// withServerNotice puts the no-server notice above the Pending view.
func (m *Model) withServerNotice(body string) string {
	if m.active != viewPending || m.fullHelp {
		return body
	}
	if n := m.serverNotice(); n != "" {
		return n + "\n" + body
	}
	return body
}
