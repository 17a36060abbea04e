package notify_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/internal/notify"
	"github.com/liemchinh/liemchinh/internal/store"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// scaleDB opens the PostgreSQL database of its own that NOTIFY_SCALE_DATABASE_URL names (never
// lc_national) and, when it holds no officials, generates NOTIFY_SCALE_OFFICIALS officials
// (200,000 by default) in one unit, with an account and a device each, with generate_series.
func scaleDB(tb testing.TB) (*store.DB, string) {
	tb.Helper()
	url := os.Getenv("NOTIFY_SCALE_DATABASE_URL")
	if url == "" {
		tb.Skip("NOTIFY_SCALE_DATABASE_URL is not set: the scale measurement needs a PostgreSQL database of its own")
	}
	n := 200000
	if v := os.Getenv("NOTIFY_SCALE_OFFICIALS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(ctx, nil); err != nil {
		tb.Fatal(err)
	}
	db.SetPool(store.Pool{Conns: 20})
	var have int
	if err := db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM officials").Scan(&have); err != nil {
		tb.Fatal(err)
	}
	if have > 0 {
		return db, url
	}
	start := time.Now()
	for _, q := range []string{
		`INSERT INTO provinces (id, created_at, updated_at, code, name, kind, valid_from) VALUES ('prv_scale', now(), now(), 'S1', 'Tỉnh đo', 'PROVINCE', '2020-01-01')`,
		`INSERT INTO units (id, created_at, updated_at, name, level, kind, province_units) VALUES ('unt_scale', now(), now(), 'Đơn vị đo', 'PROVINCE', 'AGENCY', 'prv_scale')`,
		fmt.Sprintf(`INSERT INTO officials (id, created_at, updated_at, full_name, category, employee_code, active_from, unit_officials)
			SELECT 'off_' || lpad(g::text, 26, '0'), now(), now(), 'Cán bộ ' || g, 'CONG_CHUC', 'S-' || g, '2020-01-01', 'unt_scale' FROM generate_series(1, %d) g`, n),
		`INSERT INTO accounts (id, created_at, updated_at, login, password_hash, role, scope_kind, official_id, scope_unit_id)
			SELECT 'acc_' || substr(id, 5), now(), now(), 'scale' || substr(id, 5), 'x', 'OFFICIAL', 'UNIT', id, 'unt_scale' FROM officials`,
		`INSERT INTO devices (id, created_at, updated_at, platform, token, locale, owner, account_id, last_seen_at)
			SELECT 'dvc_' || substr(id, 5), now(), now(), 'ANDROID', 'token-' || substr(id, 5), 'vi', id, id, now() FROM accounts`,
		`ANALYZE`,
	} {
		if _, err := db.SQL.ExecContext(ctx, q); err != nil {
			tb.Fatal(err)
		}
	}
	tb.Logf("generated %d officials, accounts and devices in %s", n, time.Since(start).Round(time.Millisecond))
	return db, url
}

// BenchmarkRemindAll measures the national reminder's enqueue on PostgreSQL: one pledge reminder
// for every official of the scale database without a signed pledge (notifications and their push
// jobs), reported as reminders enqueued per second. Each iteration starts from an empty queue.
//
//	createdb h_notify_scale
//	NOTIFY_SCALE_DATABASE_URL='postgres://postgres@127.0.0.1:5432/h_notify_scale?sslmode=disable' \
//	  go test ./internal/notify -run '^$' -bench BenchmarkRemindAll -benchtime 3x
func BenchmarkRemindAll(b *testing.B) {
	db, _ := scaleDB(b)
	ctx := context.Background()
	day := time.Date(2027, 1, 17, 0, 0, 0, 0, workdays.Vietnam)
	svc, err := notify.New(ctx, db, nil, notify.Options{Reminders: reminders, Now: func() time.Time { return day.Add(10 * time.Hour) }})
	if err != nil {
		b.Fatal(err)
	}
	due := reminders.PledgeDue(2027)
	var total int
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		for _, q := range []string{"TRUNCATE notifications", "DELETE FROM river_job", "VACUUM ANALYZE notifications", "VACUUM ANALYZE river_job"} {
			if _, err := db.SQL.ExecContext(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		start := time.Now()
		n, _, err := svc.RemindAll(ctx, notify.PledgeReminder, 2027, 14, due, day)
		if err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		total += n
	}
	b.ReportMetric(float64(total)/elapsed.Seconds(), "reminders/s")
	b.ReportMetric(float64(total)/float64(b.N), "reminders/op")
}
