package auth

import (
	"net/http/httptest"
	"testing"
)

// TestClientIP: behind n proxies that append to X-Forwarded-For, the client is the entry the
// outermost appended (n from the right, the header's lines joined), never one the client wrote
// itself; without trusted proxies, the peer.
func TestClientIP(t *testing.T) {
	for _, tt := range []struct {
		name string
		hops int
		xff  []string
		want string
	}{
		{"no proxy trusted", 0, []string{"198.51.100.7"}, "192.0.2.1"},
		{"one proxy", 1, []string{"198.51.100.7"}, "198.51.100.7"},
		{"one proxy, a forged entry before", 1, []string{"10.9.9.9, 198.51.100.7"}, "198.51.100.7"},
		{"a CDN then a load balancer", 2, []string{"10.9.9.9, 198.51.100.7, 203.0.113.5"}, "198.51.100.7"},
		{"over two header lines", 2, []string{"10.9.9.9", "198.51.100.7, 203.0.113.5"}, "198.51.100.7"},
		{"fewer entries than proxies", 3, []string{"198.51.100.7, 203.0.113.5"}, "198.51.100.7"},
		{"IPv6, normalised", 1, []string{"2001:DB8:0:0::1"}, "2001:db8::1"},
		{"not an address", 1, []string{"unknown"}, "192.0.2.1"},
		{"no header", 1, nil, "192.0.2.1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "192.0.2.1:40000"
		for _, v := range tt.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := clientIP(r, tt.hops); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}
