// Package storetest is the store conformance suite (in its tests, run on
// SQLite always and on Postgres whenever AAA_TEST_POSTGRES_URL is set,
// required under CI=true) and the seed guide's troubleshooting queries.
// The test databases themselves come from internal/testkit.
package storetest
