// Package testkit is the one place aaa's tests get their fixtures: test
// databases, the assembled stack, the aaa binary and its processes,
// polling and fake clocks. Tests import it; production code never does.
//
// Databases (Backends, Each, OpenSQLite, OpenPostgres, NewPostgresSchema):
// SQLite always, on a new file in t.TempDir(); Postgres whenever
// AAA_TEST_POSTGRES_URL is set, in a new schema per test that is dropped
// afterwards. Under CI=true a missing AAA_TEST_POSTGRES_URL fails the test
// instead of skipping it.
//
// Stack (NewStack) assembles aaa in-process as `aaa serve` does: a migrated
// store, the Ashby simulator (ashbysim) behind an HTTP server, optionally
// the Slack fake (slackfake), the use cases, River (jobs) and the HTTP
// router (server) behind an httptest server. Tests use the Stack's fields
// and methods instead of calling the constructors themselves, so a change
// in how the use cases are wired touches this package only.
//
// Processes (Binary, Start, Process): the aaa binary is built once per test
// process from ./cmd/aaa (run the package's tests through Main so it is
// removed afterwards); Start runs it with an explicit environment, keeps
// its output (shown when the test fails), learns its address from the
// application_ready log line (so `--addr 127.0.0.1:0` needs no port
// guessing) and stops it with SIGTERM when the test ends.
//
// Synchronisation (Eventually, Poll): tests never sleep to wait for
// something; they poll a condition with a deadline and fail with what they
// were waiting for. Time-dependent code takes a Clock's Now instead of
// time.Now.
//
// Limits: helpers fail the test with t.Fatal, so call them from the test's
// goroutine. Ports from FreeAddr can be taken by someone else before use;
// prefer a process that binds port 0 and reports its address.
package testkit
