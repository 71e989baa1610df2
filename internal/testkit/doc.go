// Package testkit is the one place aaa's tests get their fixtures: test
// databases, the assembled stack, the aaa binary and its processes,
// polling, fake clocks and ports. Tests import it; production code never
// does, and no test package wires the use cases, River and the router
// itself.
//
// Databases (Backends, EachBackend, Each, OpenDatabase, OpenURL): SQLite
// always, on a new file in t.TempDir(); Postgres whenever
// AAA_TEST_POSTGRES_URL is set, in a new schema per test that is dropped
// afterwards (NewPostgresSchema). Under CI=true a missing
// AAA_TEST_POSTGRES_URL fails the test instead of skipping it. A Backend
// opens a migrated store (Open) or names an empty database for a process
// that migrates it itself (URL); OpenDatabase also applies River's
// migrations and opens River's pgx pool, and Database.Queue builds a queue
// over it.
//
// Stack (NewStack, Build) assembles aaa in-process as `aaa serve` does: a
// migrated store, the Ashby simulator (ashbysim) behind an HTTP server and
// the real client, optionally the Slack fake (slackfake) and the real
// client, the use cases (app), River (jobs) working with the use cases'
// handlers, and the router (server) on a loopback httptest server. Tests
// read the Stack's fields and set StackOptions; when the wiring of the use
// cases changes, this package changes and the tests do not.
//
// Processes (Binary, Start, Process, Environ, Main): the aaa binary is
// built once per test process from ./cmd/aaa (a package whose tests use it
// calls Main from TestMain, which removes it afterwards). Start runs it
// with an explicit environment, keeps its output (shown when the test
// fails, or always with AAA_TEST_LOGS=1), learns its address from the
// application_ready log line (so `--addr 127.0.0.1:0` needs no port
// guessing) and stops it with SIGTERM when the test ends.
//
// Synchronisation (Eventually, Poll) and time (Clock, Behind): tests never
// sleep to wait for something; they poll a condition with a deadline and
// fail saying what they waited for. Time-dependent code takes a Clock's Now
// instead of time.Now. Buffer collects output written by several
// goroutines.
//
// Limits: helpers that take a testing.TB fail it with t.Fatal, so call them
// from the test's goroutine (Build and Stack.Stop report errors instead,
// for servers run on other goroutines). A port from FreeAddr can be taken
// by someone else before it is used; prefer a process that binds port 0
// and reports its address.
package testkit
