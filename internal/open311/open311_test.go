package open311

import (
	"net/http/httptest"
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
	key := func(query, lang string) string {
		t.Helper()
		k, ok := cacheKey(httptest.NewRequest("GET", "/open311/v2/requests.json?"+query, nil), "requests", "json", lang)
		if !ok {
			t.Fatalf("%s: not cacheable", query)
		}
		return k
	}
	// The same question however it is written: one answer.
	for _, q := range []string{"service_code=PRAISE&status=open", "status=open&service_code=PRAISE",
		"status=open&service_code=PRAISE&utm_source=x", "status=open,open&service_code=PRAISE&status=closed",
		"service_code=PRAISE&status=open&page=1", "service_code=PRAISE&service_code=FEEDBACK-OTHER&status=open"} {
		if key(q, "vi") != key("status=open&service_code=PRAISE", "vi") {
			t.Errorf("%q split the cache from its equivalent", q)
		}
	}
	if key("status=open,closed", "vi") != key("status=closed,open", "vi") ||
		key("start_date=2026-01-01T07:00:00%2B07:00", "vi") != key("start_date=2026-01-01T00:00:00Z", "vi") ||
		key("service_request_id=abc,DEF&status=open", "vi") != key("service_request_id=def,abc", "vi") {
		t.Error("equivalent lists, instants or ids split the cache")
	}
	// Different questions: different answers.
	for _, pair := range [][2]string{{"status=open", "status=closed"}, {"page=1", "page=2"}, {"service_code=PRAISE", ""},
		{"start_date=2026-01-01T00:00:00Z", ""}, {"service_request_id=abc", "service_request_id=abd"}} {
		if key(pair[0], "vi") == key(pair[1], "vi") {
			t.Errorf("%q and %q shared an answer", pair[0], pair[1])
		}
	}
	if key("status=open", "vi") == key("status=open", "en") {
		t.Fatal("languages shared a cache entry")
	}
	xml, _ := cacheKey(httptest.NewRequest("GET", "/open311/v2/requests.xml?status=open", nil), "requests", "xml", "vi")
	if xml == key("status=open", "vi") {
		t.Fatal("formats shared a cache entry")
	}
	if _, ok := cacheKey(httptest.NewRequest("GET", "/open311/v2/requests.json?page=abc", nil), "requests", "json", "vi"); ok {
		t.Fatal("a query that does not parse was cacheable")
	}
}

// TestCacheBounded: a full cache evicts its oldest answers, one by one, by count and by bytes.
func TestCacheBounded(t *testing.T) {
	now := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	c := newCache(time.Minute, 3)
	c.maxBytes = 10
	c.now = func() time.Time { return now }
	for _, k := range []string{"a", "b", "c", "d"} {
		c.put(k, entry{status: 200, body: []byte("12")})
		now = now.Add(time.Second)
	}
	if _, ok := c.get("a"); ok || len(c.m) != 3 {
		t.Fatalf("after 4 puts into 3 places: %d held, oldest kept %v", len(c.m), ok)
	}
	for _, k := range []string{"b", "c", "d"} {
		if _, ok := c.get(k); !ok {
			t.Fatalf("%s evicted along with the oldest", k)
		}
	}
	c.put("e", entry{status: 200, body: []byte("123456")}) // evicts b (count), fits in the bytes
	_, b := c.get("b")
	if _, d := c.get("d"); b || !d || c.bytes != 10 {
		t.Fatalf("b kept %v, d kept %v, %d bytes; want b gone, d kept, 10 bytes", b, d, c.bytes)
	}
	c.put("f", entry{status: 200, body: []byte("12345678")}) // evicts c, d, e (bytes)
	if c.bytes != 8 || len(c.m) != 1 {
		t.Fatalf("%d bytes in %d answers, bound 10", c.bytes, len(c.m))
	}
	c.put("huge", entry{status: 200, body: make([]byte, 11)})
	if _, ok := c.get("huge"); ok {
		t.Fatal("an answer larger than the cache was kept")
	}
}
