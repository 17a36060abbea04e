package auth_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/auth"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/delivery"
	"github.com/liemchinh/liemchinh/internal/sealbox"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

type discard struct{}

func (discard) Send(context.Context, delivery.Message) error { return nil }

// BenchmarkProvision times a provisioning run (worked in this process, batch by batch, as the job
// queue works it) for a whole province of synthetic officials (120,000
// by default, PROVISION_OFFICIALS to change) in 1,000 units, every one with a phone, on PostgreSQL
// (LIEMCHINH_TEST_DATABASE_URL; a scratch database made and dropped by the test). Run once:
//
//	LIEMCHINH_TEST_DATABASE_URL=... go test ./internal/auth -run '^$' -bench Provision -benchtime 1x
func BenchmarkProvision(b *testing.B) {
	if os.Getenv(testutil.EnvPostgres) == "" {
		b.Skip("PostgreSQL not configured (LIEMCHINH_TEST_DATABASE_URL): the measure is on PostgreSQL")
	}
	n := 120_000
	if v := os.Getenv("PROVISION_OFFICIALS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	db := testutil.Open(b, dialect.Postgres)
	ctx := authz.System(context.Background(), authz.SysTestFixture)
	day := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	p, err := db.Client.Province.Create().SetCode("99").SetName("Tỉnh Thử").SetKind(province.KindPROVINCE).SetValidFrom(day).Save(ctx)
	if err != nil {
		b.Fatal(err)
	}
	const units = 1000
	var creates []*ent.UnitCreate
	for i := range units {
		creates = append(creates, db.Client.Unit.Create().SetName(fmt.Sprintf("Đơn vị %d", i)).SetLevel(unit.LevelCOMMUNE).
			SetKind(unit.KindPEOPLES_COMMITTEE).SetProvince(p))
	}
	us, err := db.Client.Unit.CreateBulk(creates...).Save(ctx)
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, len(us))
	for i, u := range us {
		ids[i] = u.ID
	}
	start := time.Now()
	// The officials in one statement (what a roster import or the national seed would leave).
	if _, err := db.SQL.ExecContext(ctx, `INSERT INTO officials (id, created_at, updated_at, full_name, full_name_folded, category,
		position, employee_code, active_from, unit_officials, contact_phone)
		SELECT 'off_bench' || lpad(g::text, 9, '0'), now(), now(), 'Nguyễn Văn ' || g, 'nguyen van ' || g, 'CONG_CHUC', 'Chuyên viên',
			'NV' || lpad(g::text, 9, '0'), '2020-01-01', ($1::text[])[1 + g % $2], '+849' || lpad(g::text, 8, '0')
		FROM generate_series(1, $3) g`, pqArray(ids), units, n); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d officials in %d units inserted in %s", n, units, time.Since(start).Round(time.Millisecond))
	box, err := sealbox.FromBase64(testutil.Config(b, nil).ReporterKey)
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := auth.NewService(db.Client, nil, log, nil)
	svc.Configure(auth.Accounts{ReporterKey: []byte("bench key of 32 bytes, not real!"), Box: box, Sender: discard{}})
	svc.UseProvisioning(dialect.Postgres, nil, 0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i > 0 {
			b.StopTimer()
			for _, q := range []string{`DELETE FROM activation_codes`, `DELETE FROM activation_sheets`, `DELETE FROM accounts WHERE role = 'OFFICIAL'`} {
				if _, err := db.SQL.ExecContext(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
			b.StartTimer()
		}
		t0 := time.Now()
		run, err := svc.ProvisionLocal(context.Background(), authz.Scope{Kind: authz.ScopeProvince, ID: p.ID}, true)
		if err != nil {
			b.Fatal(err)
		}
		if run.Created != n || run.Sent != n || run.SheetCount != units {
			b.Fatalf("created %d, sent %d, sheets %d; want %d, %d, %d", run.Created, run.Sent, run.SheetCount, n, n, units)
		}
		d := time.Since(t0)
		b.ReportMetric(float64(n)/d.Seconds(), "accounts/s")
		b.Logf("provisioned %d accounts (%d sheets, batches of at most %d officials) in %s: %.0f accounts/s", n, run.SheetCount,
			auth.ProvisionBatch, d.Round(time.Millisecond), float64(n)/d.Seconds())
	}
	b.StopTimer()
	svc.WaitResets()
}

// pqArray writes a PostgreSQL text[] literal.
func pqArray(s []string) string {
	out := "{"
	for i, v := range s {
		if i > 0 {
			out += ","
		}
		out += `"` + v + `"`
	}
	return out + "}"
}
