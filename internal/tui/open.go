package tui

import (
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"runtime"

	tea "charm.land/bubbletea/v2"
	"github.com/ashby-auto-advance/aaa/internal/explain"
)

// target is what `o` opens and `y` copies for the selected row: the
// candidate's Ashby profile (looked up by application), else the job, and
// the row's own id.
type target struct {
	// applicationID finds the candidate's profile URL in the store.
	applicationID string
	jobID         string
	// candidate and job name the row in what the status line says.
	candidate, job string
	// id and kind are the row's id and what it is ("decision", "rule"…);
	// name names a row without a candidate ("rule “Screen”").
	id, kind, name string
}

// ashbyJobURL is the job's page in Ashby's app.
func ashbyJobURL(jobID string) string { return "https://app.ashbyhq.com/jobs/" + jobID }

// SystemOpener opens url with the system's opener (open on macOS, xdg-open
// elsewhere) without waiting for the browser.
func SystemOpener(url string) error {
	name := "xdg-open"
	switch runtime.GOOS {
	case "darwin":
		name = "open"
	case "windows":
		return exec.Command("rundll32", "url.dll,FileProtocolHandler", url).Start()
	}
	cmd := exec.Command(name, url)
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { _ = cmd.Wait() }()
	return nil
}

// openedMsg says what `o` opened.
type openedMsg struct {
	what string // "Ada Lovelace's profile", "the job Backend Engineer"
	url  string
	err  error
}

func (m openedMsg) notice() (string, bool) {
	switch {
	case m.url == "":
		return m.what, true
	case m.err != nil:
		return "Could not open " + m.what + ": " + explain.Scrub(m.err.Error()), true
	}
	return "Opened " + m.what + " in Ashby", false
}

// copiedMsg carries what `y` copies; the model writes it to the clipboard
// with OSC 52 (tea.SetClipboard), which works over SSH.
type copiedMsg struct {
	what, text string
}

func (m copiedMsg) notice() (string, bool) {
	if m.text == "" {
		return m.what, true
	}
	return "Copied " + m.what + " to the clipboard", false
}

// link finds the candidate's profile URL, else the job's page: what says
// which in words ("" url: nothing to open, what says why).
func (d data) link(t target) (what, url string) {
	jobID, job := t.jobID, t.job
	if t.applicationID != "" && d.st != nil {
		ctx, cancel := d.ctx()
		defer cancel()
		if a, err := d.st.GetApplication(ctx, t.applicationID); err == nil {
			if a.ProfileURL != "" {
				return possessive(orDash(t.candidate, a.CandidateName, "the candidate")) + " profile", a.ProfileURL
			}
			if jobID == "" {
				jobID = a.JobID
			}
		}
	}
	if jobID != "" {
		if job == "" && d.st != nil {
			ctx, cancel := d.ctx()
			defer cancel()
			if j, err := d.st.GetJob(ctx, jobID); err == nil {
				job = j.Title
			}
		}
		what := "the job " + orDash(job, "of this row")
		if t.candidate != "" {
			what += " (no Ashby profile is known for " + t.candidate + ")"
		}
		return what, ashbyJobURL(jobID)
	}
	if t.kind == "" {
		return "Nothing to open: no row is selected", ""
	}
	return "Nothing to open: this " + t.kind + " names no candidate or job", ""
}

// open opens the selected row's candidate (or job) with the opener.
func (d data) open(t target, opener func(string) error) tea.Cmd {
	return func() tea.Msg {
		what, url := d.link(t)
		msg := openedMsg{what: what, url: url}
		if url == "" {
			return msg
		}
		if opener == nil {
			msg.err = errors.New("no opener")
		} else {
			msg.err = opener(url)
		}
		if msg.err != nil {
			d.log.Warn("dashboard_open_failed", slog.String("error", msg.err.Error()))
		}
		return msg
	}
}

// copyTarget copies the candidate's profile URL, else the row's id.
func (d data) copyTarget(t target) tea.Cmd {
	return func() tea.Msg {
		if t.applicationID != "" && d.st != nil {
			ctx, cancel := d.ctx()
			defer cancel()
			if a, err := d.st.GetApplication(ctx, t.applicationID); err == nil && a.ProfileURL != "" {
				return copiedMsg{what: fmt.Sprintf("the link to %s profile", possessive(orDash(t.candidate, a.CandidateName, "the candidate"))),
					text: a.ProfileURL}
			}
		}
		if t.id == "" {
			return copiedMsg{what: "Nothing to copy: no row is selected"}
		}
		what := "the " + t.kind + " id"
		if t.name != "" {
			what = "the id of " + t.kind + " “" + t.name + "”"
		}
		if t.candidate != "" {
			what = "the id of " + possessive(t.candidate) + " " + t.kind
		}
		return copiedMsg{what: what, text: t.id}
	}
}

// possessive is "Ada Lovelace's", "Charles Ives'".
func possessive(name string) string {
	if name != "" && name[len(name)-1] == 's' {
		return name + "'"
	}
	return name + "'s"
}
