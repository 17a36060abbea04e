package loadtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ReadOptions of a read run: one GraphQL request sent over and over by Clients concurrent clients
// to any GraphQL server (ours or a peer such as PostGraphile), for Warmup untimed and then Duration.
type ReadOptions struct {
	URL      string // the GraphQL endpoint, path included
	Token    string // sent as Authorization: Bearer when not empty
	Body     []byte // the JSON request body: {"query": ..., "variables": ...}
	Clients  int
	Duration time.Duration
	Warmup   time.Duration
	Client   *http.Client
}

// ReadResult is what a read run measured. Only requests answered with status 200 and no GraphQL
// errors count as OK and enter the latencies.
type ReadResult struct {
	Requests, OK                  int64
	Non200, GraphQLErrors, Failed int64         // Failed: no answer (connection error, timeout)
	Bytes                         int64         // response bodies of the timed requests
	Elapsed                       time.Duration // the timed window
	Drain                         time.Duration // how long the requests in flight at its end took to finish
	P50, P90, P99, Max            time.Duration
	FirstError                    string
}

// Errors is every request that was not OK.
func (r ReadResult) Errors() int64 { return r.Non200 + r.GraphQLErrors + r.Failed }

// Throughput is OK requests per second.
func (r ReadResult) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.OK) / r.Elapsed.Seconds()
}

// NewReadClient returns an HTTP client keeping one idle connection per load client.
func NewReadClient(clients int) *http.Client {
	return &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		MaxIdleConns: clients, MaxIdleConnsPerHost: clients, IdleConnTimeout: 90 * time.Second,
	}}
}

// Do sends the request once and returns the status and body.
func (o ReadOptions) Do(ctx context.Context) (int, []byte, error) {
	client := o.Client
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.URL, bytes.NewReader(o.Body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if o.Token != "" {
		req.Header.Set("Authorization", "Bearer "+o.Token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

// RunRead sends opt.Body from opt.Clients clients in a closed loop for opt.Warmup then
// opt.Duration, and counts the requests that complete inside the timed window (steady state: a
// request started in the warm-up that ends in the window counts). After the window no request is
// started, and those in flight are let finish uncounted rather than cancelled: a peer that goes on
// working on abandoned requests (PostgreSQL does, when the client of a query goes away) would
// otherwise still load the machine during the next round of an interleaved run.
func RunRead(ctx context.Context, opt ReadOptions) (ReadResult, error) {
	if opt.Clients < 1 || opt.Duration <= 0 || opt.Warmup < 0 {
		return ReadResult{}, fmt.Errorf("loadtest: clients must be 1 or more, the duration positive and the warm-up 0 or more")
	}
	if opt.Client == nil {
		opt.Client = NewReadClient(opt.Clients)
	}
	var (
		res       ReadResult
		mu        sync.Mutex
		latencies []time.Duration
		wg        sync.WaitGroup
	)
	from := time.Now().Add(opt.Warmup)
	until := from.Add(opt.Duration)
	for range opt.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			var bytesRead int64
			for ctx.Err() == nil && time.Now().Before(until) {
				t0 := time.Now()
				status, raw, err := opt.Do(ctx)
				t1 := time.Now()
				if t1.Before(from) || t1.After(until) || ctx.Err() != nil {
					continue // warm-up, or after the window: not counted
				}
				atomic.AddInt64(&res.Requests, 1)
				bytesRead += int64(len(raw))
				var msg string
				switch {
				case err != nil:
					atomic.AddInt64(&res.Failed, 1)
					msg = err.Error()
				case status != http.StatusOK:
					atomic.AddInt64(&res.Non200, 1)
					msg = fmt.Sprintf("status %d: %.300s", status, raw)
				case HasGraphQLErrors(raw):
					atomic.AddInt64(&res.GraphQLErrors, 1)
					msg = fmt.Sprintf("%.300s", raw)
				default:
					atomic.AddInt64(&res.OK, 1)
					mine = append(mine, t1.Sub(t0))
					continue
				}
				mu.Lock()
				if res.FirstError == "" {
					res.FirstError = msg
				}
				mu.Unlock()
			}
			atomic.AddInt64(&res.Bytes, bytesRead)
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return res, err
	}
	res.Elapsed = opt.Duration
	res.Drain = max(time.Since(until), 0)
	slices.Sort(latencies)
	res.P50, res.P90, res.P99 = Percentile(latencies, 0.50), Percentile(latencies, 0.90), Percentile(latencies, 0.99)
	if len(latencies) > 0 {
		res.Max = latencies[len(latencies)-1]
	}
	return res, nil
}

// HasGraphQLErrors reports whether a response body has a non-empty top-level "errors" list (or is
// not JSON, or empty). Bodies without the text "errors" are not parsed, to keep the client cheap
// (their data is checked once by FingerprintOf before and after a run).
func HasGraphQLErrors(raw []byte) bool {
	if !bytes.Contains(raw, []byte(`"errors"`)) {
		return len(raw) == 0
	}
	var out struct {
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return true
	}
	return len(out.Errors) > 0
}

// Fingerprint summarises a GraphQL response's data so that two servers with different field names
// (ours: provinces/edges/node; PostGraphile: allProvinces/nodes) can be checked for the same
// payload:
//
//   - a node is a JSON object with a string or number member "id"; its record is its id and the
//     text of each of its scalar members (strings, numbers, booleans; null skipped), names ignored
//     and sorted, except the members nodeId, cursor and __typename (PostGraphile's global id, page
//     cursors and type names differ between servers and say nothing about the rows). Numbers and
//     strings compare by text, so PostGraphile's BigInt "2024" equals our Int 2024.
//   - a count is the value of any member named totalCount.
//
// Hash is the SHA-256 of the sorted node records and the sorted counts: equal hashes mean the
// same rows with the same selected values and the same totals, in whatever order and shape.
type Fingerprint struct {
	Nodes  int
	Counts int
	Hash   string
}

func (f Fingerprint) String() string {
	return fmt.Sprintf("%d nodes, %d totalCounts, sha256 %s", f.Nodes, f.Counts, f.Hash[:16])
}

// FingerprintOf computes the fingerprint of a response body's "data".
func FingerprintOf(raw []byte) (Fingerprint, error) {
	var out struct {
		Data   any               `json:"data"`
		Errors []json.RawMessage `json:"errors"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return Fingerprint{}, fmt.Errorf("response is not JSON: %w: %.200s", err, raw)
	}
	if len(out.Errors) > 0 {
		return Fingerprint{}, fmt.Errorf("response has errors: %.300s", raw)
	}
	if out.Data == nil {
		return Fingerprint{}, fmt.Errorf("response has no data: %.200s", raw)
	}
	var nodes, counts []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			if id, ok := scalarText(v["id"]); ok {
				var vals []string
				for k, f := range v {
					if k == "nodeId" || k == "cursor" || k == "__typename" || k == "id" {
						continue
					}
					if s, ok := scalarText(f); ok {
						vals = append(vals, s)
					}
				}
				slices.Sort(vals)
				nodes = append(nodes, strconv.Quote(id)+":"+quoteAll(vals))
			}
			for k, f := range v {
				if k == "totalCount" {
					if s, ok := scalarText(f); ok {
						counts = append(counts, s)
					}
					continue
				}
				walk(f)
			}
		}
	}
	walk(out.Data)
	slices.Sort(nodes)
	slices.Sort(counts)
	h := sha256.New()
	for _, n := range nodes {
		fmt.Fprintln(h, "node", n)
	}
	for _, c := range counts {
		fmt.Fprintln(h, "count", c)
	}
	return Fingerprint{Nodes: len(nodes), Counts: len(counts), Hash: hex.EncodeToString(h.Sum(nil))}, nil
}

func scalarText(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

func quoteAll(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ",")
}
