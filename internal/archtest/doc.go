// Package archtest holds, in its tests, the import and write rules of
// DESIGN.md, run by `make test` like any other test:
//
//   - engine imports only domain and the standard library; domain only the
//     standard library;
//   - store (and store/sqlite, store/postgres) imports no use case: only
//     domain, store's own packages and the embedded migrations;
//   - nobody but cmd/aaa (and the test kit) imports config or a concrete
//     store backend;
//   - the adapters (server, tui, cmd/aaa, jobs) never write through the
//     store: no call to a store write method from their non-test code.
//   - nobody finds a store capability at run time: no type assertion or
//     type switch on a store value or to a store type (every capability is
//     part of store.Store, checked at compile time).
//
// The import rules read `go list -json ./...`; the write rule type-checks
// the adapters (golang.org/x/tools/go/packages) and finds every method of
// the store, or of an adapter's own interface mirroring one, that writes.
// Known write violations, still being moved into use cases, are listed in
// an allowlist in the test, one entry per package and method with its
// reason; a new violation fails, and so does an entry that no longer
// matches anything, so the list only shrinks. Each rule is also run on a
// violation made on purpose (a made-up import graph; testdata/probe for
// writes), so a rule that stopped matching anything fails too.
package archtest
