package open311

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/internal/pid"
)

func TestPublicID(t *testing.T) {
	a, _ := New(Deps{IDKey: []byte("a key of the server, 32 bytes..!")})
	b, _ := New(Deps{IDKey: []byte("another key of the server, 32 b!")})
	id := pid.New(pid.Case)
	p := a.PublicID(id)
	if len(p) != 26 || p == a.PublicID(pid.New(pid.Case)) || p != a.PublicID(id) {
		t.Fatalf("public id %q", p)
	}
	if a.caseID(p) != id || a.caseID(strings.ToUpper(p)) != id {
		t.Fatalf("read back %q, want %q", a.caseID(p), id)
	}
	if b.PublicID(id) == p || b.caseID(p) == id {
		t.Fatal("another server's key gives the same ids")
	}
	// Two ids made in the same millisecond share their first characters; their public ids do not.
	id2 := id[:len(id)-1] + map[bool]string{true: "1", false: "0"}[strings.HasSuffix(id, "0")]
	if q := a.PublicID(id2); q[:8] == p[:8] {
		t.Fatalf("neighbouring ids leak their order: %s %s", p, q)
	}
	for _, bad := range []string{"", "zz", "0000000000000000000000000!"} {
		if a.caseID(bad) != "" {
			t.Errorf("caseID(%q)", bad)
		}
	}
}

func TestParseFilter(t *testing.T) {
	for q, ok := range map[string]bool{
		"": true, "status=open,closed": true, "status=opened": false, "service_code=PRAISE,FEEDBACK-OTHER": true,
		"service_code=DENUNCIATION": false, "start_date=2026-01-01T00:00:00%2B07:00": true, "start_date=2026-01-01": false,
		"start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z": false, "page=2&page_size=200": true,
		"page_size=201": false, "page=-1": false, "page=abc": false,
		"service_request_id=" + strings.Repeat("a,", 201): false,
	} {
		v, _ := url.ParseQuery(q)
		f, e := parseFilter(v, true)
		if (e == nil) != ok {
			t.Errorf("%s: %+v %v", q, f, e)
		}
	}
	v, _ := url.ParseQuery("status=open,open&start_date=2026-01-01T00:00:00%2B07:00&page=3&page_size=7")
	f, _ := parseFilter(v, false)
	if len(f.Status) != 1 || !f.Start.Equal(time.Date(2025, 12, 31, 17, 0, 0, 0, time.UTC)) || f.Page != 3 || f.PageSize != 7 {
		t.Fatalf("%+v", f)
	}
}

func TestCacheKey(t *testing.T) {
	a, _ := url.ParseQuery("status=open&service_code=PRAISE")
	b, _ := url.ParseQuery("service_code=PRAISE&status=open")
	if cacheKey("requests", "json", "vi", a) != cacheKey("requests", "json", "vi", b) {
		t.Fatal("the order of parameters split the cache")
	}
	if cacheKey("requests", "json", "vi", a) == cacheKey("requests", "json", "en", a) ||
		cacheKey("requests", "json", "vi", a) == cacheKey("requests", "xml", "vi", a) {
		t.Fatal("language or format shared a cache entry")
	}
}
