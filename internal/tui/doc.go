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
//
// Limits: the dashboard shows the newest rows only (a few hundred per view),
// it never calls Ashby or Slack itself, and it logs to a file or nowhere,
// never to the terminal it draws on.
package tui
