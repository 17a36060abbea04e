package server_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/internal/store"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// TestReadReplica runs the server with DATABASE_READ_URL on a real streaming standby of the test
// PostgreSQL server, made on this machine with pg_basebackup. With the standby's replay paused, an
// official signs a pledge: the official's own list (primary) shows it at once, a supervisor's
// pledges list (lag-tolerant) does not until replay resumes, the supervisor's node(id) (not
// lag-tolerant) does; and a standby lagging more than its maximum is passed over for the primary.
func TestReadReplica(t *testing.T) {
	repl := testutil.StartReplication(t) // skips, saying why, where no standby can be made
	ctx := context.Background()
	pdb, err := sql.Open("postgres", repl.PrimaryURL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer pdb.Close()
	if _, err := pdb.ExecContext(ctx, "CREATE DATABASE liemchinh"); err != nil {
		t.Fatal(err)
	}
	sdb, err := sql.Open("postgres", repl.StandbyURL("liemchinh"))
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	waitFor(t, 30*time.Second, "the database on the standby", func() bool { return sdb.Ping() == nil })

	rdb, err := store.OpenReplicated(ctx, repl.PrimaryURL("liemchinh"), repl.StandbyURL("liemchinh"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	if rdb.Replica == nil {
		t.Fatal("no replica opened")
	}
	start := time.Now()
	if err := rdb.Migrate(ctx, nil); err != nil {
		t.Fatal(err)
	}
	t.Logf("migrated in %s", time.Since(start).Round(time.Millisecond))
	rdb.Replica.SetMaxLag(10 * time.Minute) // replay is paused below for as long as the checks take
	db := &testutil.DB{DB: rdb, URL: repl.PrimaryURL("liemchinh"), Counter: &testutil.Counter{}}
	cfg := testutil.Config(t, nil)
	w := testutil.NewWorld(t, db, cfg)
	api := testutil.NewAPI(t, db, cfg)
	official := api.As(loginAs(t, api, w.Logins["official"]))
	supervisor := api.As(loginAs(t, api, w.Logins["provinceSupervisor"]))
	repl.Catchup(t, pdb, sdb)
	if err := rdb.Replica.Check(ctx); err != nil || !rdb.Replica.Usable() {
		t.Fatalf("the standby is not usable after catching up: %v (lag %s)", err, rdb.Replica.Lag())
	}

	pledgeIDs := func(api *testutil.API) ([]string, int) {
		t.Helper()
		var out struct {
			Pledges struct {
				TotalCount int
				Edges      []struct{ Node struct{ ID string } }
			}
		}
		api.Query(t, `{ pledges(first: 100) { totalCount edges { node { id } } } }`, nil).Decode(t, &out)
		var ids []string
		for _, e := range out.Pledges.Edges {
			ids = append(ids, e.Node.ID)
		}
		return ids, out.Pledges.TotalCount
	}
	before, total := pledgeIDs(supervisor)
	if len(before) == 0 || total != len(before) {
		t.Fatalf("the supervisor's pledges before: %v (total %d)", before, total)
	}

	// Replay paused: from now on the standby shows the database as it is now.
	if _, err := sdb.ExecContext(ctx, "SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			if _, err := sdb.ExecContext(ctx, "SELECT pg_wal_replay_resume()"); err != nil {
				t.Error(err)
			}
		}
	}
	defer resume()
	var signed struct {
		PledgeSign struct {
			Pledge     *struct{ ID string }
			UserErrors []struct{ Code, Message string }
		}
	}
	official.Query(t, `mutation($in: PledgeSignInput!) { pledgeSign(input: $in) { pledge { id } userErrors { code message } } }`,
		map[string]any{"in": map[string]any{"campaignId": w.Campaign, "year": time.Now().Year(), "idempotencyKey": "replica-test"}}).Decode(t, &signed)
	if signed.PledgeSign.Pledge == nil {
		t.Fatalf("pledgeSign: %+v", signed.PledgeSign.UserErrors)
	}
	id := signed.PledgeSign.Pledge.ID

	// The official's own read right after the write: the primary's.
	mine, _ := pledgeIDs(official)
	if !slices.Contains(mine, id) {
		t.Fatalf("the official's own pledges %v miss the pledge just signed %s", mine, id)
	}
	// The supervisor's list tolerates the lag: the standby's, which has not replayed the pledge.
	served := rdb.Replica.Served()
	seen, total := pledgeIDs(supervisor)
	if slices.Contains(seen, id) || total != len(before) {
		t.Fatalf("the supervisor's pledges %v (total %d) came from the primary: the standby has not replayed %s", seen, total, id)
	}
	if rdb.Replica.Served() == served {
		t.Fatal("the standby served no statement of the supervisor's list")
	}
	// node(id) is not lag-tolerant: the primary's, even for the supervisor.
	var node struct{ Node *struct{ ID string } }
	supervisor.Query(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}).Decode(t, &node)
	if node.Node == nil || node.Node.ID != id {
		t.Fatalf("the supervisor's node(%s) = %+v, want the pledge (from the primary)", id, node.Node)
	}
	// A standby behind by more than its maximum lag is passed over: the supervisor reads the
	// primary. (Replay is paused and a write is waiting, so the lag only grows.)
	rdb.Replica.SetMaxLag(time.Millisecond)
	time.Sleep(5 * time.Millisecond)
	if err := rdb.Replica.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if rdb.Replica.Usable() {
		t.Fatalf("a standby %s behind is still usable with a maximum lag of 1 ms", rdb.Replica.Lag())
	}
	if seen, _ := pledgeIDs(supervisor); !slices.Contains(seen, id) {
		t.Fatalf("with the standby passed over, the supervisor's pledges %v miss %s", seen, id)
	}

	// Replay resumed: the standby catches up and shows the pledge too.
	resume()
	rdb.Replica.SetMaxLag(10 * time.Minute)
	repl.Catchup(t, pdb, sdb)
	if err := rdb.Replica.Check(ctx); err != nil || !rdb.Replica.Usable() {
		t.Fatalf("the standby is not usable after resuming: %v", err)
	}
	served = rdb.Replica.Served()
	if seen, _ := pledgeIDs(supervisor); !slices.Contains(seen, id) {
		t.Fatalf("after replay the supervisor's pledges %v miss %s", seen, id)
	}
	if rdb.Replica.Served() == served {
		t.Fatal("the standby served no statement after resuming")
	}
	// The open data's raw aggregate (store.DB.Reader) is the standby's too.
	served = rdb.Replica.Served()
	rec := httptest.NewRecorder()
	api.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/open-data/closed-cases/"+time.Now().Format("2006-01")+".csv", nil))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Body.String(), "month,province_code") {
		t.Fatalf("open data: %d %s", rec.Code, rec.Body)
	}
	if rdb.Replica.Served() == served {
		t.Fatal("the standby served no statement of the open data")
	}
	// So are Open311's reads.
	served = rdb.Replica.Served()
	rec = httptest.NewRecorder()
	api.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/open311/v2/requests.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("Open311 requests: %d %s", rec.Code, rec.Body)
	}
	if rdb.Replica.Served() == served {
		t.Fatal("the standby served no statement of Open311's requests")
	}
	// Its figures on /metrics.
	rec = httptest.NewRecorder()
	api.Metrics.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []string{"liemchinh_db_replica_usable 1", "\nliemchinh_db_replica_lag_seconds ",
		`go_sql_open_connections{db_name="liemchinh_replica"}`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if !regexp.MustCompile(`(?m)^liemchinh_db_replica_statements_total [1-9]`).MatchString(rec.Body.String()) {
		t.Error("/metrics counts no statement served by the standby")
	}
	// The standby's own view: a hot standby in recovery, which refuses writes.
	var recovery bool
	if err := sdb.QueryRowContext(ctx, "SELECT pg_is_in_recovery()").Scan(&recovery); err != nil || !recovery {
		t.Fatalf("pg_is_in_recovery() on the standby = %v, %v", recovery, err)
	}
}

func loginAs(t *testing.T, api *testutil.API, login string) string {
	t.Helper()
	access, _ := api.Login(t, login, testutil.Password)
	return access
}

func waitFor(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
