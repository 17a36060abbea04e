package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/rosterimport"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/roster"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// queueImport asks for an import and returns its id without waiting for it.
func queueImport(t *testing.T, api *testutil.API, uploadID string, scope map[string]any) string {
	t.Helper()
	var q struct {
		RosterImport struct {
			RosterImport *struct{ ID string }
			UserErrors   userErrors
		}
	}
	api.Query(t, `mutation($in: RosterImportInput!) { rosterImport(input: $in) { rosterImport { id } userErrors { field code } } }`,
		map[string]any{"in": map[string]any{"uploadId": uploadID, "scope": scope, "mode": "MERGE", "dryRun": false}}).Decode(t, &q)
	if q.RosterImport.RosterImport == nil {
		t.Fatalf("rosterImport: %+v", q)
	}
	return q.RosterImport.RosterImport.ID
}

// importStatus reads an import through the API: its status and failure note.
func importStatus(t *testing.T, api *testutil.API, id string) (status, failure string, created int) {
	t.Helper()
	var n struct {
		Node struct {
			Status   string
			Failure  *string
			ToCreate int
		}
	}
	api.Query(t, `query($id: ID!) { node(id: $id) { ... on RosterImport { status failure toCreate } } }`,
		map[string]any{"id": id}, "Accept-Language", "en").Decode(t, &n)
	f := ""
	if n.Node.Failure != nil {
		f = *n.Node.Failure
	}
	return n.Node.Status, f, n.Node.ToCreate
}

// awaitImport polls an import until its status is one of want.
func awaitImport(t *testing.T, api *testutil.API, id string, within time.Duration, want ...string) (string, string, int) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		st, f, n := importStatus(t, api, id)
		for _, w := range want {
			if st == w {
				return st, f, n
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("import %s still %s (%s) after %s, want %v", id, st, f, within, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// supervisorOn signs the province supervisor login in on api.
func supervisorOn(t *testing.T, api *testutil.API, login string) *testutil.API {
	t.Helper()
	access, _ := api.Login(t, login, testutil.Password)
	return api.As(access)
}

func bigRoster(rows int) []byte {
	var b strings.Builder
	for i := range rows {
		fmt.Fprintf(&b, "U%d,J-%06d,Lê Văn %d,Chuyên viên,CONG_CHUC,2024-01-15,,\n", 1+i%3, i, i)
	}
	return csvFile(strings.TrimSuffix(b.String(), "\n"))
}

// TestRosterImportCrashRestart: an import whose process died while it ran (its job left running
// by a client that is gone) is not left RUNNING: a new process takes the job back and runs it to
// its end, once; an import whose last attempt died that way ends FAILED with a reason.
func TestRosterImportCrashRestart(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		f := newOrgFixture(t, dia)
		f.api.Close() // the processes of this test are its own
		sys := authz.System(context.Background(), authz.SysTestFixture)
		prov := map[string]any{"provinceId": f.prov[0]}
		// A process that only enqueues (JOBS_RUN=false) takes two imports.
		blobs := t.TempDir() // the processes share the uploaded files
		front := testutil.NewAPI(t, f.db, testutil.Config(t, map[string]string{"JOBS_RUN": "false", "BLOB_DIR": blobs}))
		login := testutil.Account(t, f.db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeProvince, ID: f.prov[0]}, "")
		sup := supervisorOn(t, front, login)
		resumed := queueImport(t, sup, uploadRoster(t, sup, "text/csv", csvFile("U1,C-1,Phạm Một,,CONG_CHUC,2024-01-15,,")), prov)
		lost := queueImport(t, sup, uploadRoster(t, sup, "text/csv", csvFile("U2,C-2,Phạm Hai,,CONG_CHUC,2024-01-15,,")), prov)
		// Both were being worked by a process that died an hour ago: the first at its first
		// attempt, the second at its last.
		ago, byImport := "now() - interval '1 hour'", "args->>'import_id'"
		if dia != "postgres" {
			ago, byImport = "strftime('%Y-%m-%d %H:%M:%f', 'now', '-1 hour')", "json_extract(args, '$.import_id')"
		}
		for id, attempt := range map[string]int{resumed: 1, lost: roster.Attempts} {
			res, err := f.db.SQL.ExecContext(sys, fmt.Sprintf(`UPDATE river_job SET state = 'running', attempt = %d, attempted_at = %s
				WHERE kind = 'roster_import' AND %s = '%s'`, attempt, ago, byImport, id))
			if n, _ := res.RowsAffected(); err != nil || n != 1 {
				t.Fatalf("set up the job of %s: %d rows, %v", id, n, err)
			}
			f.db.Client.RosterImport.UpdateOneID(id).SetStatus(rosterimport.StatusRUNNING).SetStartedAt(time.Now().Add(-time.Hour)).ExecX(sys)
		}
		if st, _, _ := importStatus(t, sup, resumed); st != "RUNNING" {
			t.Fatalf("set up: %s", st)
		}
		// A new process starts: it rescues the first and runs it; the second is swept.
		back := testutil.NewAPI(t, f.db, testutil.Config(t, map[string]string{"JOBS_RESCUE_AFTER": "5s", "BLOB_DIR": blobs}))
		sup2 := supervisorOn(t, back, login)
		if st, fail, n := awaitImport(t, sup2, resumed, 90*time.Second, "SUCCEEDED", "FAILED"); st != "SUCCEEDED" || n != 1 || fail != "" {
			t.Fatalf("resumed import: %s %q created %d\n%s", st, fail, n, back.Logs)
		}
		if st, fail, _ := awaitImport(t, sup2, lost, 90*time.Second, "SUCCEEDED", "FAILED"); st != "FAILED" || !strings.Contains(fail, "interrupted") {
			t.Fatalf("lost import: %s %q", st, fail)
		}
		if n := f.db.Client.Official.Query().Where(official.EmployeeCodeIn("C-1", "C-2")).CountX(sys); n != 1 {
			t.Fatalf("%d officials written, want 1 (the resumed import's, once)", n)
		}
		checkCounters(t, f.db)
	})
}

// TestRosterImportShutdown: a server shutting down waits for a running import to finish (within
// JOBS_DRAIN); past it, the import is cancelled, nothing written, handed back PENDING with a note,
// and the next process runs it.
func TestRosterImportShutdown(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		f := newOrgFixture(t, dia)
		f.api.Close() // the processes of this test are its own
		sys := authz.System(context.Background(), authz.SysTestFixture)
		prov := map[string]any{"provinceId": f.prov[0]}
		running := func(id string) {
			t.Helper()
			deadline := time.Now().Add(60 * time.Second)
			for ri := f.db.Client.RosterImport.GetX(sys, id); ri.Status != rosterimport.StatusRUNNING; ri = f.db.Client.RosterImport.GetX(sys, id) {
				if time.Now().After(deadline) || ri.Status == rosterimport.StatusSUCCEEDED || ri.Status == rosterimport.StatusFAILED {
					t.Fatalf("the import never ran: %s %q", ri.Status, ri.Failure)
				}
				time.Sleep(time.Millisecond)
			}
		}
		// Drained: Close returns once the import has finished.
		blobs := t.TempDir()
		api := testutil.NewAPI(t, f.db, testutil.Config(t, map[string]string{"JOBS_DRAIN": "2m", "BLOB_DIR": blobs}))
		login := testutil.Account(t, f.db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeProvince, ID: f.prov[0]}, "")
		sup := supervisorOn(t, api, login)
		id := queueImport(t, sup, uploadRoster(t, sup, "text/csv", bigRoster(3000)), prov)
		running(id)
		api.Close()
		if ri := f.db.Client.RosterImport.GetX(sys, id); ri.Status != rosterimport.StatusSUCCEEDED || ri.ToCreate != 3000 {
			t.Fatalf("after a draining shutdown: %s, %d created, %q\n%s", ri.Status, ri.ToCreate, ri.Failure, api.Logs)
		}
		before := f.db.Client.Official.Query().CountX(sys)

		// Not drained: cancelled, handed back, nothing written; the next process finishes it.
		api = testutil.NewAPI(t, f.db, testutil.Config(t, map[string]string{"JOBS_DRAIN": "1ms", "BLOB_DIR": blobs}))
		sup = supervisorOn(t, api, login)
		data := []byte(strings.ReplaceAll(string(bigRoster(3000)), ",J-", ",K-"))
		id = queueImport(t, sup, uploadRoster(t, sup, "text/csv", data), prov)
		running(id)
		api.Close()
		ri := f.db.Client.RosterImport.GetX(sys, id)
		if ri.Status != rosterimport.StatusPENDING || !strings.Contains(ri.Failure, "interrupted") {
			t.Fatalf("after a cancelled shutdown: %s %q\n%s", ri.Status, ri.Failure, api.Logs)
		}
		if n := f.db.Client.Official.Query().CountX(sys); n != before {
			t.Fatalf("a cancelled import wrote %d officials", n-before)
		}
		next := testutil.NewAPI(t, f.db, testutil.Config(t, map[string]string{"BLOB_DIR": blobs}))
		sup = supervisorOn(t, next, login)
		if st, fail, n := awaitImport(t, sup, id, 90*time.Second, "SUCCEEDED", "FAILED"); st != "SUCCEEDED" || n != 3000 || fail != "" {
			t.Fatalf("handed-back import: %s %q %d", st, fail, n)
		}
		if n := f.db.Client.Official.Query().CountX(sys); n != before+3000 {
			t.Fatalf("%d officials written, want 3000", n-before)
		}
		checkCounters(t, f.db)
	})
}
