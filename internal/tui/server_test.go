package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/ashby-auto-advance/aaa/internal/presence"
	"github.com/ashby-auto-advance/aaa/internal/store"
	"github.com/ashby-auto-advance/aaa/internal/testkit"
	"github.com/charmbracelet/x/ansi"
)

// plain is the model's screen without colours.
func plain(m *Model) string { return ansi.Strip(m.View().Content) }

// loadServer runs the model's server status load as the refresh tick does.
func loadServer(t *testing.T, m *Model) serverStatusMsg {
	t.Helper()
	cmd := m.loadServer()
	if cmd == nil {
		t.Fatal("no server status load started")
	}
	msg, ok := cmd().(serverStatusMsg)
	if !ok {
		t.Fatalf("server status load returned %T", msg)
	}
	m.Update(msg)
	return msg
}

// TestServerBadgeAndPendingNotice: on both stores, the header says nothing
// before the first status, "no server" (and Pending says nothing is
// decided) without a heartbeat, "serving (host)" while one is fresh, and
// "no server" again once it missed two beats or the server left.
func TestServerBadgeAndPendingNotice(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := testkit.NewClock(now)
		m := newModel(Options{Store: db, Now: clock.Now})
		m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
		m.Update(m.data.loadPending()())
		if s := plain(m); strings.Contains(s, "no server") || strings.Contains(s, "serving") {
			t.Fatalf("badge before any status was loaded:\n%s", s)
		}

		msg := loadServer(t, m)
		if msg.err != nil || msg.status.Running || m.server.Running || !m.serverKnown {
			t.Fatalf("no heartbeat: msg %+v, model %+v", msg, m.server)
		}
		s := plain(m)
		header := strings.SplitN(s, "\n", 2)[0]
		if !strings.Contains(header, "○ no server") {
			t.Fatalf("header without a server:\n%s", s)
		}
		// The notice wraps at 80 columns; every word of it is on screen,
		// above the list.
		flat := strings.Join(strings.Fields(s), " ")
		if !strings.Contains(flat, serverNoticeText) {
			t.Fatalf("Pending does not say no server runs:\n%s", s)
		}
		if strings.Index(s, "No aaa server") > strings.Index(s, "Nothing awaits a decision") {
			t.Fatalf("the notice is not above the list:\n%s", s)
		}
		if n := len(strings.Split(s, "\n")); n != 24 {
			t.Fatalf("screen is %d lines with the notice, want 24:\n%s", n, s)
		}
		// Other views carry the badge, not the notice.
		m.Update(keyPress("2"))
		if s := plain(m); strings.Contains(s, "No aaa server") || !strings.Contains(s, "○ no server") {
			t.Fatalf("Decisions view:\n%s", s)
		}
		m.Update(keyPress("1"))

		// A server beats (through the presence use case, as aaa serve does).
		srv := presence.New(presence.Options{Store: db, Host: "web-1", Version: "v9", Interval: 15 * time.Second, Now: clock.Now})
		testkit.Must(t, srv.Beat(ctx))
		clock.Advance(30 * time.Second) // two intervals: still live
		msg = loadServer(t, m)
		want := serverStatus{Running: true, Host: "web-1", Version: "v9", LastBeat: now, Instances: 1}
		if msg.status != want || m.server != want {
			t.Fatalf("status = %+v, model %+v, want %+v", msg.status, m.server, want)
		}
		s = plain(m)
		if !strings.Contains(strings.SplitN(s, "\n", 2)[0], "● serving · updated") || strings.Contains(s, "No aaa server") {
			t.Fatalf("with a live server at 80 columns:\n%s", s)
		}
		// A wider header names the host.
		m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		if s := plain(m); !strings.Contains(strings.SplitN(s, "\n", 2)[0], "● serving (web-1) · updated") {
			t.Fatalf("with a live server at 120 columns:\n%s", s)
		}
		m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})

		// It missed two beats: gone.
		clock.Advance(time.Second)
		if msg = loadServer(t, m); msg.status.Running {
			t.Fatalf("stale heartbeat reads as running: %+v", msg.status)
		}
		if s := plain(m); !strings.Contains(s, "○ no server") || !strings.Contains(s, "No aaa server") {
			t.Fatalf("after two missed beats:\n%s", s)
		}

		// It beats again, then shuts down cleanly: gone at once.
		testkit.Must(t, srv.Beat(ctx))
		if msg = loadServer(t, m); !msg.status.Running {
			t.Fatalf("fresh beat not running: %+v", msg.status)
		}
		testkit.Must(t, srv.Leave(ctx))
		if msg = loadServer(t, m); msg.status.Running {
			t.Fatalf("after Leave: %+v", msg.status)
		}
	})
}

// TestServerStatusLoadsWithEachTick: the refresh tick starts one server
// status load at a time.
func TestServerStatusLoadsWithEachTick(t *testing.T) {
	t.Parallel()
	db, _ := testkit.OpenSQLite(t)
	m := newModel(Options{Store: db, Now: func() time.Time { return now }})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m.onTick()
	if !m.serverLoading {
		t.Fatal("the tick did not start a server status load")
	}
	if cmd := m.loadServer(); cmd != nil {
		t.Fatal("a second load started while one runs")
	}
	m.Update(m.data.loadServerStatus()())
	if m.serverLoading || !m.serverKnown {
		t.Fatalf("after the load: loading %v known %v", m.serverLoading, m.serverKnown)
	}
}

func keyPress(k string) tea.KeyPressMsg { return tea.KeyPressMsg{Code: []rune(k)[0], Text: k} }
