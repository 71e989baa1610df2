// Package flowtest holds in-process integration tests of aaa's whole loop:
// the real HTTP router, River jobs, the store on SQLite and Postgres, and
// the Ashby simulator over loopback HTTP. It has no non-test code.
package flowtest
