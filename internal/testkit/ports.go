package testkit

import (
	"net"
	"strconv"
	"testing"
)

// FreeAddr returns a loopback address ("127.0.0.1:PORT") that was free a
// moment ago. Prefer `--addr 127.0.0.1:0` and Process.URL where the
// program reports the address it bound.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// FreePort is FreeAddr's port.
func FreePort(t testing.TB) int {
	t.Helper()
	_, port, _ := net.SplitHostPort(FreeAddr(t))
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
