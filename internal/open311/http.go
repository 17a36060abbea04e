package open311

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/ratelimit"
)

// Prefix is where GeoReport v2 is served.
const Prefix = "/open311/v2/"

// Spec is the GeoReport v2 specification's address (discovery).
const Spec = "http://wiki.open311.org/GeoReport_v2"

// maxPostBytes bounds a POST's form.
const maxPostBytes = 64 << 10

// Handler serves GeoReport v2 under Prefix. base is the server's public URL for discovery
// ("" : taken from the request).
func (s *Service) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		path := strings.TrimPrefix(r.URL.Path, Prefix)
		format := ""
		for _, f := range []string{"json", "xml"} {
			if strings.HasSuffix(path, "."+f) {
				format, path = f, strings.TrimSuffix(path, "."+f)
			}
		}
		if format == "" {
			s.fail(ctx, w, "json", http.StatusNotFound, "Không có tài nguyên này (đuôi .json hoặc .xml).", "No such resource (end it in .json or .xml).")
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodPost && path == "requests" {
			// Limited by address first: a flood without a valid api_key costs no key lookup.
			if !s.allowed(w, r, s.post, format) {
				return
			}
			s.postRequest(w, r, format)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			s.fail(ctx, w, format, http.StatusMethodNotAllowed, "Phương thức không được hỗ trợ.", "Method not allowed.")
			return
		}
		if !s.allowed(w, r, s.read, format) {
			return
		}
		lang := apperr.Lang(ctx)
		ck, cacheable := cacheKey(r, path, format, lang)
		if e, ok := s.cache.get(ck); cacheable && ok {
			s.write(w, format, e.status, e.body)
			return
		}
		status, v := s.get(r, path, format)
		body, err := encode(format, v)
		if err != nil {
			s.log.ErrorContext(ctx, "open311 encode", "error", err.Error())
			s.fail(ctx, w, format, http.StatusInternalServerError, "Lỗi máy chủ.", "Server error.")
			return
		}
		if cacheable && (status == http.StatusOK || status == http.StatusNotFound) {
			s.cache.put(ck, entry{status: status, body: body})
		}
		s.write(w, format, status, body)
	})
}

func (s *Service) write(w http.ResponseWriter, format string, status int, body []byte) {
	if format == "xml" {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	if status == http.StatusOK {
		w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(int(s.cache.ttl.Seconds())))
	} else {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// get answers a GET: a status and the value to encode.
func (s *Service) get(r *http.Request, path, format string) (int, any) {
	ctx := r.Context()
	en := apperr.Lang(ctx) == "en"
	q := r.URL.Query()
	switch {
	case path == "discovery":
		return http.StatusOK, discoveryOf(baseURL(r))
	case path == "services":
		out := make([]serviceJSON, len(services))
		for i, sv := range services {
			out[i] = sv.json(en)
		}
		return http.StatusOK, servicesXML{Services: out}
	case strings.HasPrefix(path, "services/"):
		sv, ok := serviceByCode(strings.TrimPrefix(path, "services/"))
		if !ok {
			return http.StatusNotFound, errorsOf(404, en, "Không có dịch vụ này.", "No such service.")
		}
		return http.StatusOK, definitionOf(sv, en)
	case path == "requests":
		f, e := parseFilter(q, en)
		if e != nil {
			return http.StatusBadRequest, e
		}
		rs, err := s.Requests(ctx, f)
		if err != nil {
			return s.internal(ctx, err, en)
		}
		return http.StatusOK, requestsOf(rs, en)
	case strings.HasPrefix(path, "requests/"):
		rq, err := s.Request(ctx, strings.TrimPrefix(path, "requests/"))
		if err != nil {
			return s.internal(ctx, err, en)
		}
		if rq == nil {
			return http.StatusNotFound, errorsOf(404, en, "Không có yêu cầu này (hoặc không được công bố).", "No such request (or it is not published).")
		}
		return http.StatusOK, requestsOf([]Request{*rq}, en)
	}
	return http.StatusNotFound, errorsOf(404, en, "Không có tài nguyên này.", "No such resource.")
}

func (s *Service) internal(ctx context.Context, err error, en bool) (int, any) {
	s.log.ErrorContext(ctx, "open311", "error", err.Error())
	return http.StatusInternalServerError, errorsOf(500, en, "Lỗi máy chủ.", "Server error.")
}

func parseFilter(q url.Values, en bool) (Filter, any) {
	var f Filter
	bad := func(vi, eng string) (Filter, any) { return f, errorsOf(400, en, vi, eng) }
	list := func(name string) []string {
		var out []string
		for _, v := range strings.Split(q.Get(name), ",") {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	f.IDs = list("service_request_id")
	if len(f.IDs) > MaxPageSize {
		return bad("Tối đa 200 service_request_id.", "At most 200 service_request_id.")
	}
	f.Services = list("service_code")
	for _, c := range f.Services {
		if _, ok := serviceByCode(c); !ok {
			return bad("service_code không có: "+c+".", "Unknown service_code: "+c+".")
		}
	}
	for _, st := range list("status") {
		if st != "open" && st != "closed" {
			return bad("status là open hoặc closed.", "status is open or closed.")
		}
		if !slices.Contains(f.Status, st) {
			f.Status = append(f.Status, st)
		}
	}
	for name, dst := range map[string]**time.Time{"start_date": &f.Start, "end_date": &f.End} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return bad(name+" phải theo định dạng W3C (ví dụ 2026-01-31T00:00:00+07:00).",
					name+" must be a W3C date and time (e.g. 2026-01-31T00:00:00+07:00).")
			}
			*dst = &t
		}
	}
	if f.Start != nil && f.End != nil && f.End.Before(*f.Start) {
		return bad("end_date trước start_date.", "end_date is before start_date.")
	}
	for name, dst := range map[string]*int{"page": &f.Page, "page_size": &f.PageSize} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || (name == "page_size" && n > MaxPageSize) || (name == "page" && n > 10000) {
				return bad(name+" phải là số nguyên dương (page_size tối đa 200, page tối đa 10.000).",
					name+" must be a positive integer (page_size at most 200, page at most 10,000).")
			}
			*dst = n
		}
	}
	return f, nil
}

// allowed spends an event of limit (nil: none) for the request's client address, or answers 429
// (or 500 when the limits cannot be read) and reports false.
func (s *Service) allowed(w http.ResponseWriter, r *http.Request, limit ratelimit.Limit, format string) bool {
	ctx := r.Context()
	if limit == nil || ratelimit.IsExempt(ctx) {
		return true
	}
	ok, wait, err := limit.Allow(ctx, ratelimit.AddressKey(authz.ClientIP(ctx)))
	if err != nil {
		s.log.ErrorContext(ctx, "open311 rate limit", "error", err.Error())
		s.fail(ctx, w, format, http.StatusInternalServerError, "Lỗi máy chủ.", "Server error.")
		return false
	}
	if !ok {
		s.throttled(ctx, w, format, wait)
	}
	return ok
}

// postRequest answers a partner app's submission (POST requests.json or .xml, a form).
func (s *Service) postRequest(w http.ResponseWriter, r *http.Request, format string) {
	ctx := r.Context()
	en := apperr.Lang(ctx) == "en"
	r.Body = http.MaxBytesReader(w, r.Body, maxPostBytes)
	if err := r.ParseForm(); err != nil {
		s.fail(ctx, w, format, http.StatusBadRequest, "Biểu mẫu không đọc được (tối đa 64 KiB, application/x-www-form-urlencoded).",
			"The form could not be read (at most 64 KiB, application/x-www-form-urlencoded).")
		return
	}
	f := r.PostForm
	out, err := s.Submit(ctx, Submission{APIKey: f.Get("api_key"), ServiceCode: f.Get("service_code"),
		UnitID: f.Get("attribute[unit_id]"), Description: f.Get("description"), Address: f.Get("address_string"),
		MediaURL: f.Get("media_url"), Idempotency: f.Get("idempotency_key")})
	if err != nil {
		e, ok := apperr.As(err)
		if !ok {
			s.log.ErrorContext(ctx, "open311 submit", "error", err.Error())
			s.fail(ctx, w, format, http.StatusInternalServerError, "Lỗi máy chủ.", "Server error.")
			return
		}
		status := http.StatusBadRequest
		switch e.Code {
		case apperr.Forbidden:
			status = http.StatusForbidden
		case apperr.RateLimited:
			s.throttled(ctx, w, format, time.Duration(e.RetryAfter)*time.Second)
			return
		case apperr.Conflict:
			status = http.StatusConflict
		case apperr.BadUserInput, apperr.NotFound:
		default:
			status = http.StatusInternalServerError
		}
		s.fail(ctx, w, format, status, e.VI, e.EN)
		return
	}
	notice := "Đã tiếp nhận ẩn danh; thông tin cá nhân (nếu có) không được lưu. Giữ token (mã theo dõi và mã bí mật) để theo dõi."
	if en {
		notice = "Received anonymously; personal details, if any were sent, are not kept. Keep the token (tracking code and secret) to follow it."
	}
	if out.NoticeVI != "" {
		notice = out.NoticeVI + " " + notice
		if en {
			notice = out.NoticeEN + " " + notice
		}
	}
	body, err := encode(format, postedXML{Requests: []postedJSON{{Token: out.TrackingCode + "." + out.Secret, ServiceNotice: notice,
		TrackingCode: out.TrackingCode, Secret: out.Secret, Receipt: out.Receipt}}})
	if err != nil {
		s.fail(ctx, w, format, http.StatusInternalServerError, "Lỗi máy chủ.", "Server error.")
		return
	}
	if format == "xml" {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(body)
}

func (s *Service) throttled(ctx context.Context, w http.ResponseWriter, format string, wait time.Duration) {
	secs := max(int(wait.Round(time.Second)/time.Second), 1)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	s.fail(ctx, w, format, http.StatusTooManyRequests,
		"Quá nhiều yêu cầu; vui lòng thử lại sau "+strconv.Itoa(secs)+" giây.", "Too many requests; try again in "+strconv.Itoa(secs)+" seconds.")
}

// fail answers GeoReport v2's errors: [{"code": status, "description": ...}].
func (s *Service) fail(ctx context.Context, w http.ResponseWriter, format string, status int, vi, en string) {
	body, _ := encode(format, errorsOf(status, apperr.Lang(ctx) == "en", vi, en))
	if format == "xml" {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + strings.TrimSuffix(Prefix, "/")
}

// encode writes v as JSON (its top-level list: GeoReport v2 answers arrays) or XML.
func encode(format string, v any) ([]byte, error) {
	if format == "xml" {
		var b bytes.Buffer
		b.WriteString(xml.Header)
		enc := xml.NewEncoder(&b)
		if err := enc.Encode(v); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	if l, ok := v.(interface{ list() any }); ok {
		v = l.list()
	}
	return json.Marshal(v)
}

// The cache keeps whole answers of GET for a short time: open data is the same for everyone. It
// holds at most max answers and maxBytes of them; past either, the expired answers go, then the
// oldest, one by one (a client asking for ever new pages evicts old answers, not every answer).
type entry struct {
	status int
	body   []byte
	at     time.Time
}

type cache struct {
	mu       sync.Mutex
	ttl      time.Duration
	max      int
	maxBytes int
	bytes    int
	m        map[string]entry
	now      func() time.Time
	hits     int
}

// cacheBytes bounds the bytes of the answers the cache holds (a page of 200 requests is about
// 100 KB).
const cacheBytes = 32 << 20

func newCache(ttl time.Duration, max int) *cache {
	return &cache{ttl: ttl, max: max, maxBytes: cacheBytes, m: map[string]entry{}, now: time.Now}
}

func (c *cache) get(k string) (entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || c.now().Sub(e.at) > c.ttl {
		return entry{}, false
	}
	c.hits++
	return e, true
}

func (c *cache) put(k string, e entry) {
	if len(e.body) > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.remove(k)
	now := c.now()
	if len(c.m) >= c.max || c.bytes+len(e.body) > c.maxBytes {
		for k, old := range c.m {
			if now.Sub(old.at) > c.ttl {
				c.remove(k)
			}
		}
	}
	for len(c.m) > 0 && (len(c.m) >= c.max || c.bytes+len(e.body) > c.maxBytes) {
		oldest, at := "", now
		for k, old := range c.m {
			if !old.at.After(at) {
				oldest, at = k, old.at
			}
		}
		c.remove(oldest)
	}
	e.at = now
	c.m[k] = e
	c.bytes += len(e.body)
}

func (c *cache) remove(k string) {
	if old, ok := c.m[k]; ok {
		c.bytes -= len(old.body)
		delete(c.m, k)
	}
}

// Hits is how many answers came from the cache (tests).
func (s *Service) Hits() int {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	return s.cache.hits
}

// Size is how many answers the cache holds, and their bytes (tests).
func (s *Service) Size() (int, int) {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	return len(s.cache.m), s.cache.bytes
}

// cacheKey keys an answer on what it depends on, not on how the query was written: for the
// requests list, the filter as parsed (lists sorted and without repeats, times as instants,
// defaults filled in, what GeoReport ignores left out), so that parameters in another order,
// repeated, or unknown, share the answer; for discovery the server's address; elsewhere nothing
// of the query. A query that does not parse is not cached (its answer is a cheap 400).
func cacheKey(r *http.Request, path, format, lang string) (string, bool) {
	k := path + "." + format + "|" + lang
	switch {
	case path == "discovery":
		return k + "|" + baseURL(r), true
	case path == "requests":
		f, e := parseFilter(r.URL.Query(), false)
		if e != nil {
			return "", false
		}
		return k + "|" + f.key(), true
	}
	return k, true
}

// key is the filter in one canonical form.
func (f Filter) key() string {
	set := func(in []string, norm func(string) string) string {
		out := make([]string, 0, len(in))
		for _, v := range in {
			out = append(out, norm(v))
		}
		slices.Sort(out)
		return strings.Join(slices.Compact(out), ",")
	}
	same := func(v string) string { return v }
	page, size := max(f.Page, 1), f.PageSize
	if len(f.IDs) > 0 { // the other filters are ignored
		return "ids=" + set(f.IDs, func(v string) string { return strings.ToLower(strings.TrimSpace(v)) }) +
			"|page=" + strconv.Itoa(page) + "|size=" + strconv.Itoa(size)
	}
	when := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return strconv.FormatInt(t.UnixNano(), 10)
	}
	return "services=" + set(f.Services, same) + "|status=" + set(f.Status, same) + "|start=" + when(f.Start) +
		"|end=" + when(f.End) + "|page=" + strconv.Itoa(page) + "|size=" + strconv.Itoa(size)
}
