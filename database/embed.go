// Package database embeds aaa's SQL migrations. They are written in the
// portable subset both SQLite and Postgres accept (TEXT ids, TIMESTAMP in
// UTC written from Go, BOOLEAN, JSON kept as TEXT) and are up-only: fix
// forward with a new file, never edit an applied one.
package database

import "embed"

// Migrations holds the goose migration files under migrations/.
//
//go:embed migrations/*.sql
var Migrations embed.FS
