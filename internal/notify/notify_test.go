package notify_test

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/device"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/notify"
	"github.com/liemchinh/liemchinh/internal/store"
	"github.com/liemchinh/liemchinh/internal/testutil"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

func TestMain(m *testing.M) { testutil.Main(m) }

// countingSender records what it is asked to send, by token.
type countingSender struct {
	mu    sync.Mutex
	by    map[string]int
	n     int
	first time.Time
	last  time.Time
}

func (c *countingSender) Send(_ context.Context, m notify.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.by == nil {
		c.by = map[string]int{}
	}
	now := time.Now()
	if c.n == 0 {
		c.first = now
	}
	c.by[m.Token]++
	c.n++
	c.last = now
	return nil
}

func (c *countingSender) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func (c *countingSender) await(t *testing.T, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for c.count() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d pushes, want %d", c.count(), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var reminders = &notify.Reminders{
	PledgeDue:       func(y int) time.Time { return time.Date(y, time.January, 31, 0, 0, 0, 0, workdays.Vietnam) },
	AssessmentClose: func(y int) time.Time { return time.Date(y, time.December, 15, 0, 0, 0, 0, workdays.Vietnam) },
}

// TestRemindersOnce: the pledge reminder 14 days before 31 January goes to every enabled account
// of an official in service without a signed pledge for the year, set-based, once: a second run
// on the same day adds nothing, and each device gets exactly one push. An enqueue in a
// transaction rolled back leaves neither a notification nor a job.
func TestRemindersOnce(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		camp := testutil.Org(t, db.Client, testutil.Shape{Provinces: 1, Districts: 1, Units: 2, Officials: 30})
		offs, err := db.Client.Official.Query().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var accounts []string
		for i, o := range offs {
			login := testutil.Account(t, db, authz.RoleOfficial, authz.Scope{Kind: authz.ScopeUnit, ID: o.UnitID}, o.ID)
			acc, err := db.Client.Account.Query().Where(account.Login(login)).Only(ctx)
			if err != nil {
				t.Fatal(err)
			}
			accounts = append(accounts, acc.ID)
			if err := db.Client.Device.Create().SetPlatform(device.PlatformANDROID).SetToken("tok-" + strconv.Itoa(i)).
				SetOwner(acc.ID).SetAccountID(acc.ID).SetLastSeenAt(time.Now()).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			switch {
			case i < 10: // signed for 2027
				if err := db.Client.Pledge.Create().SetYear(2027).SetSignedAt(time.Now()).SetOfficialID(o.ID).SetCampaign(camp).Exec(ctx); err != nil {
					t.Fatal(err)
				}
			case i == 10:
				if err := db.Client.Account.UpdateOneID(acc.ID).SetDisabled(true).Exec(ctx); err != nil {
					t.Fatal(err)
				}
			case i == 11:
				if err := o.Update().SetActiveTo(time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)).Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
		want := len(offs) - 12
		day := time.Date(2027, 1, 17, 0, 0, 0, 0, workdays.Vietnam)
		sender := &countingSender{}
		svc, err := notify.New(context.Background(), db.DB, nil, notify.Options{Sender: sender, PollInterval: 20 * time.Millisecond,
			Run: true, Reminders: reminders, Now: func() time.Time { return day.Add(10 * time.Hour) }, ListenURL: listenURL(db)})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = svc.Stop(context.Background()) })

		// Rolled back: nothing stays.
		boom := errors.New("rolled back")
		err = store.InTx(context.Background(), db.Client, func(ctx context.Context, _ *ent.Client) error {
			if err := svc.Enqueue(ctx, notify.Item{Kind: notify.CaseAssigned, AccountID: accounts[20], Subject: "x", Cause: "rollback"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if n := count(t, db, "SELECT count(*) FROM notifications"); n != 0 {
			t.Fatalf("%d notifications after a rollback", n)
		}
		if n := count(t, db, "SELECT count(*) FROM river_job WHERE kind = 'notify_push'"); n != 0 {
			t.Fatalf("%d push jobs after a rollback", n)
		}

		st, err := svc.RemindOn(context.Background(), day)
		if err != nil {
			t.Fatal(err)
		}
		if st.Notifications != want || st.Jobs != 1 {
			t.Fatalf("first run: %+v, want %d notifications in 1 job", st, want)
		}
		if again, err := svc.RemindOn(context.Background(), day); err != nil || again.Notifications != 0 {
			t.Fatalf("second run: %+v, %v", again, err)
		}
		// Another day (3 January) reminds of nothing.
		if other, err := svc.RemindOn(context.Background(), day.AddDate(0, 0, -14)); err != nil || other.Notifications != 0 {
			t.Fatalf("a day without reminders: %+v, %v", other, err)
		}
		sender.await(t, want, 15*time.Second)
		time.Sleep(200 * time.Millisecond) // anything more would show up now
		sender.mu.Lock()
		defer sender.mu.Unlock()
		if sender.n != want || len(sender.by) != want {
			t.Fatalf("%d pushes to %d devices, want %d once each", sender.n, len(sender.by), want)
		}
		for i := range 12 {
			if sender.by["tok-"+strconv.Itoa(i)] != 0 {
				t.Fatalf("tok-%d (pledged, disabled or out of service) was reminded", i)
			}
		}
		if n := count(t, db, "SELECT count(*) FROM notifications WHERE pushed_at IS NULL"); n != 0 {
			t.Fatalf("%d notifications not marked pushed", n)
		}
	})
}

func listenURL(db *testutil.DB) string {
	if db.Dialect == dialect.Postgres {
		return db.URL
	}
	return ""
}

func count(t *testing.T, db *testutil.DB, q string) int {
	t.Helper()
	var n int
	if err := db.SQL.QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestReminderScale measures the national reminder on a PostgreSQL database of its own, named by
// NOTIFY_SCALE_DATABASE_URL (never lc_national): NOTIFY_SCALE_OFFICIALS officials (200,000 by
// default) with an account and a device each are generated with generate_series when the
// database has none, then one pledge reminder is enqueued for all of them (timed), and delivered
// through the real FCM sender (HTTP v1, OAuth2 with a service account's file whose token_uri is
// the fake's) to a fake FCM server that counts what arrives, at PUSH_RATE pushes per second (0:
// unlimited; timed from the workers' start, and from the first arrival to the last).
func TestReminderScale(t *testing.T) {
	db, url := scaleDB(t)
	ctx := context.Background()
	rate := 0.0
	if v := os.Getenv("PUSH_RATE"); v != "" {
		var err error
		if rate, err = strconv.ParseFloat(v, 64); err != nil || rate < 0 {
			t.Fatalf("PUSH_RATE %q: want a number of pushes per second, 0 for unlimited", v)
		}
	}
	if _, err := db.SQL.ExecContext(ctx, "DELETE FROM notifications; DELETE FROM river_job"); err != nil {
		t.Fatal(err)
	}
	officials := scalar(t, db.SQL, "SELECT count(*) FROM accounts WHERE official_id IS NOT NULL")
	day := time.Date(2027, 1, 17, 0, 0, 0, 0, workdays.Vietnam)
	workers := 20
	fcm := testutil.NewFakeFCM(t, 100) // counts all, keeps the first 100 in full
	// As many idle connections to the push service as workers, so they are reused, not redialled.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = workers
	sender, err := notify.NewFCM(ctx, fcm.Credentials(t), fcm.URL, &http.Client{Timeout: 30 * time.Second, Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := notify.New(ctx, db, nil, notify.Options{Sender: sender, Rate: rate, Workers: workers, PollInterval: 200 * time.Millisecond,
		Run: true, Reminders: reminders, ListenURL: url, Now: func() time.Time { return day.Add(10 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	// Enqueue first, with the workers stopped, so the two are timed apart.
	st, err := svc.RemindOn(ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("enqueued %d reminders (%d officials with accounts) in %d push jobs in %s: %.0f/s",
		st.Notifications, officials, st.Jobs, st.Elapsed.Round(time.Millisecond), float64(st.Notifications)/st.Elapsed.Seconds())
	start := time.Now()
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = svc.Stop(ctx) }()
	fcm.AwaitCount(t, st.Notifications, 2*time.Hour)
	elapsed := time.Since(start)
	n := fcm.Count()
	t.Logf("delivered %d pushes through the FCM sender to the fake FCM in %s: %.0f/s (first to last arrival %s: %.0f/s; PUSH_RATE %g, %d workers, %d access token(s)); queue after: %v",
		n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), fcm.Span().Round(time.Millisecond),
		float64(n-1)/fcm.Span().Seconds(), rate, workers, fcm.Tokens(), depth(t, svc))
	if got := fcm.Received(); len(got) == 0 || got[0].Auth != "Bearer fake-access-token" || got[0].Msg.Data["kind"] == "" {
		t.Fatalf("the pushes did not come through the FCM sender as expected: %+v", got[:min(len(got), 1)])
	}
	if pending := scalar(t, db.SQL, "SELECT count(*) FROM notifications WHERE pushed_at IS NULL"); pending != 0 {
		t.Fatalf("%d notifications not marked pushed", pending)
	}
}

func depth(t *testing.T, svc *notify.Service) map[string]int {
	d, err := svc.Depth(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d.ByState
}

func scalar(t *testing.T, db *sql.DB, q string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
