// Package loadtest drives sustained caseSubmit traffic through the real HTTP API and checks that
// nothing was lost: `liemchinh load` (see internal/app).
package loadtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/liemchinh/liemchinh/internal/config"
)

// Options of a run.
type Options struct {
	URL      string // GraphQL endpoint, e.g. http://127.0.0.1:8080/query
	UnitID   string // unit the cases are about
	Clients  int
	Duration time.Duration
	Client   *http.Client
	// LoadTestKey is sent in config.LoadTestHeader: a server outside production configured with
	// it lets these requests skip its per-address limits.
	LoadTestKey string
}

// Result is what a run measured.
type Result struct {
	Marker             string // written in every description, to count the cases afterwards
	Sent, OK, Errors   int64
	Elapsed            time.Duration
	P50, P90, P99, Max time.Duration
	FirstError         string
}

// Throughput is successful submissions per second.
func (r Result) Throughput() float64 { return float64(r.OK) / r.Elapsed.Seconds() }

const submit = `mutation($in: CaseSubmitInput!) { caseSubmit(input: $in) { trackingCode secret userErrors { code message } } }`

// Run sends caseSubmit from opt.Clients concurrent clients for opt.Duration; each request has its
// own idempotency key, and every description carries the run's marker.
func Run(ctx context.Context, opt Options) (Result, error) {
	var m [6]byte
	_, _ = rand.Read(m[:])
	res := Result{Marker: "LOADTEST-" + hex.EncodeToString(m[:])}
	client := opt.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: opt.Clients}}
	}
	ctx, cancel := context.WithTimeout(ctx, opt.Duration)
	defer cancel()
	var (
		mu        sync.Mutex
		latencies []time.Duration
		seq       atomic.Int64
		wg        sync.WaitGroup
	)
	start := time.Now()
	for range opt.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for ctx.Err() == nil {
				n := seq.Add(1)
				body, _ := json.Marshal(map[string]any{"query": submit, "variables": map[string]any{"in": map[string]any{
					"channel": "FEEDBACK", "unitId": opt.UnitID, "category": "NO_BUREAUCRACY",
					"description":    fmt.Sprintf("%s phản ánh số %d: hồ sơ bị chậm trễ nhiều ngày không được giải quyết", res.Marker, n),
					"idempotencyKey": newKey(), // anonymous: 128 random bits at least
				}}})
				t0 := time.Now()
				ok, msg := post(client, opt.URL, opt.LoadTestKey, body)
				d := time.Since(t0)
				if ctx.Err() != nil && !ok {
					break // cut off by the end of the run, not a failure
				}
				atomic.AddInt64(&res.Sent, 1)
				if ok {
					atomic.AddInt64(&res.OK, 1)
					mine = append(mine, d)
				} else {
					atomic.AddInt64(&res.Errors, 1)
					mu.Lock()
					if res.FirstError == "" {
						res.FirstError = msg
					}
					mu.Unlock()
				}
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	slices.Sort(latencies)
	res.P50, res.P90, res.P99 = Percentile(latencies, 0.50), Percentile(latencies, 0.90), Percentile(latencies, 0.99)
	if len(latencies) > 0 {
		res.Max = latencies[len(latencies)-1]
	}
	return res, nil
}

func newKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func post(client *http.Client, url, loadTestKey string, body []byte) (bool, string) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return false, err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	if loadTestKey != "" {
		req.Header.Set(config.LoadTestHeader, loadTestKey)
	}
	resp, err := client.Do(req)
	if err != nil {
		return false, err.Error()
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out struct {
		Data struct {
			CaseSubmit *struct {
				TrackingCode *string
				UserErrors   []struct{ Code, Message string }
			}
		}
		Errors []struct{ Message string }
	}
	if err := json.Unmarshal(raw, &out); err != nil || resp.StatusCode != http.StatusOK {
		return false, fmt.Sprintf("status %d: %.200s", resp.StatusCode, raw)
	}
	if len(out.Errors) > 0 || out.Data.CaseSubmit == nil || out.Data.CaseSubmit.TrackingCode == nil {
		return false, fmt.Sprintf("%.300s", raw)
	}
	return true, ""
}

// Percentile returns the q-quantile (0 < q <= 1) of sorted durations by nearest rank; 0 for none.
func Percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
