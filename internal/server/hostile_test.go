package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/internal/testutil"
)

// hostile is a request made to hurt the server, with the answer it must get and how long refusing
// it may take at most (a generous bound on a shared machine, not a performance target).
type hostile struct {
	name   string
	as     string                    // "" (no token), "official" or "admin"
	body   func() (io.Reader, int64) // the request body and its Content-Length (-1: chunked)
	status []int                     // accepted HTTP statuses
	codes  []string                  // accepted extensions.code of the first error
	within time.Duration
	// maxRead, when set, is how many body bytes the server may read at most.
	maxRead int64
}

// GraphQL-over-HTTP statuses of a refused operation: 200 with application/json today; 400 or 422
// where the transport answers protocol failures with 4xx.
var refusedStatus = []int{http.StatusOK, http.StatusBadRequest, http.StatusUnprocessableEntity}

// Codes of parse and validation failures, as gqlgen names them and as the error presenter may
// map them.
var parseCodes = []string{"GRAPHQL_PARSE_FAILED", "BAD_USER_INPUT"}
var validationCodes = []string{"GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"}

func jsonBody(query string, vars map[string]any) func() (io.Reader, int64) {
	return func() (io.Reader, int64) {
		b, err := json.Marshal(map[string]any{"query": query, "variables": vars})
		if err != nil {
			panic(err)
		}
		return bytes.NewReader(b), int64(len(b))
	}
}

// rawBody is a JSON body written by hand (encoding/json refuses to nest 5,000 levels deep).
func rawBody(s string) func() (io.Reader, int64) {
	return func() (io.Reader, int64) { return strings.NewReader(s), int64(len(s)) }
}

func aliases(n int, field string) string {
	var b strings.Builder
	b.WriteString("query Hostile {")
	for i := range n {
		fmt.Fprintf(&b, " a%d: %s", i, field)
	}
	b.WriteString(" }")
	return b.String()
}

// endless is a body of n bytes made on the fly (never allocated), counting what was read of it.
type endless struct {
	left int64
	read *atomic.Int64
}

func (e *endless) Read(p []byte) (int, error) {
	if e.left <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), e.left)
	for i := range p[:n] {
		p[i] = ' '
	}
	e.left -= n
	e.read.Add(n)
	return int(n), nil
}

// hostileRequests is the table of hostile requests (issue 10, item 6).
func hostileRequests(read *atomic.Int64) []hostile {
	const mb100 = 100 << 20
	deepNot := strings.Repeat(`{"not":`, 5000) + `{"code":"x"}` + strings.Repeat(`}`, 5000)
	ors := make([]any, 50_000)
	for i := range ors {
		ors[i] = map[string]any{"code": strconv.Itoa(i)}
	}
	ids := make([]string, 100_000)
	for i := range ids {
		ids[i] = strconv.Itoa(i)
	}
	var frag strings.Builder
	frag.WriteString("query Bomb { ...F0 }\n")
	for i := range 30 {
		fmt.Fprintf(&frag, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
	}
	frag.WriteString("fragment F30 on Query { viewer { role } }\n")
	nested := "units(first: 1) { edges { node { " + strings.Repeat("parent { ", 30) + "id" + strings.Repeat(" }", 30) + " } } }"
	return []hostile{
		{name: "1,000 aliases of caseStatistics", as: "official", body: jsonBody(aliases(1000, "caseStatistics { received onTimeRate }"), nil),
			status: refusedStatus, codes: []string{"BAD_USER_INPUT"}, within: 3 * time.Second},
		{name: "300 aliases of progress", as: "admin", body: jsonBody(aliases(300, "progress(scope: {national: true}, year: 2025) { headcount pledge { rate } }"), nil),
			status: refusedStatus, codes: []string{"BAD_USER_INPUT"}, within: 3 * time.Second},
		{name: "3 aliases of commendationCandidates", as: "admin", body: jsonBody(aliases(3, "commendationCandidates(scope: {national: true}, year: 2025) { totalCount }"), nil),
			status: refusedStatus, codes: []string{"BAD_USER_INPUT"}, within: 3 * time.Second},
		{name: "100 MB body with its length", body: func() (io.Reader, int64) { return &endless{left: mb100, read: read}, mb100 },
			status: []int{http.StatusRequestEntityTooLarge}, codes: []string{"BAD_USER_INPUT"}, within: 2 * time.Second, maxRead: 0},
		{name: "100 MB body, chunked", body: func() (io.Reader, int64) { return &endless{left: mb100, read: read}, -1 },
			status: []int{http.StatusRequestEntityTooLarge}, codes: []string{"BAD_USER_INPUT"}, within: 2 * time.Second, maxRead: 1<<20 + 64<<10},
		{name: "5,000-deep where literal", body: jsonBody("{ provinces(where: "+strings.ReplaceAll(strings.ReplaceAll(deepNot, `"not"`, "not"), `"code"`, "code")+") { totalCount } }", nil),
			status: refusedStatus, codes: parseCodes, within: 3 * time.Second},
		{name: "5,000-deep where variable", body: rawBody(`{"query":"query($w: ProvinceWhereInput) { provinces(where: $w) { totalCount } }","variables":{"w":` + deepNot + `}}`),
			status: refusedStatus, codes: []string{"BAD_USER_INPUT"}, within: 3 * time.Second},
		{name: "11-deep where literal", body: jsonBody("{ provinces(where: "+strings.Repeat("{not: ", 11)+`{code: "x"}`+strings.Repeat("}", 11)+") { totalCount } }", nil),
			status: refusedStatus, codes: []string{"BAD_USER_INPUT"}, within: 3 * time.Second},
		{name: "50,000-branch or", body: jsonBody("query($w: ProvinceWhereInput) { provinces(where: $w) { totalCount } }", map[string]any{"w": map[string]any{"or": ors}}),
			status: refusedStatus, codes: []string{"BAD_USER_INPUT"}, within: 3 * time.Second},
		{name: "idIn of 100,000 ids", body: jsonBody("query($w: ProvinceWhereInput) { provinces(where: $w) { totalCount } }", map[string]any{"w": map[string]any{"idIn": ids}}),
			status: refusedStatus, codes: []string{"BAD_USER_INPUT"}, within: 3 * time.Second},
		{name: "nodes of 100,000 ids", as: "admin", body: jsonBody("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", map[string]any{"ids": ids}),
			status: refusedStatus, codes: []string{"BAD_USER_INPUT"}, within: 3 * time.Second},
		{name: "fragments used twice at each of 30 levels", as: "official", body: jsonBody(frag.String(), nil),
			status: refusedStatus, codes: validationCodes, within: 3 * time.Second},
		{name: "selections 33 levels deep", as: "admin", body: jsonBody("{ "+nested+" }", nil),
			status: refusedStatus, codes: validationCodes, within: 3 * time.Second},
		{name: "50,000 fields of one name", body: jsonBody(strings.Repeat("{", 1)+strings.Repeat(" a: __typename", 50_000)+" }", nil),
			status: refusedStatus, codes: parseCodes, within: 3 * time.Second},
	}
}

// TestHostileRequests sends each hostile request through the real handler, on both databases,
// and checks its answer and how long refusing it took. With LIEMCHINH_HOSTILE_URL set (a running
// server, demo data), it sends them there instead and prints the answer, the time and the
// server's RSS (LIEMCHINH_HOSTILE_PID) after each.
func TestHostileRequests(t *testing.T) {
	if url := os.Getenv("LIEMCHINH_HOSTILE_URL"); url != "" {
		hostileAgainst(t, url, os.Getenv("LIEMCHINH_HOSTILE_PID"))
		return
	}
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, nil)
		api := testutil.NewAPI(t, db, cfg)
		w := testutil.NewWorld(t, db, cfg)
		tokens := map[string]string{}
		for _, role := range []string{"official", "admin"} {
			tokens[role], _ = api.Login(t, w.Logins[role], testutil.Password)
		}
		var read atomic.Int64
		for _, h := range hostileRequests(&read) {
			t.Run(h.name, func(t *testing.T) {
				read.Store(0)
				body, length := h.body()
				req := httptest.NewRequest(http.MethodPost, "/query", body)
				req.ContentLength = length
				req.Header.Set("Content-Type", "application/json")
				if h.as != "" {
					req.Header.Set("Authorization", "Bearer "+tokens[h.as])
				}
				start := time.Now()
				rec := httptest.NewRecorder()
				api.Handler.ServeHTTP(rec, req)
				took := time.Since(start)
				var resp testutil.Response
				if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
					t.Fatalf("not JSON (%d): %.300s", rec.Code, rec.Body.Bytes())
				}
				code := resp.Code()
				if !slices.Contains(h.status, rec.Code) || !slices.Contains(h.codes, code) {
					t.Errorf("answered %d %s, want %v %v: %.400s", rec.Code, code, h.status, h.codes, rec.Body.Bytes())
				}
				if len(resp.Errors) > 0 && strings.Contains(resp.Errors[0].Message, "\n\t") {
					t.Errorf("the error shows internals: %s", resp.Errors[0].Message)
				}
				if took > h.within {
					t.Errorf("took %s to refuse, more than %s", took, h.within)
				}
				if h.maxRead > 0 || h.name == "100 MB body with its length" {
					if n := read.Load(); n > h.maxRead {
						t.Errorf("read %d bytes of the body, more than %d", n, h.maxRead)
					}
				}
				t.Logf("%d %s in %s", rec.Code, code, took.Round(time.Millisecond))
			})
		}
	})
}

// hostileAgainst sends the table to a running server signed in as the demo accounts.
func hostileAgainst(t *testing.T, base, pid string) {
	login := func(name string) string {
		b, _ := json.Marshal(map[string]any{"query": `mutation($l: String!) { login(input: {login: $l, password: "liemchinh-demo"}) { accessToken } }`,
			"variables": map[string]any{"l": name}})
		res, err := http.Post(base+"/query", "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out struct {
			Data struct{ Login struct{ AccessToken string } }
		}
		_ = json.NewDecoder(res.Body).Decode(&out)
		return out.Data.Login.AccessToken
	}
	tokens := map[string]string{"official": login("official"), "admin": login("admin")}
	fmt.Printf("%-44s %-6s %-26s %10s %10s\n", "request", "status", "code", "time", "RSS after")
	fmt.Printf("%-44s %-6s %-26s %10s %10s\n", "(before)", "", "", "", rss(pid))
	var read atomic.Int64
	for _, h := range hostileRequests(&read) {
		body, length := h.body()
		req, _ := http.NewRequest(http.MethodPost, base+"/query", body)
		req.ContentLength = length
		req.Header.Set("Content-Type", "application/json")
		if h.as != "" {
			req.Header.Set("Authorization", "Bearer "+tokens[h.as])
		}
		start := time.Now()
		res, err := http.DefaultClient.Do(req)
		status, code := "-", ""
		if err != nil {
			code = err.Error()
		} else {
			var resp testutil.Response
			_ = json.NewDecoder(res.Body).Decode(&resp)
			res.Body.Close()
			status, code = strconv.Itoa(res.StatusCode), resp.Code()
		}
		fmt.Printf("%-44s %-6s %-26s %10s %10s\n", h.name, status, code, time.Since(start).Round(time.Millisecond), rss(pid))
	}
}

// rss reads VmRSS of a process.
func rss(pid string) string {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}
