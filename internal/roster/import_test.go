package roster_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/rosterimport"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/blob"
	"github.com/liemchinh/liemchinh/internal/namesearch"
	"github.com/liemchinh/liemchinh/internal/orgchart"
	"github.com/liemchinh/liemchinh/internal/progress"
	"github.com/liemchinh/liemchinh/internal/roster"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// TestImportKeepsKeysAndCounters: after each of a series of imports through the service (new
// officials, renames, moves, both, starts moved, ends set, FULL mode's ends), the name keys are
// exactly those a from-scratch Backfill writes, and the progress counters (which the import
// makes follow only the officials whose unit, dates or history change) agree with a rebuild.
func TestImportKeepsKeysAndCounters(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		testutil.Org(t, db.Client, testutil.Shape{Provinces: 1, Districts: 2, Units: 3, Officials: 12, Pledges: 1})
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		us := db.Client.Unit.Query().Order(ent.Asc(unit.FieldName)).AllX(ctx)
		codes := make([]string, len(us))
		codeOf := map[string]string{}
		for i, u := range us {
			codes[i] = fmt.Sprintf("U%02d", i+1)
			codeOf[u.ID] = codes[i]
			db.Client.Unit.UpdateOne(u).SetCode(codes[i]).ExecX(ctx)
		}
		prog := progress.New(db.DB, nil)
		if err := prog.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		blobs, err := blob.NewDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		svc := roster.New(db.DB, blobs, prog, nil, nil)
		sc := authz.Scope{Kind: authz.ScopeProvince, ID: us[0].ProvinceID}
		names := []string{"Văn Thị Vân", "Nguyễn Thị Nguyệt", "An An", "Lê Văn Lê"}
		moved := map[string]bool{} // officials with more than one assignment: their start stays
		for seed := uint64(1); seed <= 5; seed++ {
			r := rand.New(rand.NewPCG(seed, 7))
			mode := roster.Merge
			if seed%2 == 0 {
				mode = roster.Full
			}
			offs := db.Client.Official.Query().Where(official.ActiveToIsNil()).Order(ent.Asc(official.FieldEmployeeCode)).AllX(ctx)
			var lines []string
			for _, o := range offs {
				unitCode, name, pos, start, end := codeOf[o.UnitID], o.FullName, o.Position, orgchart.Day(o.ActiveFrom), ""
				move := func() {
					unitCode = codes[(slices.Index(codes, unitCode)+1+r.IntN(len(codes)-1))%len(codes)]
					moved[o.ID] = true
				}
				switch r.IntN(8) {
				case 0: // kept
				case 1:
					name = names[r.IntN(len(names))]
				case 2:
					move()
				case 3:
					name = names[r.IntN(len(names))] + " " + name
					move()
				case 4:
					if !moved[o.ID] {
						start = start.AddDate(0, r.IntN(12)+1, 0)
					}
				case 5:
					end = time.Now().AddDate(0, 2, 0).Format(time.DateOnly)
				case 6:
					pos = "Chuyên viên chính"
				case 7:
					if mode == roster.Full {
						continue // left out: ended
					}
				}
				lines = append(lines, strings.Join([]string{unitCode, o.EmployeeCode, name, pos, string(o.Category),
					start.Format(time.DateOnly), end, ""}, ","))
			}
			for i := range r.IntN(5) + 1 {
				lines = append(lines, fmt.Sprintf("%s,NEW-%d-%d,%s %d,,CAN_BO,2024-03-0%d,,", codes[r.IntN(len(codes))], seed, i,
					names[r.IntN(len(names))], i, 1+i))
			}
			file := []byte("Mã đơn vị,Mã cán bộ,Họ và tên,Chức vụ,Loại,Ngày bắt đầu,Ngày kết thúc,Liên hệ\n" + strings.Join(lines, "\n") + "\n")
			ri, err := svc.Local(ctx, roster.Request{Scope: sc, Mode: mode}, roster.CSV, file)
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			if ri.Status != rosterimport.StatusSUCCEEDED || ri.ErrorCount > 0 {
				t.Fatalf("seed %d: %s, %d errors: %+v", seed, ri.Status, ri.ErrorCount, roster.Issues(ri))
			}
			if ri.ToUpdate+ri.ToTransfer == 0 || ri.ToCreate == 0 {
				t.Fatalf("seed %d changes too little: %+v", seed, ri)
			}
			diffs, err := prog.Check(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(diffs) > 0 {
				t.Fatalf("seed %d (%d updated, %d transferred, %d ended): counters differ from a rebuild: %q",
					seed, ri.ToUpdate, ri.ToTransfer, ri.ToEnd, diffs)
			}
			imported := nameKeys(t, db)
			if _, err := db.SQL.ExecContext(ctx, `DELETE FROM official_name_keys`); err != nil {
				t.Fatal(err)
			}
			tx, err := db.SQL.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := namesearch.Backfill(ctx, tx, dia); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			if want := nameKeys(t, db); !slices.Equal(imported, want) {
				t.Fatalf("seed %d: the import left %d name keys, a backfill writes %d:\n%q\nwant\n%q", seed, len(imported), len(want), imported, want)
			}
			t.Logf("seed %d %s: %d created, %d updated, %d transferred, %d ended; %d name keys", seed, mode,
				ri.ToCreate, ri.ToUpdate, ri.ToTransfer, ri.ToEnd, len(imported))
		}
	})
}

// nameKeys is the name keys table as text, in a stable order.
func nameKeys(t *testing.T, db *testutil.DB) []string {
	t.Helper()
	rows, err := db.SQL.QueryContext(context.Background(), `SELECT key, overlap, official_id, unit_id FROM official_name_keys ORDER BY key, official_id, overlap`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k, o, u string
		var overlap int
		if err := rows.Scan(&k, &overlap, &o, &u); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s|%d|%s|%s", k, overlap, o, u))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
