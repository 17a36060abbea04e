package roster_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/orgchart"
	"github.com/liemchinh/liemchinh/internal/roster"
	"github.com/liemchinh/liemchinh/internal/store"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// TestApplyBatchedEqualsRowwise: for rosters drawn at random over a province (officials kept,
// renamed, moved to another unit, their start moved, ended, their end removed, left out of a FULL
// file, new ones; some officials without a recorded history), the set-based apply leaves exactly
// the rows the statement-per-official apply it replaced leaves, in far fewer statements.
func TestApplyBatchedEqualsRowwise(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		testutil.Org(t, db.Client, testutil.Shape{Provinces: 1, Districts: 2, Units: 3, Officials: 12})
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		us := db.Client.Unit.Query().Order(ent.Asc(unit.FieldName)).AllX(ctx)
		codes := make([]string, len(us))
		for i, u := range us {
			codes[i] = fmt.Sprintf("U%02d", i+1)
			db.Client.Unit.UpdateOne(u).SetCode(codes[i]).ExecX(ctx)
		}
		codeOf := map[string]string{}
		for i, u := range us {
			codeOf[u.ID] = codes[i]
		}
		offs := db.Client.Official.Query().Order(ent.Asc(official.FieldEmployeeCode)).AllX(ctx)
		// A third of the officials have no recorded history (from before it was kept), a third one
		// assignment, a third two (in another unit first).
		ins := rebind(dia, `INSERT INTO official_assignments (id, created_at, updated_at, valid_from, valid_to, reason,
			official_assignments, unit_assignments) VALUES (?, ?, ?, ?, ?, 'RECORDED', ?, ?)`)
		for i, o := range offs {
			if _, err := db.SQL.ExecContext(ctx, rebind(dia, "DELETE FROM official_assignments WHERE official_assignments = ?"), o.ID); err != nil {
				t.Fatal(err)
			}
			from := o.ActiveFrom
			switch i % 3 {
			case 2:
				moved := from.AddDate(1, 0, 0)
				if _, err := db.SQL.ExecContext(ctx, ins, fmt.Sprintf("oas_a%04d", i), from, from, from, moved, o.ID, us[(i+1)%len(us)].ID); err != nil {
					t.Fatal(err)
				}
				from = moved
				fallthrough
			case 1:
				if _, err := db.SQL.ExecContext(ctx, ins, fmt.Sprintf("oas_b%04d", i), from, from, from, nil, o.ID, o.UnitID); err != nil {
					t.Fatal(err)
				}
			}
		}
		sc := authz.Scope{Kind: authz.ScopeProvince, ID: us[0].ProvinceID}
		now := time.Now().UTC().Truncate(time.Second)
		day := orgchart.Day(now)
		for seed := uint64(1); seed <= 6; seed++ {
			r := rand.New(rand.NewPCG(seed, 13))
			mode := roster.Merge
			if seed%2 == 0 {
				mode = roster.Full
			}
			var lines []string
			for i, o := range offs {
				twice := i%3 == 2 // the start of an official who moved units is corrected on its own
				unitCode, name, pos, cat := codeOf[o.UnitID], o.FullName, o.Position, string(o.Category)
				start, end := o.ActiveFrom, ""
				switch r.IntN(8) {
				case 0: // kept as it is
				case 1:
					name += " Mới"
				case 2:
					unitCode = codes[r.IntN(len(codes))]
				case 3:
					if !twice {
						start = start.AddDate(0, r.IntN(24)+1, 0)
					}
				case 4:
					end = start.AddDate(r.IntN(5)+2, 2, 0).Format(time.DateOnly)
				case 5: // moved, and started on the import's date (the same day's move rewrites the assignment)
					unitCode = codes[r.IntN(len(codes))]
					if !twice {
						start = day
					}
				case 6:
					if mode == roster.Full {
						continue // left out: FULL ends them
					}
					pos, cat = "Chuyên viên chính", "VIEN_CHUC"
				case 7:
					unitCode, end = codes[r.IntN(len(codes))], day.AddDate(0, 1, 0).Format(time.DateOnly)
				}
				lines = append(lines, strings.Join([]string{unitCode, o.EmployeeCode, name, pos, cat, start.Format(time.DateOnly), end, ""}, ","))
			}
			for i := range r.IntN(20) + 1 {
				lines = append(lines, fmt.Sprintf("%s,NEW-%d-%d,Trần Mới %d,,CAN_BO,2024-03-0%d,,09%08d", codes[r.IntN(len(codes))], seed, i, i, 1+i%9, i))
			}
			file := []byte("Mã đơn vị,Mã cán bộ,Họ và tên,Chức vụ,Loại,Ngày bắt đầu,Ngày kết thúc,Liên hệ\n" + strings.Join(lines, "\n") + "\n")

			var got [2]string
			var counts [2][5]int
			var stmts [2]int
			for k, rowwise := range []bool{true, false} {
				tx, err := db.Client.Tx(ctx)
				if err != nil {
					t.Fatal(err)
				}
				tctx := ent.NewTxContext(ent.NewContext(ctx, tx.Client()), tx)
				stx, err := store.SQLTx(tctx)
				if err != nil {
					t.Fatal(err)
				}
				counts[k], stmts[k], err = roster.ApplyFile(tctx, tx.Client(), stx, dia, sc, mode, day, file, now, rowwise)
				if err != nil {
					_ = tx.Rollback()
					t.Fatalf("seed %d, rowwise %v: %v", seed, rowwise, err)
				}
				got[k] = dump(t, tctx, tx.Client())
				if err := tx.Rollback(); err != nil {
					t.Fatal(err)
				}
			}
			if counts[0] != counts[1] {
				t.Fatalf("seed %d: counts %v (row by row) and %v (batched)", seed, counts[0], counts[1])
			}
			if counts[0][1]+counts[0][2]+counts[0][3] == 0 {
				t.Fatalf("seed %d changes nothing: %v", seed, counts[0])
			}
			if got[0] != got[1] {
				t.Fatalf("seed %d (%s, counts %v): the batched apply differs:\nrow by row:\n%s\nbatched:\n%s", seed, mode, counts[0], got[0], got[1])
			}
			if stmts[1] > 8 || stmts[1] >= stmts[0] {
				t.Fatalf("seed %d: %d statements batched, %d row by row", seed, stmts[1], stmts[0])
			}
			t.Logf("seed %d %s: counts %v, statements %d row by row, %d batched", seed, mode, counts[0], stmts[0], stmts[1])
		}
	})
}

func rebind(dia, q string) string {
	if dia != "postgres" {
		return q
	}
	for i := 1; strings.Contains(q, "?"); i++ {
		q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
	}
	return q
}

// dump is the officials and their assignments as text (the assignments without their ids, drawn
// anew by each application).
func dump(t *testing.T, ctx context.Context, c *ent.Client) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT id, full_name, full_name_folded, position, category, employee_code, active_from, active_to, leave_reason,
			unit_officials, contact_phone, contact_email, updated_at FROM officials ORDER BY id`,
		`SELECT official_assignments, unit_assignments, valid_from, valid_to, reason, updated_at FROM official_assignments
			ORDER BY official_assignments, valid_from, reason, unit_assignments`,
	} {
		rows, err := c.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				switch x := v.(type) {
				case time.Time:
					vals[i] = x.UTC().Format(time.RFC3339)
				case []byte:
					vals[i] = string(x)
				}
			}
			fmt.Fprintln(&b, vals...)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}
