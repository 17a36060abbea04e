package loadtest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/internal/loadtest"
)

// ours and peer are the same two rows and totals in our shape (edges/node, Int) and PostGraphile's
// (nodes, nodeId, BigInt as a string, other field names and order).
const (
	ours = `{"data":{"provinces":{"totalCount":1,"edges":[{"cursor":"abc","node":{"id":"prv_1","code":"83","name":"Bến Tre",
		"districts":{"totalCount":2,"edges":[{"node":{"id":"dst_1","code":"829","year":2024,"active":true,"validTo":null}}]}}}]}}}`
	peer = `{"data":{"allProvinces":{"nodes":[{"nodeId":"WyJwcm92aW5jZXMiLCJwcnZfMSJd","name":"Bến Tre","id":"prv_1","code":"83",
		"districtsByProvinceDistricts":{"nodes":[{"active":true,"year":"2024","code":"829","id":"dst_1"}],"totalCount":2}}],"totalCount":1}}}`
)

func TestFingerprint(t *testing.T) {
	base, err := loadtest.FingerprintOf([]byte(ours))
	if err != nil {
		t.Fatal(err)
	}
	if base.Nodes != 2 || base.Counts != 2 {
		t.Fatalf("ours: %d nodes, %d counts, want 2 and 2", base.Nodes, base.Counts)
	}
	for _, c := range []struct {
		name, body string
		same       bool
	}{
		{"PostGraphile's shape, same rows", peer, true},
		{"a value differs", strings.Replace(peer, `"829"`, `"830"`, 1), false},
		{"a value moved to another node", strings.Replace(strings.Replace(peer, `"code":"83"`, `"code":"829"`, 1), `"code":"829","id":"dst_1"`, `"code":"83","id":"dst_1"`, 1), false},
		{"another id", strings.Replace(peer, `"dst_1"`, `"dst_2"`, 1), false},
		{"a total differs", strings.Replace(peer, `"totalCount":2`, `"totalCount":3`, 1), false},
		{"a node missing", strings.Replace(peer, `{"active":true,"year":"2024","code":"829","id":"dst_1"}`, ``, 1), false},
		{"a different nodeId and cursor", strings.Replace(strings.Replace(ours, `"abc"`, `"xyz"`, 1), `"id":"prv_1"`, `"id":"prv_1","nodeId":"other"`, 1), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := loadtest.FingerprintOf([]byte(c.body))
			if err != nil {
				t.Fatal(err)
			}
			if (got.Hash == base.Hash) != c.same {
				t.Fatalf("same hash = %v, want %v (%s vs %s)", got.Hash == base.Hash, c.same, got, base)
			}
		})
	}
	for _, bad := range []string{`{"errors":[{"message":"no"}],"data":null}`, `{"data":null}`, `<html>`, ``} {
		if _, err := loadtest.FingerprintOf([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestHasGraphQLErrors(t *testing.T) {
	for body, want := range map[string]bool{
		ours: false,
		`{"data":{"x":1},"errors":[{"message":"partial"}]}`:  true,
		`{"errors":[{"message":"no"}]}`:                      true,
		`{"data":{"errors":"a field named so"},"errors":[]}`: false,
		`{"errors":`: true,
		``:           true,
	} {
		if got := loadtest.HasGraphQLErrors([]byte(body)); got != want {
			t.Errorf("%q: %v, want %v", body, got, want)
		}
	}
}

// TestRunRead drives a server that answers in turn OK, status 500 and a GraphQL error: every timed
// request must be counted once in its class, the bytes must add up, and only OK requests are
// timed.
func TestRunRead(t *testing.T) {
	const (
		okBody  = `{"data":{"a":{"id":"1"}}}`
		errBody = `{"data":null,"errors":[{"message":"bad"}]}`
		failure = `internal`
	)
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" || r.Method != http.MethodPost {
			http.Error(w, "unauthorised", http.StatusUnauthorized)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if string(body) != `{"query":"{a{id}}"}` {
			http.Error(w, "wrong body "+string(body), http.StatusBadRequest)
			return
		}
		switch n.Add(1) % 3 {
		case 0:
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, failure)
		case 1:
			fmt.Fprint(w, okBody)
		default:
			fmt.Fprint(w, errBody)
		}
	}))
	defer srv.Close()
	res, err := loadtest.RunRead(context.Background(), loadtest.ReadOptions{URL: srv.URL, Token: "tok",
		Body: []byte(`{"query":"{a{id}}"}`), Clients: 3, Duration: 300 * time.Millisecond, Warmup: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK == 0 || res.Non200 == 0 || res.GraphQLErrors == 0 || res.Failed != 0 {
		t.Fatalf("ok %d, non-200 %d, GraphQL errors %d, no answer %d: want each class but the last", res.OK, res.Non200, res.GraphQLErrors, res.Failed)
	}
	if res.OK+res.Errors() != res.Requests {
		t.Fatalf("%d ok + %d errors != %d requests", res.OK, res.Errors(), res.Requests)
	}
	if want := res.OK*int64(len(okBody)) + res.Non200*int64(len(failure)) + res.GraphQLErrors*int64(len(errBody)); res.Bytes != want {
		t.Fatalf("bytes %d, want %d", res.Bytes, want)
	}
	if res.P50 <= 0 || res.P50 > res.P90 || res.P90 > res.P99 || res.P99 > res.Max {
		t.Fatalf("latencies out of order: %s %s %s %s", res.P50, res.P90, res.P99, res.Max)
	}
	if served := n.Load(); served < res.Requests {
		t.Fatalf("the server answered %d requests, the client counted %d", served, res.Requests)
	}
	if res.FirstError == "" {
		t.Fatal("no first error kept")
	}
}

// TestRunReadDrains: a request still running when the window closes is let finish (a cancelled
// request would leave a peer's database working into the next round) and not counted.
func TestRunReadDrains(t *testing.T) {
	var cancelled, finished atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(300 * time.Millisecond): // a slow server, longer than the window
			finished.Add(1)
			fmt.Fprint(w, `{"data":{}}`)
		case <-r.Context().Done():
			cancelled.Add(1)
		}
	}))
	defer srv.Close()
	res, err := loadtest.RunRead(context.Background(), loadtest.ReadOptions{URL: srv.URL, Body: []byte(`{}`),
		Clients: 2, Duration: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 0 || res.Drain <= 0 {
		t.Fatalf("%d requests counted, drained in %s: want 0 and a drain", res.Requests, res.Drain)
	}
	srv.Close() // waits for the handlers
	if cancelled.Load() != 0 || finished.Load() != 2 {
		t.Fatalf("%d requests cancelled, %d finished: want 0 and 2", cancelled.Load(), finished.Load())
	}
}
