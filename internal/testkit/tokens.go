package testkit

// AdminToken is an admin API token long enough for `aaa serve`, which
// refuses tokens shorter than 16 characters. Tests that start the binary
// with ADMIN_API_TOKEN use it.
const AdminToken = "testkit-admin-token-0123456789"
