// Package server is aaa's HTTP surface: the Ashby webhook, Slack
// interactions, /health, /metrics and the admin API. routes.go lists every
// route; handlers are thin adapters over package advance and the store.
//
// Every response error uses one envelope, {"error":{"code","message",
// "request_id"}}; every request carries an X-Request-ID (honoured when sent,
// generated otherwise) that also appears on its log lines. Bodies are
// bounded, signatures are checked in constant time over the raw body, and
// every /admin route needs the bearer token.
//
// The webhook door acknowledges only what can be stored and processed: the
// body is decoded once, down to the schedule, and wrong types, missing ids,
// NUL characters and invalid UTF-8 are refused (400, naming the field). Its
// rate limit charges only requests whose signature fails, per client
// address: the peer, or behind Deps.TrustedProxies the forwarded client.
package server
