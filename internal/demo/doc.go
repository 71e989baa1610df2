// Package demo is the story `aaa demo` tells: a simulated Ashby workspace
// (internal/ashbysim) and a Slack stand-in (slackfake) around a real aaa
// server, so a newcomer sees the whole loop work in one command.
//
// Run seeds a workspace (four jobs with 3- and 4-stage plans, 32
// candidates, panels of one to three interviewers, score spreads from
// strong to weak, a few interviewers who submit late or never), starts the
// server through Options.Serve, creates one live rule and three shadow rules
// through the admin API and plays a hiring day on an accelerated clock:
// interviews end, interviewers submit scorecards, Ashby sends signed
// webhooks over HTTP, a recruiter moves one candidate by hand and clicks
// most "Archive & send rejection" buttons (signed block_actions POSTs to
// /slack/interactions). The live rule has a reject_delay, so each click
// schedules the archive: the recruiter cancels one ("Cancel archive")
// before it runs, and undoes another ("Undo") once it has run. A narrator
// prints the running story (wrapped at 80 columns, with Slack's date
// tokens on the demo's clock) and, at the end (timeline over,
// Options.Duration elapsed or ctx cancelled), a Summary built from aaa's
// audit rows (GET /admin/decisions) and checked against the simulator's
// call log and where it has the cancelled and undone candidates.
//
// The clock: aaa keeps using real time. The demo compresses the day
// instead: at Speed 60 one simulated minute lasts one real second, event
// end times and submissions are placed accordingly, and the feedback
// timeout handed to the server (Settings.FeedbackTimeout) is 30 simulated
// minutes, the undo window (Settings.UndoWindow) 15, and the live rule's
// reject_delay 10 (in whole real seconds, at least one). The times the
// narrator prints are simulated (the day starts at 09:00); a scheduled
// archive runs when River next looks for due jobs, up to a few real
// seconds (simulated minutes) after its time.
//
// Limits: the story is fixed for a given Seed; Slack is only the fake (no
// real workspace); the demo never touches a database other than the one
// Serve opens.
package demo
