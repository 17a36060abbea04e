package notify_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/device"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/ent/selfassessment"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/notify"
	"github.com/liemchinh/liemchinh/internal/testutil"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// fcmSender is the real FCM sender (HTTP v1, OAuth2 with a service account whose token_uri is
// the fake's) talking to a fake FCM started in the test: what arrives there is what was pushed.
func fcmSender(t *testing.T) (*notify.FCM, *pushes) {
	t.Helper()
	fcm := testutil.NewFakeFCM(t, 0)
	sender, err := notify.NewFCM(context.Background(), fcm.Credentials(t), fcm.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return sender, &pushes{fcm}
}

// pushes reads what reached the fake FCM.
type pushes struct{ fcm *testutil.FakeFCM }

// to returns the messages that arrived for a token.
func (p *pushes) to(token string) []notify.Message {
	var out []notify.Message
	for _, m := range p.fcm.Received() {
		if m.Msg.Token == token {
			out = append(out, notify.Message{Token: m.Msg.Token, Title: m.Msg.Notification.Title, Body: m.Msg.Notification.Body, Data: m.Msg.Data})
		}
	}
	return out
}

func (p *pushes) count() int { return p.fcm.Count() }

// accountOf returns the id of a login's account, with a device whose token is the login.
func accountOf(t *testing.T, db *testutil.DB, login string) string {
	t.Helper()
	ctx := authz.System(context.Background(), authz.SysTestFixture)
	id, err := db.Client.Account.Query().Where(account.Login(login)).OnlyID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Client.Device.Create().SetPlatform(device.PlatformANDROID).SetToken(login).SetOwner(id).SetAccountID(id).
		SetLastSeenAt(time.Now()).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	return id
}

// waitFor polls cond until it holds or within passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDeadlineWarningsThroughRiver starts the service with its River client, lets the hourly
// deadlines job run on start (the leader inserts it, a worker runs it) and waits for the warnings
// and their pushes: the handler assigned is warned; a case with no handler warns the staff who
// may handle it at the nearest level of scope (the unit's managers; with none, the province's
// staff), never the manager the case is about (recusal), never an inspector for a case past
// acceptance (only the one assigned acts on it), never the scopes above. Run again, it adds
// nothing.
func TestDeadlineWarningsThroughRiver(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		w := testutil.NewWorld(t, db, testutil.Config(t, nil))
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		a := w.A
		mgr := accountOf(t, db, w.Logins["unitManager"]) // linked to a.Manager
		mgr2Login := testutil.Account(t, db, authz.RoleUnitManager, authz.Scope{Kind: authz.ScopeUnit, ID: a.ParentUnit}, a.Staff)
		mgr2 := accountOf(t, db, mgr2Login)
		dsup := accountOf(t, db, w.Logins["districtSupervisor"])
		psup := accountOf(t, db, w.Logins["provinceSupervisor"])
		insp := accountOf(t, db, w.Logins["inspector"])
		admin := accountOf(t, db, w.Logins["admin"])

		// Wednesday 9 December 2026, 10:00 in Vietnam.
		now := time.Date(2026, 12, 9, 10, 0, 0, 0, workdays.Vietnam)
		past, soon := now.Add(-time.Hour), now.Add(24*time.Hour)
		seq := 0
		mkCase := func(unitID, officialID string, state enum.CaseState, ack, due *time.Time, handler string) string {
			seq++
			b := db.Client.CitizenCase.Create().SetTrackingCode("DL" + strings.Repeat("X", seq)).SetSecretHash("x").
				SetChannel(enum.ChannelDenunciation).SetRequestedChannel(enum.ChannelDenunciation).SetCategory(enum.CategoryNoCorruption).
				SetDescription("Mô tả của người dân").SetAnonymous(false).SetState(state).SetReceivedAt(now.AddDate(0, 0, -10)).
				SetUnitID(unitID).SetNillableAcknowledgeDueAt(ack).SetNillableDueAt(due)
			if officialID != "" {
				b.SetOfficialID(officialID)
			}
			if handler != "" {
				b.SetHandlerID(handler)
			}
			c, err := b.Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		// About the manager, in the child unit, overdue for acceptance, no handler.
		overdue := mkCase(a.ChildUnit, a.Manager, enum.CaseSubmitted, &past, nil, "")
		// In the other district (no unit or district staff), due soon for conclusion, no handler.
		other := mkCase(a.OtherUnit, "", enum.CaseAccepted, nil, &soon, "")
		// Assigned to the inspector, due soon for conclusion.
		assigned := mkCase(a.ChildUnit, a.Clerk, enum.CaseVerifying, nil, &soon, insp)
		// In the other district, due soon for acceptance, no handler: inspectors may accept it.
		accept := mkCase(a.OtherUnit, "", enum.CaseSubmitted, &soon, nil, "")
		// Not due for days: nobody is warned.
		later := now.AddDate(0, 0, 20)
		mkCase(a.ChildUnit, "", enum.CaseAccepted, nil, &later, "")

		sender, sent := fcmSender(t)
		opt := notify.Options{Sender: sender, PollInterval: 20 * time.Millisecond, Run: true, ListenURL: listenURL(db),
			Now:       func() time.Time { return now },
			Deadlines: &notify.Deadlines{Calendar: workdays.Default(), DueSoonDays: 2}}
		svc, err := notify.New(context.Background(), db.DB, nil, opt)
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = svc.Stop(context.Background()) })

		want := map[string][]string{ // account -> kind:case
			mgr2: {"CASE_OVERDUE:" + overdue},
			psup: {"CASE_DUE_SOON:" + other, "CASE_DUE_SOON:" + accept},
			insp: {"CASE_DUE_SOON:" + assigned, "CASE_DUE_SOON:" + accept},
		}
		total := 5
		waitFor(t, 20*time.Second, "the deadline warnings pushed", func() bool { return sent.count() >= total })
		// River records a job completed in the background, possibly after its pushes arrived.
		const completed = "SELECT count(*) FROM river_job WHERE kind = 'notify_deadlines' AND state = 'completed'"
		waitFor(t, 20*time.Second, "the deadlines job completed", func() bool { return count(t, db, completed) >= 1 })
		time.Sleep(200 * time.Millisecond) // anything more would show up now
		if n := count(t, db, completed); n != 1 {
			t.Fatalf("%d deadlines jobs completed, want the one run on start", n)
		}
		got := map[string][]string{}
		rows, err := db.SQL.QueryContext(context.Background(), "SELECT account_id, kind, subject_id FROM notifications ORDER BY account_id, kind, subject_id")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var acc, kind, subject string
			if err := rows.Scan(&acc, &kind, &subject); err != nil {
				t.Fatal(err)
			}
			got[acc] = append(got[acc], kind+":"+subject)
		}
		rows.Close()
		for _, acc := range []string{mgr, dsup, admin} {
			if len(got[acc]) > 0 {
				t.Errorf("%s was warned: %v", acc, got[acc])
			}
		}
		for acc, w := range want {
			if !sameSet(got[acc], w) {
				t.Errorf("%s got %v, want %v", acc, got[acc], w)
			}
		}
		if n := count(t, db, "SELECT count(*) FROM notifications"); n != total {
			t.Errorf("%d notifications, want %d", n, total)
		}
		if sent.count() != total {
			t.Errorf("%d pushes, want %d", sent.count(), total)
		}
		// The manager of the unit is told the case has no handler, and nothing of its content.
		m := sent.to(mgr2Login)
		if len(m) != 1 || m[0].Title != "Hồ sơ chưa phân công quá hạn" || strings.Contains(m[0].Body, "Mô tả") {
			t.Errorf("the unit manager's push: %+v", m)
		}
		if len(sent.to(w.Logins["unitManager"])) != 0 {
			t.Error("the manager the case is about got a push")
		}

		// Run again (the next hour's job, or another process): nothing more.
		if _, err := svc.RemindHandlers(context.Background(), now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, "SELECT count(*) FROM notifications"); n != total {
			t.Errorf("%d notifications after a second run, want %d", n, total)
		}
	})
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		seen[x]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

// TestWeeklyDigest: in December the unit manager gets one digest a week with the counts of their
// unit tree (officials not pledged for next year, self-assessments of this year awaiting review,
// their own left out), sent by the weekly job through River once even with two service
// instances on the database and when run again; a manager with nothing behind gets none; one
// who muted it finds it in the inbox only, one in quiet hours gets it at their end; January
// sends the next week's; March sends nothing.
func TestWeeklyDigest(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		w := testutil.NewWorld(t, db, testutil.Config(t, nil))
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		a, b := w.A, w.B
		mgr := accountOf(t, db, w.Logins["unitManager"]) // scope: a.ParentUnit and a.ChildUnit
		// A manager whose unit has nothing behind.
		doneLogin := testutil.Account(t, db, authz.RoleUnitManager, authz.Scope{Kind: authz.ScopeUnit, ID: b.OtherUnit}, b.Outsider)
		accountOf(t, db, doneLogin)
		sign := func(officialID string, year int) {
			if err := db.Client.Pledge.Create().SetOfficialID(officialID).SetCampaignID(w.Campaign).SetYear(year).
				SetSignedAt(time.Now()).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		assess := func(officialID string, year int, st selfassessment.Status) {
			if err := db.Client.SelfAssessment.Create().SetOfficialID(officialID).SetCampaignID(w.Campaign).SetYear(year).
				SetScheme(selfassessment.SchemeFOUR_LEVEL).SetStatus(st).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		// a's unit tree: Manager, Staff, Clerk. Staff has signed for 2027: 2 not pledged.
		sign(a.Staff, 2027)
		// 2026 assessments: the clerk's awaits review; the manager's own is not theirs to review;
		// the staff's is a draft.
		assess(a.Clerk, 2026, selfassessment.StatusSUBMITTED)
		assess(a.Manager, 2026, selfassessment.StatusSUBMITTED)
		assess(a.Staff, 2026, selfassessment.StatusDRAFT)
		sign(b.Outsider, 2027)
		// Two more managers behind, in b's tree: one has muted the digest (kept in the inbox, not
		// pushed), one is in quiet hours at 10:00 (the push waits for 12:00).
		mutedLogin := testutil.Account(t, db, authz.RoleUnitManager, authz.Scope{Kind: authz.ScopeUnit, ID: b.ParentUnit}, b.Manager)
		muted := accountOf(t, db, mutedLogin)
		quietLogin := testutil.Account(t, db, authz.RoleUnitManager, authz.Scope{Kind: authz.ScopeUnit, ID: b.ChildUnit}, b.Staff)
		quiet := accountOf(t, db, quietLogin)
		// A manager with a district scope (a's other district: the outsider, not pledged) and one
		// with the nation's (6 of the 8 officials not pledged, 2 assessments awaiting review).
		districtLogin := testutil.Account(t, db, authz.RoleUnitManager, authz.Scope{Kind: authz.ScopeDistrict, ID: a.OtherDistrict}, a.Outsider)
		accountOf(t, db, districtLogin)
		nationLogin := testutil.Account(t, db, authz.RoleUnitManager, authz.Scope{Kind: authz.ScopeNation}, b.Clerk)
		accountOf(t, db, nationLogin)
		if err := db.Client.NotificationSetting.Create().SetAccountID(muted).SetMutedKinds([]string{"WEEKLY_DIGEST"}).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if err := db.Client.NotificationSetting.Create().SetAccountID(quiet).SetQuietStart(9 * 60).SetQuietEnd(12 * 60).Exec(ctx); err != nil {
			t.Fatal(err)
		}

		monday := time.Date(2026, 12, 7, 10, 0, 0, 0, workdays.Vietnam)
		// Due from Monday 08:00 to the end of the ISO week (a week whose Monday was missed
		// catches up), not before, and only in December and January.
		for _, at := range []time.Time{monday, monday.AddDate(0, 0, 1), time.Date(2026, 12, 13, 23, 59, 0, 0, workdays.Vietnam)} {
			if wk, ok := notify.DigestDue(at); !ok || wk != "2026-W50" {
				t.Errorf("DigestDue(%s) = %q, %v; want 2026-W50", at, wk, ok)
			}
		}
		// A week begun in November does not start mid-week in December; the last week begun in
		// January is still caught up in February.
		if wk, ok := notify.DigestDue(time.Date(2030, 2, 1, 10, 0, 0, 0, workdays.Vietnam)); !ok || wk != "2030-W05" {
			t.Errorf("DigestDue(Friday 1 February 2030, its week begun on 28 January) = %q, %v; want 2030-W05", wk, ok)
		}
		for _, at := range []time.Time{monday.Add(-3 * time.Hour), time.Date(2026, 12, 14, 7, 59, 0, 0, workdays.Vietnam),
			time.Date(2027, 2, 1, 10, 0, 0, 0, workdays.Vietnam),
			time.Date(2026, 12, 1, 10, 0, 0, 0, workdays.Vietnam), time.Date(2026, 12, 6, 20, 0, 0, 0, workdays.Vietnam),
			time.Date(2027, 3, 1, 10, 0, 0, 0, workdays.Vietnam)} {
			if wk, ok := notify.DigestDue(at); ok {
				t.Errorf("DigestDue(%s) = %q", at, wk)
			}
		}

		// Two processes on the database, both running the job queue.
		sender, sent := fcmSender(t)
		start := func(d *testutil.DB) *notify.Service {
			svc, err := notify.New(context.Background(), d.DB, nil, notify.Options{Sender: sender, PollInterval: 20 * time.Millisecond,
				Run: true, ListenURL: listenURL(d), Digests: true, Now: func() time.Time { return monday }})
			if err != nil {
				t.Fatal(err)
			}
			if err := svc.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = svc.Stop(context.Background()) })
			return svc
		}
		svc := start(db)
		start(testutil.Reopen(t, db))
		waitFor(t, 20*time.Second, "the digests pushed", func() bool { return sent.count() >= 3 })
		waitFor(t, 10*time.Second, "the digest job completed", func() bool {
			return count(t, db, "SELECT count(*) FROM river_job WHERE kind = 'notify_digest' AND state = 'completed'") == 1
		})
		waitFor(t, 10*time.Second, "the muted digest marked done", func() bool {
			return count(t, db, "SELECT count(*) FROM notifications WHERE pushed_at IS NOT NULL") == 4
		})
		if n := count(t, db, "SELECT count(*) FROM notifications WHERE kind = 'WEEKLY_DIGEST' AND pushed_at IS NULL AND account_id = '"+quiet+"'"); n != 1 {
			t.Errorf("the digest in quiet hours: %d waiting, want 1", n)
		}
		if n := count(t, db, "SELECT count(*) FROM river_job WHERE kind = 'notify_push' AND state = 'scheduled'"); n != 1 {
			t.Errorf("%d pushes scheduled for the end of quiet hours, want 1", n)
		}
		time.Sleep(300 * time.Millisecond)
		if n := count(t, db, "SELECT count(*) FROM river_job WHERE kind = 'notify_digest'"); n != 1 {
			t.Errorf("%d digest jobs, want 1", n)
		}
		m := sent.to(w.Logins["unitManager"])
		if len(m) != 1 || sent.count() != 3 {
			t.Fatalf("pushes: %d in all, %d to the manager, want 3 and 1", sent.count(), len(m))
		}
		if want := "2 cán bộ chưa ký cam kết năm 2027; 1 bản tự đánh giá năm 2026 chờ xem xét."; m[0].Body != want {
			t.Errorf("digest body %q, want %q", m[0].Body, want)
		}
		for login, want := range map[string]string{
			districtLogin: "1 cán bộ chưa ký cam kết năm 2027; 0 bản tự đánh giá năm 2026 chờ xem xét.",
			nationLogin:   "6 cán bộ chưa ký cam kết năm 2027; 2 bản tự đánh giá năm 2026 chờ xem xét.",
		} {
			if got := sent.to(login); len(got) != 1 || got[0].Body != want {
				t.Errorf("%s: %+v, want one push %q", login, got, want)
			}
		}
		if len(sent.to(doneLogin)) != 0 || len(sent.to(mutedLogin)) != 0 || len(sent.to(quietLogin)) != 0 {
			t.Error("a manager with nothing behind, or who muted the digest, or in quiet hours, got a push")
		}

		// Again the same week, on Monday or Tuesday: nothing more.
		for _, at := range []time.Time{monday, monday.AddDate(0, 0, 1)} {
			st, err := svc.Digest(context.Background(), at)
			if err != nil {
				t.Fatal(err)
			}
			// Only the manager with nothing behind (no digest this week) is counted again.
			if st.Notifications != 0 || st.Managers != 6 || st.Counted != 1 {
				t.Errorf("digest again on %s: %+v, want 6 managers, 1 counted and nothing new", at, st)
			}
		}
		// January: the next week's digest, with the same counts (pledges of 2027, assessments of 2026).
		st, err := svc.Digest(context.Background(), time.Date(2027, 1, 4, 10, 0, 0, 0, workdays.Vietnam))
		if err != nil || st.Notifications != 5 {
			t.Fatalf("January: %+v, want 5 digests: %v", st, err)
		}
		// March: none.
		if st, err := svc.Digest(context.Background(), time.Date(2027, 3, 1, 10, 0, 0, 0, workdays.Vietnam)); err != nil || st.Notifications != 0 || st.Managers != 0 {
			t.Fatalf("March: %+v, %v", st, err)
		}
		var keys []string
		rows, err := db.SQL.QueryContext(context.Background(), "SELECT account_id, dedupe_key, params FROM notifications WHERE kind = 'WEEKLY_DIGEST' AND account_id = '"+mgr+"'")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var acc, key, params string
			if err := rows.Scan(&acc, &key, &params); err != nil {
				t.Fatal(err)
			}
			var p map[string]string
			if err := json.Unmarshal([]byte(params), &p); err != nil {
				t.Fatal(err)
			}
			if acc != mgr || p["notPledged"] != "2" || p["awaitingReview"] != "1" || p["year"] != "2027" || p["assessmentYear"] != "2026" {
				t.Errorf("digest %s for %s with %s", key, acc, params)
			}
			keys = append(keys, key)
		}
		rows.Close()
		if want := []string{"WEEKLY_DIGEST:" + mgr + ":2026-W50", "WEEKLY_DIGEST:" + mgr + ":2027-W01"}; !sameSet(keys, want) {
			t.Errorf("digests %v, want %v", keys, want)
		}
		if n := count(t, db, "SELECT count(*) FROM notifications WHERE kind = 'WEEKLY_DIGEST'"); n != 10 {
			t.Errorf("%d digests, want 5 managers x 2 weeks", n)
		}
	})
}

// TestWeeklyDigestCatchUp: when no process ran on the week's Monday, the digest is sent later in
// the same ISO week: a process started on Thursday runs the hourly job on start, through River,
// and the manager gets the week's digest once; a run on Sunday adds nothing and the next
// Monday before 08:00 nothing is due.
func TestWeeklyDigestCatchUp(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		w := testutil.NewWorld(t, db, testutil.Config(t, nil))
		mgr := accountOf(t, db, w.Logins["unitManager"]) // 3 officials in scope, none pledged for 2027
		thursday := time.Date(2026, 12, 10, 15, 0, 0, 0, workdays.Vietnam)
		sender, sent := fcmSender(t)
		svc, err := notify.New(context.Background(), db.DB, nil, notify.Options{Sender: sender, PollInterval: 20 * time.Millisecond,
			Run: true, ListenURL: listenURL(db), Digests: true, Now: func() time.Time { return thursday }})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = svc.Stop(context.Background()) })
		waitFor(t, 20*time.Second, "the digest pushed", func() bool { return len(sent.to(w.Logins["unitManager"])) >= 1 })
		waitFor(t, 10*time.Second, "the digest job completed", func() bool {
			return count(t, db, "SELECT count(*) FROM river_job WHERE kind = 'notify_digest' AND state = 'completed'") == 1
		})
		m := sent.to(w.Logins["unitManager"])
		if want := "3 cán bộ chưa ký cam kết năm 2027; 0 bản tự đánh giá năm 2026 chờ xem xét."; len(m) != 1 || m[0].Body != want {
			t.Fatalf("the caught-up digest: %+v, want one push %q", m, want)
		}
		if n := count(t, db, "SELECT count(*) FROM notifications WHERE kind = 'WEEKLY_DIGEST' AND dedupe_key = 'WEEKLY_DIGEST:"+mgr+":2026-W50'"); n != 1 {
			t.Fatalf("%d digests of 2026-W50 for the manager, want 1", n)
		}
		sunday := time.Date(2026, 12, 13, 20, 0, 0, 0, workdays.Vietnam)
		st, err := svc.Digest(context.Background(), sunday)
		if err != nil || st.Notifications != 0 {
			t.Fatalf("again on Sunday: %+v, %v; want nothing new", st, err)
		}
		if n := count(t, db, "SELECT count(*) FROM notifications WHERE kind = 'WEEKLY_DIGEST'"); n != st.Managers-st.Counted {
			t.Fatalf("%d digests, %d managers of whom %d counted again", n, st.Managers, st.Counted)
		}
		if _, ok := notify.DigestDue(time.Date(2026, 12, 14, 7, 0, 0, 0, workdays.Vietnam)); ok {
			t.Fatal("the next week's digest due before Monday 08:00")
		}
	})
}
