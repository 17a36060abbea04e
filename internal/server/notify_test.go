package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/device"
	"github.com/liemchinh/liemchinh/ent/notification"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// TestPushNotifications: through the HTTP handler on both databases, with the FCM sender against a
// fake FCM and token endpoint: a citizen's device registered with the tracking code and secret
// hears of the case's transitions in its language; the official the case is about hears when it
// becomes visible to them, in the inbox too; a dead token is forgotten; nothing carries the
// reporter, the citizen's text or the official's name; a transition refused sends nothing.
func TestPushNotifications(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		fcm := testutil.NewFakeFCM(t, 0)
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, map[string]string{"CITIZEN_SUBMIT_RATE": "off", "TRACKING_RATE": "off",
			"PUSH_SENDER": "fcm", "GOOGLE_APPLICATION_CREDENTIALS": fcm.Credentials(t), "PUSH_FCM_ENDPOINT": fcm.URL,
			"JOBS_POLL_INTERVAL": "50ms"})
		api := testutil.NewAPI(t, db, cfg)
		w := testutil.NewWorld(t, db, cfg)
		access, _ := api.Login(t, w.Logins["provinceSupervisor"], testutil.Password)
		sup := api.As(access)
		offAccess, offRefresh := api.Login(t, w.Logins["official"], testutil.Password)
		official := api.As(offAccess)

		// A denunciation about the clerk (the official account's official), with marks that must
		// never reach a push.
		const mark = "PUSHMARK"
		reporter := "Người Tố Cáo " + mark
		var sub struct {
			CaseSubmit struct {
				TrackingCode, Secret string
				UserErrors           []struct{ Code, Message string }
			}
		}
		api.Query(t, `mutation($input: CaseSubmitInput!) { caseSubmit(input: $input) {
			trackingCode secret userErrors { code message } } }`, map[string]any{"input": map[string]any{
			"channel": "DENUNCIATION", "unitId": w.A.ChildUnit, "officialId": w.A.Clerk, "category": "NO_CORRUPTION",
			"description":    "Mô tả " + mark + " của người dân",
			"reporter":       map[string]any{"name": reporter, "phone": "0901234567"},
			"idempotencyKey": testutil.NewKey(),
		}}).Decode(t, &sub)
		if len(sub.CaseSubmit.UserErrors) > 0 || sub.CaseSubmit.TrackingCode == "" {
			t.Fatalf("caseSubmit: %+v", sub.CaseSubmit)
		}
		code, secret := sub.CaseSubmit.TrackingCode, sub.CaseSubmit.Secret
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		caseID, err := db.Client.CitizenCase.Query().Where(citizencase.TrackingCode(code)).OnlyID(ctx)
		if err != nil {
			t.Fatal(err)
		}

		register := func(a *testutil.API, in map[string]any) (string, []struct{ Code, Field string }) {
			t.Helper()
			var out struct {
				DeviceRegister struct {
					DeviceID   *string
					UserErrors []struct {
						Code  string
						Field []string
					}
				}
			}
			a.Query(t, `mutation($in: DeviceRegisterInput!) { deviceRegister(input: $in) { deviceId userErrors { code field } } }`,
				map[string]any{"in": in}).Decode(t, &out)
			var ues []struct{ Code, Field string }
			for _, u := range out.DeviceRegister.UserErrors {
				ues = append(ues, struct{ Code, Field string }{u.Code, strings.Join(u.Field, ".")})
			}
			if out.DeviceRegister.DeviceID == nil {
				return "", ues
			}
			return *out.DeviceRegister.DeviceID, ues
		}
		// The citizen's phone (English), registered twice (deduplicated), and a dead token.
		citizenDevice, ues := register(api, map[string]any{"platform": "ANDROID", "token": "citizen-token", "locale": "en",
			"trackingCode": code, "secret": secret})
		if citizenDevice == "" {
			t.Fatalf("citizen deviceRegister: %+v", ues)
		}
		again, _ := register(api, map[string]any{"platform": "ANDROID", "token": "citizen-token", "locale": "en",
			"trackingCode": code, "secret": secret})
		if again != citizenDevice {
			t.Fatalf("registering the same token again made a new device: %s, %s", citizenDevice, again)
		}
		fcm.MarkDead("dead-token")
		if id, ues := register(api, map[string]any{"platform": "IOS", "token": "dead-token", "trackingCode": code, "secret": secret}); id == "" {
			t.Fatalf("dead deviceRegister: %+v", ues)
		}
		// A wrong secret registers nothing; neither does an anonymous caller without one.
		if r := api.Query(t, `mutation { deviceRegister(input: {platform: WEB, token: "x", trackingCode: "`+code+`", secret: "WRONG"}) { deviceId userErrors { code } } }`, nil); !strings.Contains(string(r.Raw), "NOT_FOUND") {
			t.Fatalf("wrong secret: %s", r.Raw)
		}
		if r := api.Query(t, `mutation { deviceRegister(input: {platform: WEB, token: "x"}) { deviceId } }`, nil); r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("anonymous account device: %s", r.Raw)
		}
		if _, ues := register(official, map[string]any{"platform": "ANDROID", "token": "has space"}); len(ues) == 0 {
			t.Fatal("a token with a space was accepted")
		}
		// The official's phone (Vietnamese), signed in; quiet hours off so the push is not put off.
		if id, ues := register(official, map[string]any{"platform": "IOS", "token": "official-token"}); id == "" {
			t.Fatalf("official deviceRegister: %+v", ues)
		}
		if r := official.Query(t, `mutation { notificationSettingsUpdate(input: {muted: [], quietHours: false, quietStart: 1260, quietEnd: 420}) { settings { quietHours } userErrors { code } } }`, nil); !strings.Contains(string(r.Raw), `"quietHours":false`) {
			t.Fatalf("notificationSettingsUpdate: %s\n%s", r.Raw, api.Logs.String()[max(0, api.Logs.Len()-1500):])
		}

		// Accepted: the citizen's phone hears it in English; the dead token is forgotten.
		start := time.Now()
		if r := sup.Query(t, `mutation($id: ID!) { caseAccept(input: {caseId: $id}) { case { state } userErrors { code } } }`,
			map[string]any{"id": caseID}); !strings.Contains(string(r.Raw), `"ACCEPTED"`) {
			t.Fatalf("caseAccept: %s", r.Raw)
		}
		got := fcm.Await(t, "citizen-token", 1)
		t.Logf("%s: caseAccept sent -> push at the fake FCM in %s", dia, got[0].At.Sub(start).Round(time.Millisecond))
		m := got[0]
		if m.Msg.Notification.Title != "Your case was accepted" || m.Msg.Data["kind"] != "CASE_ACCEPTED" ||
			m.Msg.Data["link"] != "liemchinh://case/"+citizenDevice || m.Auth != "Bearer fake-access-token" || m.Project != "liemchinh-test" {
			t.Fatalf("push: %+v (auth %q)", m.Msg, m.Auth)
		}
		fcm.Await(t, "dead-token", 1)
		deadline := time.Now().Add(10 * time.Second)
		for {
			n, err := db.Client.Device.Query().Where(device.Token("dead-token")).Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the dead token's device was not removed")
			}
			time.Sleep(50 * time.Millisecond)
		}

		// A transition refused (userErrors) is rolled back and tells no one.
		before, _ := db.Client.Notification.Query().Count(ctx)
		if r := sup.Query(t, `mutation($id: ID!) { caseStartVerification(input: {caseId: $id, subjectNotice: "x"}) { userErrors { code } } }`,
			map[string]any{"id": caseID}); !strings.Contains(string(r.Raw), "BAD_USER_INPUT") {
			t.Fatalf("short notice accepted: %s", r.Raw)
		}
		if after, _ := db.Client.Notification.Query().Count(ctx); after != before {
			t.Fatalf("a refused transition enqueued %d notification(s)", after-before)
		}

		// Verification starts: the citizen hears it, and the official concerned (in Vietnamese,
		// linking to the case's node), in the inbox too.
		if r := sup.Query(t, `mutation($id: ID!) { caseStartVerification(input: {caseId: $id, subjectNotice: "Đề nghị giải trình về thủ tục hồ sơ."}) { userErrors { code } } }`,
			map[string]any{"id": caseID}); strings.Contains(string(r.Raw), "code") && !strings.Contains(string(r.Raw), `"userErrors":[]`) {
			t.Fatalf("caseStartVerification: %s", r.Raw)
		}
		got = fcm.Await(t, "citizen-token", 2)
		if got[1].Msg.Data["kind"] != "CASE_VERIFICATION_STARTED" {
			t.Fatalf("second push to the citizen: %+v", got[1].Msg)
		}
		off := fcm.Await(t, "official-token", 1)[0]
		if off.Msg.Data["kind"] != "CASE_ABOUT_YOU" || off.Msg.Data["link"] != "liemchinh://node/"+caseID ||
			off.Msg.Notification.Title != "Có hồ sơ liên quan đến bạn" {
			t.Fatalf("push to the official: %+v", off.Msg)
		}
		// Nothing sensitive in any push: no reporter, no citizen text, no official's name.
		var clerkName string
		if o, err := db.Client.Official.Get(ctx, w.A.Clerk); err == nil {
			clerkName = o.FullName
		}
		for _, g := range fcm.Received() {
			for _, bad := range []string{mark, reporter, clerkName, secret, code, "Đề nghị giải trình"} {
				if bad != "" && strings.Contains(g.Raw, bad) {
					t.Errorf("a push carries %q: %s", bad, g.Raw)
				}
			}
		}

		// The inbox: the same item, in the request's language; marked read, it leaves unreadOnly.
		var inbox struct {
			Viewer struct {
				Notifications struct {
					TotalCount int
					Edges      []struct {
						Node struct{ ID, Kind, Title, Body, SubjectID string }
					}
				}
			}
		}
		q := `query($u: Boolean) { viewer { notifications(first: 10, unreadOnly: $u) { totalCount edges { node { id kind title body subjectId } } } } }`
		official.Query(t, q, map[string]any{"u": true}, "Accept-Language", "en").Decode(t, &inbox)
		if n := inbox.Viewer.Notifications; n.TotalCount != 1 || n.Edges[0].Node.Kind != "CASE_ABOUT_YOU" ||
			n.Edges[0].Node.Title != "A case concerns you" || n.Edges[0].Node.SubjectID != caseID {
			t.Fatalf("inbox: %+v", n)
		}
		// Another account cannot mark it read, nor see it.
		if r := sup.Query(t, `mutation($id: ID!) { notificationMarkRead(input: {id: $id}) { marked userErrors { code } } }`,
			map[string]any{"id": inbox.Viewer.Notifications.Edges[0].Node.ID}); !strings.Contains(string(r.Raw), "NOT_FOUND") {
			t.Fatalf("another account marked it: %s", r.Raw)
		}
		var marked struct{ NotificationMarkRead struct{ Marked int } }
		official.Query(t, `mutation { notificationMarkRead(input: {}) { marked userErrors { code } } }`, nil).Decode(t, &marked)
		if marked.NotificationMarkRead.Marked != 1 {
			t.Fatalf("marked %d", marked.NotificationMarkRead.Marked)
		}
		official.Query(t, q, map[string]any{"u": true}).Decode(t, &inbox)
		if inbox.Viewer.Notifications.TotalCount != 0 {
			t.Fatalf("unread after marking all: %d", inbox.Viewer.Notifications.TotalCount)
		}

		// The queue as administrators see it; others are refused.
		if r := sup.Query(t, `{ jobQueue { sent } }`, nil); r.Code() != "FORBIDDEN" {
			t.Fatalf("jobQueue for a supervisor: %s", r.Raw)
		}
		adminAccess, _ := api.Login(t, w.Logins["admin"], testutil.Password)
		var jq struct {
			JobQueue struct {
				Sent, DeadTokens int
				States           []struct {
					State string
					Count int
				}
			}
		}
		api.As(adminAccess).Query(t, `{ jobQueue { sent deadTokens states { state count } } }`, nil).Decode(t, &jq)
		if jq.JobQueue.Sent < 3 || jq.JobQueue.DeadTokens != 1 {
			t.Fatalf("jobQueue: %+v", jq.JobQueue)
		}

		// Assigned: the inspector hears of it in their inbox.
		inspectorID, err := db.Client.Account.Query().Where(account.Login(w.Logins["inspector"])).OnlyID(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if r := sup.Query(t, `mutation($id: ID!, $i: ID!) { caseAssign(input: {caseId: $id, inspectorId: $i}) { userErrors { code } } }`,
			map[string]any{"id": caseID, "i": inspectorID}); !strings.Contains(string(r.Raw), `"userErrors":[]`) {
			t.Fatalf("caseAssign: %s", r.Raw)
		}
		inspAccess, _ := api.Login(t, w.Logins["inspector"], testutil.Password)
		api.As(inspAccess).Query(t, q, nil).Decode(t, &inbox)
		if n := inbox.Viewer.Notifications; n.TotalCount != 1 || n.Edges[0].Node.Kind != "CASE_ASSIGNED" || n.Edges[0].Node.SubjectID != caseID {
			t.Fatalf("inspector's inbox: %+v", n)
		}

		// Signing out with the device's token unregisters it.
		official.Query(t, `mutation($r: String!) { logout(input: {refreshToken: $r, deviceToken: "official-token"}) { ok } }`,
			map[string]any{"r": offRefresh})
		if n, _ := db.Client.Device.Query().Where(device.Token("official-token")).Count(ctx); n != 0 {
			t.Fatalf("the official's device outlived logout: %d", n)
		}
		if n, _ := db.Client.Notification.Query().Where(notification.CaseID(caseID)).Count(ctx); n != 2 {
			t.Fatalf("citizen notices: %d, want 2", n)
		}
	})
}
