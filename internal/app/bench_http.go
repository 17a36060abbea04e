package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/liemchinh/liemchinh/internal/loadtest"
)

// httpTarget is one server under load in `bench http`: its endpoint, its request and how to sign in.
type httpTarget struct {
	label                      string
	url, token                 string
	login, password            string
	queryFile, queryText, vars string
	body                       []byte
	pid                        int // the server's process, whose memory is sampled during the rounds (0: not)
}

func (t *httpTarget) flags(fs *flag.FlagSet, suffix, what string) {
	fs.StringVar(&t.token, "token"+suffix, "", "bearer token for "+what)
	fs.StringVar(&t.login, "login"+suffix, "", "sign in to "+what+" with this login (our login mutation) before each round")
	fs.StringVar(&t.password, "password"+suffix, "", "password for --login"+suffix)
	fs.StringVar(&t.queryFile, "query"+suffix, "", "file holding the GraphQL query for "+what)
	fs.StringVar(&t.queryText, "query-text"+suffix, "", "the GraphQL query for "+what+", inline")
	fs.StringVar(&t.vars, "variables"+suffix, "", "variables for "+what+" as JSON, or @file")
	fs.IntVar(&t.pid, "pid"+suffix, 0, "process id of the server behind "+what+" on this machine: its resident memory (RSS) is sampled every 50 ms during each round and the highest reported")
}

// prepare checks the target's flags and builds its request body.
func (t *httpTarget) prepare(flagSuffix string) error {
	if t.url == "" {
		return fmt.Errorf("bench http: a URL is needed for %s", t.label)
	}
	if (t.queryFile == "") == (t.queryText == "") {
		return fmt.Errorf("bench http: give exactly one of --query%s FILE and --query-text%s QUERY", flagSuffix, flagSuffix)
	}
	if t.token != "" && t.login != "" {
		return fmt.Errorf("bench http: give --token%s or --login%s, not both", flagSuffix, flagSuffix)
	}
	if (t.login == "") != (t.password == "") {
		return fmt.Errorf("bench http: --login%s and --password%s go together", flagSuffix, flagSuffix)
	}
	query := t.queryText
	if t.queryFile != "" {
		b, err := os.ReadFile(t.queryFile)
		if err != nil {
			return fmt.Errorf("bench http: %w", err)
		}
		query = string(b)
	}
	req := map[string]any{"query": query}
	if v := t.vars; v != "" {
		if strings.HasPrefix(v, "@") {
			b, err := os.ReadFile(v[1:])
			if err != nil {
				return fmt.Errorf("bench http: %w", err)
			}
			v = string(b)
		}
		var vars map[string]any
		if err := json.Unmarshal([]byte(v), &vars); err != nil {
			return fmt.Errorf("bench http: --variables%s is not a JSON object: %w", flagSuffix, err)
		}
		req["variables"] = vars
	}
	t.body, _ = json.Marshal(req)
	return nil
}

// options signs in when asked (a fresh access token each round) and returns the run's options.
func (t *httpTarget) options(ctx context.Context, client *http.Client, clients int, duration, warmup time.Duration) (loadtest.ReadOptions, error) {
	opt := loadtest.ReadOptions{URL: t.url, Token: t.token, Body: t.body, Clients: clients, Duration: duration, Warmup: warmup, Client: client}
	if t.login != "" {
		tok, err := httpLogin(ctx, client, t.url, t.login, t.password)
		if err != nil {
			return opt, fmt.Errorf("bench http: sign-in to %s: %w", t.label, err)
		}
		opt.Token = tok
	}
	return opt, nil
}

const loginMutation = `mutation($in: LoginInput!) { login(input: $in) { accessToken userErrors { code message } } }`

func httpLogin(ctx context.Context, client *http.Client, url, login, password string) (string, error) {
	body, _ := json.Marshal(map[string]any{"query": loginMutation, "variables": map[string]any{"in": map[string]any{"login": login, "password": password}}})
	status, raw, err := loadtest.ReadOptions{URL: url, Body: body, Client: client}.Do(ctx)
	if err != nil {
		return "", err
	}
	var out struct {
		Data struct {
			Login struct {
				AccessToken *string
				UserErrors  []struct{ Code, Message string }
			}
		}
	}
	if status != http.StatusOK || json.Unmarshal(raw, &out) != nil || out.Data.Login.AccessToken == nil {
		return "", fmt.Errorf("status %d: %.300s", status, raw)
	}
	return *out.Data.Login.AccessToken, nil
}

// benchHTTP runs `liemchinh bench http`: a load client against any running GraphQL server, or two
// of them in alternating rounds with --interleave.
func benchHTTP(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bench http", flag.ContinueOnError)
	a := &httpTarget{label: "A"}
	b := &httpTarget{label: "B"}
	fs.StringVar(&a.url, "url", "", "GraphQL endpoint of the server, path included (ours: http://127.0.0.1:8080/query; PostGraphile: http://127.0.0.1:5000/graphql)")
	a.flags(fs, "", "--url")
	fs.StringVar(&b.url, "interleave", "", "a second endpoint, measured in rounds alternating with --url (A B A B ...)")
	b.flags(fs, "2", "--interleave (never taken from --url's flags)")
	clients := fs.Int("clients", 10, "concurrent clients")
	duration := fs.Duration("duration", 10*time.Second, "timed length of each round")
	warmup := fs.Duration("warmup", 2*time.Second, "untimed load before each round")
	rounds := fs.Int("rounds", 0, "rounds per target (default 1, or 3 with --interleave)")
	allowDifferent := fs.Bool("allow-different", false, "time the two targets even when their payload fingerprints differ")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench http: unexpected argument %q", fs.Arg(0))
	}
	if *clients < 1 || *duration <= 0 || *warmup < 0 || *rounds < 0 {
		return errors.New("bench http: --clients must be 1 or more, --duration positive, --warmup and --rounds 0 or more")
	}
	targets := []*httpTarget{a}
	if err := a.prepare(""); err != nil {
		return err
	}
	if b.url != "" {
		if err := b.prepare("2"); err != nil {
			return err
		}
		targets = append(targets, b)
	}
	if *rounds == 0 {
		*rounds = 1
		if len(targets) == 2 {
			*rounds = 3
		}
	}
	client := loadtest.NewReadClient(*clients)
	defer client.CloseIdleConnections()

	fmt.Fprintf(stdout, "bench http: %d clients, %d round(s) of %s per target after %s warm-up each\n", *clients, *rounds, *duration, *warmup)
	prints := make([]loadtest.Fingerprint, len(targets))
	for i, t := range targets {
		fp, err := fingerprintTarget(ctx, client, t)
		if err != nil {
			return err
		}
		prints[i] = fp
		fmt.Fprintf(stdout, "%s %s: payload %s\n", t.label, t.url, fp)
	}
	if len(targets) == 2 {
		if prints[0].Hash == prints[1].Hash {
			fmt.Fprintln(stdout, "payloads: equal (same nodes with the same values, same totalCounts)")
		} else {
			fmt.Fprintln(stdout, "payloads: DIFFERENT")
			if !*allowDifferent {
				return errors.New("bench http: the two targets answer different payloads; fix the queries or pass --allow-different")
			}
		}
	}

	results := make([][]loadtest.ReadResult, len(targets))
	peaks := make([]loadtest.RSS, len(targets))
	var failed error
	for r := 1; r <= *rounds; r++ {
		for i, t := range targets {
			opt, err := t.options(ctx, client, *clients, *duration, *warmup)
			if err != nil {
				return err
			}
			var watch *loadtest.RSSWatch
			if t.pid != 0 {
				if watch, err = loadtest.WatchRSS(ctx, t.pid, 50*time.Millisecond); err != nil {
					return fmt.Errorf("bench http: %s: %w", t.label, err)
				}
			}
			res, err := loadtest.RunRead(ctx, opt)
			if watch != nil {
				mem, werr := watch.Stop()
				if err == nil && werr != nil {
					err = fmt.Errorf("bench http: %s: %w", t.label, werr)
				}
				if mem.Current > peaks[i].Current {
					peaks[i] = mem
				}
				fmt.Fprintf(stdout, "round %d %s: server highest %s\n", r, t.label, mem)
			}
			if err != nil {
				return err
			}
			results[i] = append(results[i], res)
			fmt.Fprintf(stdout, "round %d %s: %s\n", r, t.label, formatRead(res))
			if res.Errors() > 0 && failed == nil {
				failed = fmt.Errorf("bench http: %s had %d failed requests, first: %s", t.label, res.Errors(), res.FirstError)
			}
		}
	}
	for i, t := range targets {
		fp, err := fingerprintTarget(ctx, client, t)
		if err != nil {
			return err
		}
		if fp.Hash != prints[i].Hash {
			fmt.Fprintf(stdout, "%s: the payload changed during the run (now %s)\n", t.label, fp)
		}
	}
	med := make([]medians, len(targets))
	for i, t := range targets {
		med[i] = medianOf(results[i])
		m := med[i]
		fmt.Fprintf(stdout, "median %s: %.1f req/s, p50 %s, p90 %s, p99 %s, max %s\n", t.label, m.rps,
			ms(m.p50), ms(m.p90), ms(m.p99), ms(m.max))
		if t.pid != 0 {
			fmt.Fprintf(stdout, "memory %s: highest during the rounds %s\n", t.label, peaks[i])
		}
	}
	if len(targets) == 2 {
		fmt.Fprintf(stdout, "ratio A/B: req/s %.2fx, p50 %.2fx, p90 %.2fx, p99 %.2fx\n", ratio(med[0].rps, med[1].rps),
			ratio(med[0].p50.Seconds(), med[1].p50.Seconds()), ratio(med[0].p90.Seconds(), med[1].p90.Seconds()),
			ratio(med[0].p99.Seconds(), med[1].p99.Seconds()))
	}
	return failed
}

// fingerprintTarget asks the target once and fingerprints its answer (an error answer is an error).
func fingerprintTarget(ctx context.Context, client *http.Client, t *httpTarget) (loadtest.Fingerprint, error) {
	opt, err := t.options(ctx, client, 1, time.Second, 0)
	if err != nil {
		return loadtest.Fingerprint{}, err
	}
	status, raw, err := opt.Do(ctx)
	if err != nil {
		return loadtest.Fingerprint{}, fmt.Errorf("bench http: %s: %w", t.label, err)
	}
	if status != http.StatusOK {
		return loadtest.Fingerprint{}, fmt.Errorf("bench http: %s answered status %d: %.300s", t.label, status, raw)
	}
	fp, err := loadtest.FingerprintOf(raw)
	if err != nil {
		return fp, fmt.Errorf("bench http: %s: %w", t.label, err)
	}
	return fp, nil
}

func formatRead(r loadtest.ReadResult) string {
	perReq := int64(0)
	if r.Requests > 0 {
		perReq = r.Bytes / r.Requests
	}
	return fmt.Sprintf("%.1f req/s (%d ok in %s), p50 %s, p90 %s, p99 %s, max %s, errors %d (non-200 %d, GraphQL %d, no answer %d), %.1f MB read (%d B/request), drained in %s",
		r.Throughput(), r.OK, r.Elapsed.Round(time.Millisecond), ms(r.P50), ms(r.P90), ms(r.P99), ms(r.Max),
		r.Errors(), r.Non200, r.GraphQLErrors, r.Failed, float64(r.Bytes)/1e6, perReq, r.Drain.Round(time.Millisecond))
}

type medians struct {
	rps                float64
	p50, p90, p99, max time.Duration
}

// medianOf takes the median of each figure over the rounds separately.
func medianOf(rs []loadtest.ReadResult) medians {
	pick := func(f func(loadtest.ReadResult) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		slices.Sort(v)
		if n := len(v); n%2 == 1 {
			return v[n/2]
		} else if n > 0 {
			return (v[n/2-1] + v[n/2]) / 2
		}
		return 0
	}
	dur := func(f func(loadtest.ReadResult) time.Duration) time.Duration {
		return time.Duration(pick(func(r loadtest.ReadResult) float64 { return float64(f(r)) }))
	}
	return medians{
		rps: pick(loadtest.ReadResult.Throughput),
		p50: dur(func(r loadtest.ReadResult) time.Duration { return r.P50 }),
		p90: dur(func(r loadtest.ReadResult) time.Duration { return r.P90 }),
		p99: dur(func(r loadtest.ReadResult) time.Duration { return r.P99 }),
		max: dur(func(r loadtest.ReadResult) time.Duration { return r.Max }),
	}
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
