// Package tui is aaa's terminal dashboard (aaa tui), built on bubbletea v2.
//
// It opens the same store as the server and works beside it: four views
// (Pending, Decisions, Rules, Activity) refresh on a tick, every read and
// write runs in a tea.Cmd that returns a typed message, and nothing touches
// the store inside Init, Update or View. Rule changes (active flag, shadow or
// live mode, the reject delay typed after D in a rule's detail) go through a
// confirm step naming their effect and are written through the rules
// service, which the server reads on every evaluation.
// Dry-run reviews (agree/disagree with a note) are stored per decision.
// In a decision's detail, u undoes an advance or archive by aaa within
// UNDO_WINDOW, c cancels a scheduled action and K keeps a rejection in
// process: each behind a confirm step naming what it does in Ashby, through
// the advance use case (Options.Decisions), recorded as "<actor> (tui)".
// Every list filters (/, fuzzy over the names it shows) and sorts (s, S)
// in memory; o opens the selected candidate's Ashby profile (else the
// job's page) through Options.Open, y copies it (else the row's id) with
// OSC 52; detail screens are bubbles viewports that wrap and scroll; in
// Activity, R retries a failed delivery through the intake use case
// (Options.Intake) after a confirm step. esc and q close a detail; q quits
// only from a list. The mouse wheel scrolls and a click selects.
//
// Limits: the dashboard shows the newest rows only (a few hundred per view),
// and the / filter searches those rows, not the whole store;
// it calls Ashby only through that use case (an undo's changeStage) and
// never Slack (the message refresh an action enqueues is sent by the
// server's worker); it logs to a file or nowhere, never to the terminal it
// draws on.
package tui
