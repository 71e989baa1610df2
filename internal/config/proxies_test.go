package config_test

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/ashby-auto-advance/aaa/internal/config"
)

func TestTrustedProxies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		value string
		want  []netip.Prefix
		probs []string
	}{
		{"unset", "", nil, nil},
		{"CIDRs and addresses", " 10.0.0.0/8, fd00::/8 ,192.0.2.7", []netip.Prefix{
			netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8"), netip.MustParsePrefix("192.0.2.7/32")}, nil},
		{"not an address", "10.0.0.0/8,proxy.internal", nil, []string{`TRUSTED_PROXIES: "proxy.internal" is not a CIDR`}},
		{"host bits set", "10.1.2.3/8", nil, []string{`TRUSTED_PROXIES: "10.1.2.3/8" has host bits set; did you mean 10.0.0.0/8?`}},
		{"bad mask", "10.0.0.0/33", nil, []string{`TRUSTED_PROXIES: "10.0.0.0/33" is not a CIDR`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := config.Load([]string{"TRUSTED_PROXIES=" + tt.value})
			var ce *config.Error
			if len(tt.probs) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(c.TrustedProxies, tt.want) {
					t.Fatalf("TrustedProxies = %v, want %v", c.TrustedProxies, tt.want)
				}
				return
			}
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *config.Error", err)
			}
			for _, p := range tt.probs {
				if !strings.Contains(err.Error(), p) {
					t.Fatalf("problems %q do not say %q", err, p)
				}
			}
		})
	}
}
