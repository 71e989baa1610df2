// Package scaletest holds aaa's multi-process tests (issue 9, "outgrowing
// one machine"). It has no code of its own: its tests build the aaa binary
// once, run several `aaa serve` processes on one Postgres database against
// an in-test Ashby simulator (internal/ashbysim), and check from the outside
// what an operator would: every webhook is accepted by whichever instance
// receives it, each candidate is advanced exactly once, periodic syncs run
// on the elected leader only, a SIGKILLed leader is replaced without manual
// action, and `aaa store copy` moves a SQLite trial to Postgres with nothing
// lost or done twice.
//
// The tests need AAA_TEST_POSTGRES_URL (skipped without it, failed under
// CI=true, see testkit.PostgresURL) and a Go toolchain to build the binary.
package scaletest
