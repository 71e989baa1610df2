package config

import (
	"net/netip"
	"strings"
)

// prefixes reads a comma-separated list of CIDRs; a bare address stands for
// itself (/32 or /128). Every entry that is neither is a problem.
func (l *loader) prefixes(name string) []netip.Prefix {
	var out []netip.Prefix
	for _, v := range l.list(name) {
		if p, err := netip.ParsePrefix(v); err == nil {
			if p != p.Masked() {
				l.problem("%s: %q has host bits set; did you mean %s?", name, v, p.Masked())
				continue
			}
			out = append(out, p)
			continue
		}
		if a, err := netip.ParseAddr(v); err == nil && a.Zone() == "" {
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		l.problem("%s: %q is not a CIDR like 10.0.0.0/8 or fd00::/8, nor an IP address", name, strings.TrimSpace(v))
	}
	return out
}
