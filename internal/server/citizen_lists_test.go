package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent/caseevent"
	"github.com/liemchinh/liemchinh/ent/casemessage"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// TestTrackedEvidenceDownload: the citizen lists their files through caseByTracking and downloads
// each by its id with their code and secret, byte for byte what was stored.
func TestTrackedEvidenceDownload(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		d := newCWDesk(t, dia, nil)
		var ids []string
		for _, size := range []uint8{200, 100} {
			file := cwPNG(t, size)
			sum := sha256.Sum256(file)
			up := cwDeclare(t, d.citizen, "image/png", len(file), hex.EncodeToString(sum[:]))
			if status, body := cwPut(t, d.citizen, *up.UploadPath, file); status != http.StatusOK {
				t.Fatalf("PUT: %d %v", status, body)
			}
			ids = append(ids, *up.UploadID)
		}
		r := cwSubmit(t, d.citizen, d.input(map[string]any{"channel": "FEEDBACK", "reporter": nil, "uploadIds": ids}))
		if !r.ok() {
			t.Fatalf("submit: %+v", r)
		}
		code, secret := *r.TrackingCode, *r.Secret
		stored := map[string]bool{} // the files as the blob store keeps them, decrypted
		for _, b := range storedFiles(t, d.blobs) {
			stored[string(b)] = true
		}
		if len(stored) != 2 {
			t.Fatalf("stored files: %d", len(stored))
		}

		var out struct {
			CaseByTracking *struct {
				Evidence []struct {
					ID, ContentType string
					Sanitized       bool
					Size            int
				}
			}
		}
		d.citizen.Query(t, `query($c: String!, $s: String!) { caseByTracking(trackingCode: $c, secret: $s) {
			evidence { id contentType sanitized size } } }`, map[string]any{"c": code, "s": secret}).Decode(t, &out)
		if out.CaseByTracking == nil || len(out.CaseByTracking.Evidence) != 2 {
			t.Fatalf("tracked evidence: %+v", out.CaseByTracking)
		}
		get := func(id, code, secret string) (int, []byte) {
			req := httptest.NewRequest(http.MethodGet, "/evidence/"+id, nil)
			req.Header.Set("X-Tracking-Code", code)
			req.Header.Set("X-Tracking-Secret", secret)
			rec := httptest.NewRecorder()
			d.citizen.Handler.ServeHTTP(rec, req)
			b, _ := io.ReadAll(rec.Body)
			return rec.Code, b
		}
		got := map[string]bool{}
		for _, e := range out.CaseByTracking.Evidence {
			if e.ID == "" || e.ContentType != "image/png" || !e.Sanitized {
				t.Errorf("tracked evidence %+v: want an id, image/png, sanitized", e)
			}
			status, body := get(e.ID, code, secret)
			if status != http.StatusOK || !stored[string(body)] || len(body) != e.Size {
				t.Errorf("GET /evidence/%s: %d, %d bytes (size %d), stored: %v", e.ID, status, len(body), e.Size, stored[string(body)])
			}
			got[string(body)] = true
			if status, body := get(e.ID, code, "WRONG-"+secret); status != http.StatusNotFound || stored[string(body)] || bytes.Contains(body, []byte("PNG")) {
				t.Errorf("a wrong secret: %d %.100q", status, body)
			}
		}
		if len(got) != 2 {
			t.Errorf("the two ids gave %d distinct files", len(got))
		}
		// Another citizen's code and secret do not open this case's files.
		code2, secret2, _ := d.file(t, map[string]any{"channel": "FEEDBACK", "reporter": nil})
		if status, _ := get(out.CaseByTracking.Evidence[0].ID, code2, secret2); status != http.StatusNotFound {
			t.Errorf("another case's code: %d", status)
		}
	})
}

type trackedPage struct {
	TotalCount int
	PageInfo   struct {
		HasNextPage bool
		EndCursor   *string
	}
	Edges []struct {
		Node struct {
			Kind, Note, Direction, Body string
			OccurredAt, SentAt          time.Time
		}
	}
}

// TestTrackedCasePages: the timeline and the messages page like every connection (default 20,
// at most 100, after a cursor), in the order of the deprecated lists, which stay.
func TestTrackedCasePages(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		d := newCWDesk(t, dia, nil)
		code, secret, id := d.file(t, map[string]any{"channel": "FEEDBACK", "reporter": nil})
		const n = 23 // more than a default page
		for i := range n {
			*d.o.now = cwDay.Add(time.Duration(i+1) * time.Minute)
			if i%2 == 0 {
				cwReply(t, d.supervisor, id, fmt.Sprintf("Tin %02d", i))
			} else if out := cwCall(t, d.citizen, "caseMessageSend", map[string]any{"trackingCode": code, "secret": secret,
				"body": fmt.Sprintf("Tin %02d", i)}); out.got() != "" {
				t.Fatalf("message %d: %s", i, out.raw)
			}
		}
		nodes := map[string]string{"timelineConnection": "kind note occurredAt", "messageConnection": "direction body sentAt"}
		page := func(field, after string, first any) (*trackedPage, *testutil.Response) {
			vars := map[string]any{"c": code, "s": secret, "first": first}
			if after != "" {
				vars["after"] = after
			}
			r := d.citizen.Query(t, `query($c: String!, $s: String!, $after: Cursor, $first: Int) {
				caseByTracking(trackingCode: $c, secret: $s) { `+field+`(after: $after, first: $first) {
				totalCount pageInfo { hasNextPage endCursor } edges { node { `+nodes[field]+` } } } } }`, vars)
			if len(r.Errors) > 0 {
				return nil, r
			}
			var out struct{ CaseByTracking map[string]*trackedPage }
			r.Decode(t, &out)
			return out.CaseByTracking[field], r
		}
		all := func(field string, first any) []string {
			var got []string
			after := ""
			for range 10 {
				p, r := page(field, after, first)
				if p == nil {
					t.Fatalf("%s: %s", field, r.Raw)
				}
				for _, e := range p.Edges {
					got = append(got, e.Node.Kind+e.Node.Direction+"|"+e.Node.Body+e.Node.Note)
				}
				if !p.PageInfo.HasNextPage {
					if p.TotalCount != len(got) {
						t.Errorf("%s: totalCount %d, read %d", field, p.TotalCount, len(got))
					}
					return got
				}
				after = *p.PageInfo.EndCursor
			}
			t.Fatalf("%s: no end after %q", field, got)
			return nil
		}
		if p, r := page("messageConnection", "", nil); p == nil || len(p.Edges) != 20 || !p.PageInfo.HasNextPage || p.TotalCount != n {
			t.Errorf("default page of messages: %s", r.Raw)
		}
		if p, r := page("timelineConnection", "", 101); p != nil || r.Code() != "BAD_USER_INPUT" {
			t.Errorf("first: 101: %s", r.Raw)
		}
		tc, _ := cwTrack(t, d.citizen, code, secret)
		var want []string
		for _, m := range tc.Messages {
			want = append(want, m.Direction+"|"+m.Body)
		}
		if got := all("messageConnection", 7); !slices.Equal(got, want) || len(got) != n || got[0] != "TO_REPORTER|Tin 00" {
			t.Errorf("messages page by page:\n%v\nwant the list:\n%v", got, want)
		}
		want = want[:0]
		for _, e := range tc.Timeline {
			want = append(want, e.Kind+"|"+e.Note)
		}
		if got := all("timelineConnection", 5); !slices.Equal(got, want) || len(got) != n+1 || got[0] != "SUBMITTED|"+got[0][len("SUBMITTED|"):] {
			t.Errorf("timeline page by page:\n%v\nwant the list:\n%v", got, want)
		}
	})
}

// TestRecordedNotesTrimmed: a case event's note and a message's body keep no surrounding white
// space, whoever writes them, and nothing inside them changes.
func TestRecordedNotesTrimmed(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		d := newCWDesk(t, dia, nil)
		code, secret, id := d.file(t, map[string]any{"channel": "FEEDBACK", "reporter": nil})
		body := "Đề nghị bổ sung:\n  - bản sao CCCD;\t\n  - giấy hẹn."
		cwReply(t, d.supervisor, id, " \n "+body+" \t\n")
		// A transfer without a note used to record "<from> -> <to>. " with a trailing space.
		if out := cwCall(t, d.supervisor, "caseTransfer", map[string]any{"caseId": id, "unitId": d.o.other, "note": "   "}); out.got() != "" {
			t.Fatalf("transfer: %s", out.raw)
		}
		// Any other writer (seeds, tests, a future action) goes through the same rule.
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		d.o.db.Client.CaseEvent.Create().SetCaseID(id).SetKind(caseevent.KindMESSAGE).SetToState("TRANSFERRED").
			SetActorKind(caseevent.ActorKindSYSTEM).SetNote("  Ghi chú  hai khoảng trắng  ").SetOccurredAt(d.o.now.Add(time.Hour)).ExecX(ctx)
		d.o.db.Client.CaseMessage.Create().SetCaseID(id).SetDirection(casemessage.DirectionFROM_REPORTER).
			SetBody("\u00a0Tin nhắn  giữa\u00a0 ").SetSentAt(d.o.now.Add(time.Hour)).ExecX(ctx)

		tc, r := cwTrack(t, d.citizen, code, secret)
		if tc == nil {
			t.Fatalf("track: %s", r.Raw)
		}
		var bodies, notes []string
		for _, m := range tc.Messages {
			bodies = append(bodies, m.Body)
		}
		for _, e := range tc.Timeline {
			notes = append(notes, e.Note)
		}
		if !slices.Equal(bodies, []string{body, "Tin nhắn  giữa"}) {
			t.Errorf("messages %q", bodies)
		}
		transfer := regexp.MustCompile(`^\S+ -> \S+\.$`)
		if len(notes) != 4 || !transfer.MatchString(notes[2]) || notes[3] != "Ghi chú  hai khoảng trắng" {
			t.Errorf("notes %q", notes)
		}
		for _, s := range append(bodies, notes...) {
			if s != strings.TrimSpace(s) {
				t.Errorf("%q keeps surrounding space", s)
			}
		}
	})
}

// TestTimesOneFormat: every time of the API, deadlines included, is RFC 3339 in Vietnam time,
// whether the database or the deadline rules produced it.
func TestTimesOneFormat(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		d := newCWDesk(t, dia, nil)
		code, secret, id := d.file(t, nil)
		if out := cwCall(t, d.supervisor, "caseAccept", map[string]any{"caseId": id}); out.got() != "" {
			t.Fatalf("accept: %s", out.raw)
		}
		r := d.citizen.Query(t, `query($c: String!, $s: String!) { caseByTracking(trackingCode: $c, secret: $s) {
			receivedAt acknowledgeDueAt dueAt timelineConnection { edges { node { occurredAt } } } } }`,
			map[string]any{"c": code, "s": secret})
		staff := d.supervisor.Query(t, `query($id: ID!) { node(id: $id) { ... on Case { receivedAt acknowledgeDueAt dueAt } } }`,
			map[string]any{"id": id})
		todo := d.clerk.Query(t, `{ viewer { officialYear { todo { dueAt } } } }`, nil)
		stamp := regexp.MustCompile(`"(\d{4}-\d\d-\d\dT[^"]*)"`)
		for name, raw := range map[string][]byte{"caseByTracking": r.Raw, "case": staff.Raw, "todo": todo.Raw} {
			times := stamp.FindAllSubmatch(raw, -1)
			if len(times) < 2 {
				t.Errorf("%s: %d times in %s", name, len(times), raw)
			}
			for _, m := range times {
				ts, err := time.Parse(time.RFC3339Nano, string(m[1]))
				if _, off := ts.Zone(); err != nil || off != 7*3600 || !strings.HasSuffix(string(m[1]), "+07:00") {
					t.Errorf("%s: %s is not RFC 3339 in Vietnam time", name, m[1])
				}
			}
		}
	})
}

// cwReply sends the handler's message to the citizen.
func cwReply(t testing.TB, api *testutil.API, caseID, body string) {
	t.Helper()
	var out struct {
		CaseMessageReply struct{ UserErrors []cwUserError }
	}
	api.Query(t, `mutation($in: CaseMessageReplyInput!) { caseMessageReply(input: $in) { userErrors { field code message } } }`,
		map[string]any{"in": map[string]any{"caseId": caseID, "body": body}}).Decode(t, &out)
	if len(out.CaseMessageReply.UserErrors) > 0 {
		t.Fatalf("reply: %+v", out.CaseMessageReply.UserErrors)
	}
}
