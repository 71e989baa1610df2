// Package server is aaa's HTTP surface: the Ashby webhook, Slack
// interactions, /health, /metrics and the admin API. routes.go lists every
// route; handlers are thin adapters over package advance and the store.
//
// Every response error uses one envelope, {"error":{"code","message",
// "request_id"}}; every request carries an X-Request-ID (honoured when sent,
// generated otherwise) that also appears on its log lines. Bodies are
// bounded, signatures are checked in constant time over the raw body, and
// every /admin route needs the bearer token.
package server
