package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent/activationcode"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// smsGateway is an HTTP SMS gateway (the protocol SMS_GATEWAY_URL speaks) that refuses its first
// request with 503, as a gateway briefly down does.
type smsGateway struct {
	mu       sync.Mutex
	requests int
	got      []map[string]string
}

func (g *smsGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.requests++
	if g.requests == 1 {
		http.Error(w, "try later", http.StatusServiceUnavailable)
		return
	}
	var m map[string]string
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	g.got = append(g.got, m)
}

func (g *smsGateway) messages() []map[string]string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]map[string]string(nil), g.got...)
}

// TestCodeDeliveryJobs: a code issued to be sent in a mutation that is rolled back sends nothing
// (no code, no job); one committed is sent through the SMS gateway, retried after the gateway's
// refusal, and the code received activates the account. The queue never holds the code.
func TestCodeDeliveryJobs(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		gw := &smsGateway{}
		srv := httptest.NewServer(gw)
		defer srv.Close()
		cfg := testutil.Config(t, map[string]string{"SMS_GATEWAY_URL": srv.URL})
		api := testutil.NewAPI(t, db, cfg)
		w := testutil.NewWorld(t, db, cfg)
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		db.Client.Official.UpdateOneID(w.A.Clerk).SetContactPhone("+84907654321").ExecX(ctx)
		access, _ := api.Login(t, w.Logins["unitManager"], testutil.Password)
		um := api.As(access)
		codes := func() int {
			return db.Client.ActivationCode.Query().Where(activationcode.PurposeEQ(activationcode.PurposeACTIVATION)).CountX(ctx)
		}
		jobs := func() int {
			var n int
			if err := db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM river_job WHERE kind = 'code_delivery'").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := codes()

		// Rolled back: the same operation also asks for something the manager may not do.
		r := um.Query(t, `mutation($o: ID!, $p: ID!) {
			a: activationCodeIssue(input: {officialId: $o, send: true}) { sent }
			b: rosterImport(input: {uploadId: "none", scope: {provinceId: $p}, mode: MERGE, dryRun: true}) { rosterImport { id } } }`,
			map[string]any{"o": w.A.Clerk, "p": w.B.Province})
		if r.Code() == "" {
			t.Fatalf("the operation was not refused: %s", r.Raw)
		}
		if n := codes(); n != before {
			t.Fatalf("a rolled-back issue left %d codes", n-before)
		}
		if n := jobs(); n != 0 {
			t.Fatalf("a rolled-back issue left %d delivery jobs", n)
		}

		// Committed: sent, after one refusal by the gateway.
		var out struct{ ActivationCodeIssue struct{ Sent bool } }
		um.Query(t, `mutation($o: ID!) { activationCodeIssue(input: {officialId: $o, send: true}) { sent } }`,
			map[string]any{"o": w.A.Clerk}).Decode(t, &out)
		if !out.ActivationCodeIssue.Sent || jobs() != 1 {
			t.Fatalf("issue: %+v, %d jobs", out, jobs())
		}
		var args string
		argsText := "CAST(args AS TEXT)"
		if dia != "postgres" {
			argsText = "json(args)" // stored as JSONB
		}
		if err := db.SQL.QueryRowContext(ctx, "SELECT "+argsText+" FROM river_job WHERE kind = 'code_delivery'").Scan(&args); err != nil || !strings.Contains(args, "code_id") {
			t.Fatalf("the job's arguments: %q, %v", args, err)
		}
		deadline := time.Now().Add(60 * time.Second)
		for len(gw.messages()) == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("nothing sent after 60 s (%d requests)", gw.requests)
			}
			time.Sleep(100 * time.Millisecond)
		}
		got := gw.messages()
		code := codeInText.FindString(got[0]["text"])
		if len(got) != 1 || got[0]["to"] != "+84907654321" || code == "" || gw.requests != 2 {
			t.Fatalf("sent: %+v after %d requests", got, gw.requests)
		}
		if strings.Contains(args, code) || strings.Contains(args, strings.ReplaceAll(code, "-", "")) {
			t.Fatalf("the job's arguments hold the code: %s", args)
		}
		if res := activate(t, api, w.Logins["official"], code, "the clerk's new passphrase"); res.AccountActivate.AccessToken == nil {
			t.Fatalf("the code sent does not activate: %+v", res.AccountActivate)
		}
	})
}
