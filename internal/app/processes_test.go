package app_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/app"
	"github.com/liemchinh/liemchinh/internal/auth"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/blob/blobtest"
	"github.com/liemchinh/liemchinh/internal/store"
)

// serveChildEnv, set to 1, makes the test binary a server process (TestMain): `liemchinh serve`
// configured by its environment, stopped by SIGTERM; set to migrate, `liemchinh migrate`.
const serveChildEnv = "LIEMCHINH_TEST_SERVE_CHILD"

func serveChild() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	command := "serve"
	if os.Getenv(serveChildEnv) == "migrate" {
		command = "migrate"
	}
	if err := app.Run(ctx, []string{command}, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "liemchinh:", err)
		return 1
	}
	return 0
}

// TestTwoProcesses runs two server processes (this test binary re-executed as `serve`) on one
// PostgreSQL database and one S3 server (gofakes3 over TLS in this process, trusted by the
// servers through SSL_CERT_FILE), as production runs N processes behind a load balancer without
// sticky sessions, both started at once (and so migrating at once, one under the advisory lock):
// an evidence file uploaded through A is downloaded through B, byte for byte, and neither keeps a
// file on its own disk; one client address gets CITIZEN_SUBMIT_RATE's allowance once across both;
// a subscription on B receives the changes made through A; both serve metrics on METRICS_ADDR,
// whose counters moved.
func TestTwoProcesses(t *testing.T) {
	base := os.Getenv("LIEMCHINH_TEST_DATABASE_URL")
	if base == "" {
		t.Skip("LIEMCHINH_TEST_DATABASE_URL is not set: the two-process test needs PostgreSQL")
	}
	dbURL := twoProcessDatabase(t, base)
	s3, cert := blobtest.S3Server(t)
	certFile := filepath.Join(t.TempDir(), "s3-ca.pem")
	if err := os.WriteFile(certFile, cert, 0o600); err != nil {
		t.Fatal(err)
	}
	const submitAllowance = 5
	childEnv := []string{serveChildEnv + "=1", "PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"TMPDIR=" + os.TempDir(), "APP_ENV=test", "DATABASE_URL=" + dbURL, "LISTEN_ADDR=127.0.0.1:0",
		"METRICS_ADDR=127.0.0.1:0", "SEED_DEMO=false", "AUTO_MIGRATE=true",
		"BLOB_URL=s3://" + s3.Bucket + "?endpoint=" + s3.Endpoint + "&region=" + s3.Region,
		"AWS_ACCESS_KEY_ID=test-access", "AWS_SECRET_ACCESS_KEY=test-secret", "SSL_CERT_FILE=" + certFile,
		"CITIZEN_SUBMIT_RATE=" + strconv.Itoa(submitAllowance) + "/10m"}

	type process struct {
		name, base, metrics string
		dir                 string // its working directory, where BLOB_DIR would be
		cmd                 *exec.Cmd
		stderr              *syncBuffer
		done                chan error
	}
	start := func(name string) *process {
		p := &process{name: name, dir: t.TempDir(), stderr: &syncBuffer{}, done: make(chan error, 1)}
		p.cmd = exec.Command(os.Args[0], "-test.run=^$")
		p.cmd.Env, p.cmd.Dir = childEnv, p.dir
		p.cmd.Stdout, p.cmd.Stderr = p.stderr, p.stderr
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { p.done <- p.cmd.Wait() }()
		t.Cleanup(func() { // in case the test stops early; before the database is dropped
			if p.cmd.ProcessState == nil {
				_ = p.cmd.Process.Kill()
				<-p.done
			}
		})
		return p
	}
	began := time.Now()
	a, b := start("A"), start("B") // both migrate the empty database at once
	for _, p := range []*process{a, b} {
		p.base = "http://" + waitForAddr(t, p.stderr, p.done, "listening")
		p.metrics = "http://" + waitForAddr(t, p.stderr, p.done, "metrics listening") + "/metrics"
		if !strings.Contains(p.stderr.String(), `"dialect":"postgres"`) {
			t.Fatalf("%s does not run on PostgreSQL:\n%s", p.name, p.stderr.String())
		}
	}
	t.Logf("two server processes (pids %d, %d) serving after %s", a.cmd.Process.Pid, b.cmd.Process.Pid,
		time.Since(began).Round(time.Millisecond))

	// No mutation creates provinces, units or the first accounts: written directly.
	ctx := authz.System(context.Background(), authz.SysTestFixture)
	db, err := store.Open(ctx, dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	prov := db.Client.Province.Create().SetCode("TP2").SetName("Tỉnh Hai Tiến Trình").
		SetKind(province.KindPROVINCE).SetValidFrom(day).SaveX(ctx)
	un := db.Client.Unit.Create().SetName("UBND Hai Tiến Trình").SetLevel(unit.LevelPROVINCE).
		SetKind(unit.KindPEOPLES_COMMITTEE).SetProvince(prov).SaveX(ctx)
	const login, password = "supervisor.procs@test.vn", "two-process-password"
	hash, err := auth.HashPassword(context.Background(), password)
	if err != nil {
		t.Fatal(err)
	}
	db.Client.Account.Create().SetLogin(login).SetPasswordHash(hash).SetRole(account.RoleSUPERVISOR).
		SetScopeKind(account.ScopeKindPROVINCE).SetScopeProvinceID(prov.ID).ExecX(ctx)
	db.Close()
	var signedIn struct{ Login struct{ AccessToken string } }
	gql(t, b.base, "", `mutation SignIn($l: String!, $p: String!) { login(input: {login: $l, password: $p}) { accessToken } }`,
		map[string]any{"l": login, "p": password}, &signedIn)
	token := signedIn.Login.AccessToken
	if token == "" {
		t.Fatal("no token from B")
	}

	// Evidence: uploaded through A, into the shared bucket.
	file := noisePNG(t)
	sum := sha256.Sum256(file)
	var up struct {
		EvidenceUploadCreate struct{ UploadID, UploadPath string }
	}
	gql(t, a.base, "", `mutation Upload($in: EvidenceUploadCreateInput!) { evidenceUploadCreate(input: $in) { uploadId uploadPath } }`,
		map[string]any{"in": map[string]any{"contentType": "image/png", "size": len(file), "sha256": hex.EncodeToString(sum[:])}}, &up)
	req, _ := http.NewRequest(http.MethodPut, a.base+up.EvidenceUploadCreate.UploadPath, bytes.NewReader(file))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT on A: %d %s", resp.StatusCode, body)
	}

	// The citizen limit: one address (127.0.0.1) submits to A and B in turn, the first time with
	// the evidence file. The allowance is the same as one process's, whichever process counts.
	type tracked struct{ code, secret string }
	var cases []tracked
	allowed := map[string]int{}
	const attempts = 3 * submitAllowance
	for i := range attempts {
		p := []*process{a, b}[i%2]
		in := map[string]any{"channel": "DENUNCIATION", "unitId": un.ID, "category": "NO_CORRUPTION",
			"description": "Nhũng nhiễu khi cấp giấy phép xây dựng", "idempotencyKey": randomName(t) + randomName(t),
			"reporter": map[string]any{"name": "Người Báo Tin " + randomName(t), "phone": "0912345678"}}
		if i == 0 {
			in["uploadIds"] = []string{up.EvidenceUploadCreate.UploadID}
		}
		data, code := postCode(t, p.base, "", `mutation Submit($in: CaseSubmitInput!) { caseSubmit(input: $in) { trackingCode secret userErrors { code message } } }`,
			map[string]any{"in": in})
		switch code {
		case "":
			var out struct {
				CaseSubmit struct {
					TrackingCode, Secret *string
					UserErrors           []struct{ Code, Message string }
				}
			}
			if err := json.Unmarshal(data, &out); err != nil || out.CaseSubmit.TrackingCode == nil {
				t.Fatalf("caseSubmit %d on %s: %s", i+1, p.name, data)
			}
			cases = append(cases, tracked{*out.CaseSubmit.TrackingCode, *out.CaseSubmit.Secret})
			allowed[p.name]++
		case "RATE_LIMITED":
		default:
			t.Fatalf("caseSubmit %d on %s: %s", i+1, p.name, code)
		}
	}
	t.Logf("one address, %d submissions alternating A and B: %d allowed (A %d, B %d), CITIZEN_SUBMIT_RATE %d/10m",
		attempts, len(cases), allowed["A"], allowed["B"], submitAllowance)
	if len(cases) != submitAllowance || allowed["A"] == 0 || allowed["B"] == 0 {
		t.Fatalf("allowed %d submissions (A %d, B %d), want %d across both, some on each",
			len(cases), allowed["A"], allowed["B"], submitAllowance)
	}

	// The evidence, downloaded through B by the citizen: the bytes sent to A.
	var ev struct {
		CaseByTracking struct{ Evidence []struct{ ID string } }
	}
	gql(t, b.base, "", `query Track($c: String!, $s: String!) { caseByTracking(trackingCode: $c, secret: $s) { evidence { id } } }`,
		map[string]any{"c": cases[0].code, "s": cases[0].secret}, &ev)
	if len(ev.CaseByTracking.Evidence) != 1 {
		t.Fatalf("evidence tracked on B: %+v", ev)
	}
	req, _ = http.NewRequest(http.MethodGet, b.base+"/evidence/"+ev.CaseByTracking.Evidence[0].ID, nil)
	req.Header.Set("X-Tracking-Code", cases[0].code)
	req.Header.Set("X-Tracking-Secret", cases[0].secret)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, file) {
		t.Fatalf("GET /evidence on B: %d, %d bytes (equal to the %d uploaded to A: %v)", resp.StatusCode, len(got), len(file), bytes.Equal(got, file))
	}
	for _, p := range []*process{a, b} {
		var kept []string
		_ = filepath.WalkDir(p.dir, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				kept = append(kept, path)
			}
			return nil
		})
		if len(kept) > 0 {
			t.Errorf("%s wrote files on its own disk with BLOB_URL set: %v", p.name, kept)
		}
	}

	// Live updates: the supervisor subscribes on B; each case is accepted through A.
	ids := make([]string, len(cases))
	for i, c := range cases {
		var found struct {
			Cases struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		gql(t, a.base, token, `query Find($s: String!) { cases(search: $s, first: 2) { edges { node { id } } } }`,
			map[string]any{"s": c.code}, &found)
		if len(found.Cases.Edges) != 1 {
			t.Fatalf("cases(search: %s) on A: %+v", c.code, found)
		}
		ids[i] = found.Cases.Edges[0].Node.ID
	}
	sub := dialSubscriber(t, b.base, token)
	sub.subscribe(t, `subscription Watch { caseEvents { caseId kind state occurredAt } }`)
	sub.live(t, ids[0], func() {
		var out struct {
			CaseMessageSend struct {
				UserErrors []struct{ Code, Message string }
			}
		}
		gql(t, a.base, "", `mutation Poke($c: String!, $s: String!) { caseMessageSend(input: {trackingCode: $c, secret: $s, body: "Bắt tay"}) {
			userErrors { code message } } }`, map[string]any{"c": cases[0].code, "s": cases[0].secret}, &out)
		if len(out.CaseMessageSend.UserErrors) > 0 {
			t.Fatalf("caseMessageSend on A: %+v", out.CaseMessageSend.UserErrors)
		}
	})
	var delays, trips []time.Duration
	for _, id := range ids {
		var out struct {
			CaseAccept struct{ Case *struct{ State string } }
		}
		sent := time.Now()
		gql(t, a.base, token, `mutation Accept($id: ID!) { caseAccept(input: {caseId: $id}) { case { state } } }`,
			map[string]any{"id": id}, &out)
		trips = append(trips, time.Since(sent))
		if out.CaseAccept.Case == nil || out.CaseAccept.Case.State != "ACCEPTED" {
			t.Fatalf("caseAccept on A: %+v", out.CaseAccept)
		}
		e := sub.next(t)
		if e.CaseID == nil || *e.CaseID != id || e.Kind != "ACCEPTED" {
			t.Fatalf("B received %+v, want ACCEPTED of %s", e, id)
		}
		delays = append(delays, e.at.Sub(sent))
	}
	t.Logf("caseAccept sent to process A -> event received by a subscriber of process B, over %d cases: median %s (min %s, max %s); caseAccept's round trip on A: median %s",
		len(delays), median(delays), slices.Min(delays), slices.Max(delays), median(trips))
	sub.close()

	// Metrics on each process's METRICS_ADDR: its own counters moved.
	for _, p := range []*process{a, b} {
		m := scrape(t, p.metrics)
		ops := m[`liemchinh_graphql_operations_total{operation="Submit",outcome="ok",type="mutation"}`]
		refused := m[`liemchinh_rate_limited_total{route="/query"}`]
		if ops < 1 || refused < 1 {
			t.Errorf("%s's metrics: caseSubmit ok %v, rate-limited %v; want both counted", p.name, ops, refused)
		}
		t.Logf("%s's metrics: Submit ok %v, rate limited %v", p.name, ops, refused)
	}
	if m := scrape(t, a.metrics); m[`liemchinh_graphql_operations_total{operation="Accept",outcome="ok",type="mutation"}`] != float64(len(ids)) {
		t.Errorf("A counted %v caseAccept, want %d", m[`liemchinh_graphql_operations_total{operation="Accept",outcome="ok",type="mutation"}`], len(ids))
	}

	for _, p := range []*process{b, a} {
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-p.done:
			if err != nil {
				t.Fatalf("%s exited with %v\n%s", p.name, err, p.stderr.String())
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s did not stop on SIGTERM", p.name)
		}
	}
}

// postCode sends a GraphQL operation and returns its data and the first error's code ("" without).
func postCode(t *testing.T, base, token, query string, vars map[string]any) (json.RawMessage, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, base+"/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Data   json.RawMessage
		Errors []struct {
			Extensions struct{ Code string }
		}
	}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("%s: %v %s", base, err, raw)
	}
	if len(r.Errors) > 0 {
		if r.Errors[0].Extensions.Code == "" {
			return r.Data, "ERROR " + string(raw)
		}
		return r.Data, r.Errors[0].Extensions.Code
	}
	return r.Data, ""
}

// scrape returns the samples of a Prometheus text exposition by their name and labels.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	if resp.StatusCode != http.StatusOK || len(out) == 0 {
		t.Fatalf("GET %s: %d, %d samples", url, resp.StatusCode, len(out))
	}
	return out
}

// noisePNG is a PNG of random pixels (about 190 KB) without metadata: the sanitizer keeps it as it is.
func noisePNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 220, 220))
	r := rand.New(rand.NewPCG(1, 2))
	for y := range 220 {
		for x := range 220 {
			img.Set(x, y, color.RGBA{uint8(r.Uint32()), uint8(r.Uint32()), uint8(r.Uint32()), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
