package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/xuri/excelize/v2"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/auditevent"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/officialassignment"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/ent/unitplacement"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/progress"
	"github.com/liemchinh/liemchinh/internal/roster"
	"github.com/liemchinh/liemchinh/internal/testutil"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// orgFixture is two provinces of three units each (codes U1..U3 and V1..V3), two officials a
// unit, and a supervisor of the first province.
type orgFixture struct {
	db        *testutil.DB
	api, sup  *testutil.API
	prov      [2]string
	units     map[string]string // code -> id
	officials []*ent.Official
}

func newOrgFixture(t *testing.T, dia string) *orgFixture {
	db := testutil.Open(t, dia)
	testutil.Org(t, db.Client, testutil.Shape{Provinces: 2, Districts: 1, Units: 3, Officials: 2})
	ctx := authz.System(context.Background(), authz.SysTestFixture)
	f := &orgFixture{db: db, units: map[string]string{}}
	us := db.Client.Unit.Query().WithProvince().Order(ent.Asc(unit.FieldName)).AllX(ctx)
	for i, u := range us {
		code := fmt.Sprintf("%c%d", "UV"[i/3], i%3+1)
		db.Client.Unit.UpdateOne(u).SetCode(code).ExecX(ctx)
		f.units[code] = u.ID
		f.prov[i/3] = u.Edges.Province.ID
	}
	f.officials = db.Client.Official.Query().Order(ent.Asc(official.FieldEmployeeCode)).AllX(ctx)
	cfg := testutil.Config(t, nil)
	f.api = testutil.NewAPI(t, db, cfg)
	f.sup = f.api.SignedIn(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeProvince, ID: f.prov[0]}, "")
	return f
}

type userErrors []struct {
	Field []string
	Code  string
}

func TestOrgChartChanges(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		f := newOrgFixture(t, dia)
		sys := authz.System(context.Background(), authz.SysTestFixture)
		today := time.Now().In(workdays.Vietnam)
		day := func(d time.Time) string { return d.Format(time.RFC3339) }

		// A new unit under U1, an official hired into it.
		var uc struct {
			UnitCreate struct {
				Unit       struct{ ID, Name string }
				UserErrors userErrors
			}
		}
		f.sup.Query(t, `mutation($in: UnitCreateInput!) { unitCreate(input: $in) { unit { id name } userErrors { field code } } }`,
			map[string]any{"in": map[string]any{"name": "Phòng Mới", "level": "COMMUNE", "kind": "AGENCY", "code": "U9",
				"parentId": f.units["U1"]}}).Decode(t, &uc)
		if uc.UnitCreate.Unit.ID == "" {
			t.Fatalf("unitCreate: %+v", uc)
		}
		newUnit := uc.UnitCreate.Unit.ID
		var oc struct {
			OfficialCreate struct {
				Official   struct{ ID string }
				UserErrors userErrors
			}
		}
		create := `mutation($in: OfficialCreateInput!) { officialCreate(input: $in) { official { id } userErrors { field code } } }`
		f.sup.Query(t, create, map[string]any{"in": map[string]any{"unitId": newUnit, "fullName": "Phạm Thị Hoa", "employeeCode": "HOA-1",
			"category": "VIEN_CHUC", "startDate": day(today.AddDate(-2, 0, 0))}}).Decode(t, &oc)
		hired := oc.OfficialCreate.Official.ID
		if hired == "" {
			t.Fatalf("officialCreate: %+v", oc)
		}
		// The same employee code again: a userError on the field, nothing written.
		f.sup.Query(t, create, map[string]any{"in": map[string]any{"unitId": newUnit, "fullName": "Người Khác", "employeeCode": "HOA-1",
			"category": "VIEN_CHUC", "startDate": day(today)}}).Decode(t, &oc)
		if len(oc.OfficialCreate.UserErrors) != 1 || oc.OfficialCreate.UserErrors[0].Field[0] != "employeeCode" {
			t.Fatalf("duplicate code: %+v", oc)
		}

		// Transfer: the future is refused on the field; today moves the official and keeps history.
		transfer := `mutation($in: OfficialTransferInput!) { officialTransfer(input: $in) { official { id unit { id } } userErrors { field code } } }`
		var tr struct {
			OfficialTransfer struct {
				Official   *struct{ Unit struct{ ID string } }
				UserErrors userErrors
			}
		}
		f.sup.Query(t, transfer, map[string]any{"in": map[string]any{"officialId": hired, "unitId": f.units["U2"],
			"from": day(today.AddDate(0, 0, 3))}}).Decode(t, &tr)
		if tr.OfficialTransfer.Official != nil || tr.OfficialTransfer.UserErrors[0].Field[0] != "from" {
			t.Fatalf("future transfer: %+v", tr)
		}
		f.sup.Query(t, transfer, map[string]any{"in": map[string]any{"officialId": hired, "unitId": f.units["U2"],
			"from": day(today)}}).Decode(t, &tr)
		if tr.OfficialTransfer.Official == nil || tr.OfficialTransfer.Official.Unit.ID != f.units["U2"] {
			t.Fatalf("transfer: %+v", tr)
		}
		// Out of scope: a unit of the other province is forbidden.
		if r := f.sup.Query(t, transfer, map[string]any{"in": map[string]any{"officialId": hired, "unitId": f.units["V1"],
			"from": day(today)}}); r.Code() != "FORBIDDEN" {
			t.Fatalf("transfer out of scope: %s", r.Raw)
		}
		// History, queryable: two assignments, the first ended by the second.
		var hist struct {
			Node struct {
				Assignments struct {
					Edges []struct {
						Node struct {
							Reason  string
							ValidTo *string
							Unit    struct{ ID string }
						}
					}
				}
			}
		}
		f.sup.Query(t, `query($id: ID!) { node(id: $id) { ... on Official { assignments(first: 10, orderBy: {field: VALID_FROM}) {
			edges { node { reason validTo unit { id } } } } } } }`, map[string]any{"id": hired}).Decode(t, &hist)
		es := hist.Node.Assignments.Edges
		if len(es) != 1 || es[0].Node.Unit.ID != f.units["U2"] {
			// Hired two years ago and moved today: the hire's assignment ends today, the transfer's begins.
			if len(es) != 2 || es[0].Node.Unit.ID != newUnit || es[0].Node.ValidTo == nil || es[1].Node.Reason != "TRANSFER" || es[1].Node.Unit.ID != f.units["U2"] {
				t.Fatalf("history: %+v", es)
			}
		}
		// Update and leave.
		var up struct {
			OfficialUpdate struct {
				Official struct{ FullName, Position string }
			}
		}
		f.sup.Query(t, `mutation($in: OfficialUpdateInput!) { officialUpdate(input: $in) { official { fullName position } } }`,
			map[string]any{"in": map[string]any{"officialId": hired, "fullName": "Phạm Thị Hoa Mai", "position": "Trưởng phòng"}}).Decode(t, &up)
		if up.OfficialUpdate.Official.FullName != "Phạm Thị Hoa Mai" || up.OfficialUpdate.Official.Position != "Trưởng phòng" {
			t.Fatalf("update: %+v", up)
		}
		var lv struct {
			OfficialLeave struct {
				Official   *struct{ ActiveTo *string }
				UserErrors userErrors
			}
		}
		leave := `mutation($in: OfficialLeaveInput!) { officialLeave(input: $in) { official { activeTo } userErrors { field code } } }`
		f.sup.Query(t, leave, map[string]any{"in": map[string]any{"officialId": f.officials[0].ID, "endDate": day(time.Date(2019, 1, 1, 0, 0, 0, 0, workdays.Vietnam)),
			"reason": "RETIREMENT"}}).Decode(t, &lv)
		if lv.OfficialLeave.Official != nil || lv.OfficialLeave.UserErrors[0].Field[0] != "endDate" {
			t.Fatalf("leave before start: %+v", lv)
		}
		f.sup.Query(t, leave, map[string]any{"in": map[string]any{"officialId": f.officials[0].ID, "endDate": day(today.AddDate(0, 1, 0)),
			"reason": "RETIREMENT"}}).Decode(t, &lv)
		if lv.OfficialLeave.Official == nil || lv.OfficialLeave.Official.ActiveTo == nil {
			t.Fatalf("leave: %+v", lv)
		}
		// Close U3 into U2: its officials and open cases go to U2; U1 (with a sub-unit) is refused.
		closeUnit := `mutation($in: UnitCloseInput!) { unitClose(input: $in) { unit { id closedOn successor { id } } userErrors { field code } } }`
		var cl struct {
			UnitClose struct {
				Unit *struct {
					ClosedOn  *string
					Successor *struct{ ID string }
				}
				UserErrors userErrors
			}
		}
		f.sup.Query(t, closeUnit, map[string]any{"in": map[string]any{"unitId": f.units["U1"], "successorId": f.units["U2"], "closedOn": day(today)}}).Decode(t, &cl)
		if cl.UnitClose.Unit != nil || cl.UnitClose.UserErrors[0].Field[0] != "unitId" {
			t.Fatalf("close with a sub-unit: %+v", cl)
		}
		f.sup.Query(t, closeUnit, map[string]any{"in": map[string]any{"unitId": f.units["U3"], "successorId": f.units["U2"], "closedOn": day(today)}}).Decode(t, &cl)
		if cl.UnitClose.Unit == nil || cl.UnitClose.Unit.Successor.ID != f.units["U2"] {
			t.Fatalf("close: %+v", cl)
		}
		if n := f.db.Client.Official.Query().Where(official.UnitID(f.units["U3"])).CountX(sys); n != 0 {
			t.Fatalf("%d officials left in the closed unit", n)
		}
		if n := f.db.Client.OfficialAssignment.Query().Where(officialassignment.UnitID(f.units["U2"]),
			officialassignment.ReasonEQ(officialassignment.ReasonUNIT_CLOSED)).CountX(sys); n != 2 {
			t.Fatalf("%d officials handed over, want 2", n)
		}
		// A unit manager may not change the chart.
		mgr := f.api.SignedIn(t, f.db, authz.RoleUnitManager, authz.Scope{Kind: authz.ScopeUnit, ID: f.units["U1"]}, "")
		if r := mgr.Query(t, `mutation($in: UnitUpdateInput!) { unitUpdate(input: $in) { unit { id } } }`,
			map[string]any{"in": map[string]any{"unitId": f.units["U1"], "name": "X"}}); r.Code() != "FORBIDDEN" {
			t.Fatalf("unit manager renamed a unit: %s", r.Raw)
		}
		// Every change is audited.
		for _, action := range []string{"unitCreate", "officialCreate", "officialTransfer", "officialUpdate", "officialLeave", "unitClose"} {
			if n := f.db.Client.AuditEvent.Query().Where(auditevent.ActionEQ(action)).CountX(sys); n != 1 {
				t.Fatalf("%d audit entries of %s, want 1", n, action)
			}
		}
		// The counters kept in step are those a rebuild computes.
		checkCounters(t, f.db)
	})
}

// checkCounters compares the maintained counters with a rebuild (progress.Check).
func checkCounters(t *testing.T, db *testutil.DB) {
	t.Helper()
	diffs, err := progress.New(db.DB, nil).Check(authz.System(context.Background(), authz.SysTestFixture))
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) > 0 {
		t.Fatalf("counters differ from a rebuild: %v", diffs[:min(len(diffs), 10)])
	}
}

// uploadRoster stages a roster file through rosterUploadCreate and a PUT.
func uploadRoster(t *testing.T, api *testutil.API, contentType string, file []byte) string {
	t.Helper()
	sum := sha256.Sum256(file)
	var up struct {
		RosterUploadCreate struct {
			UploadID, UploadPath string
			UserErrors           userErrors
		}
	}
	api.Query(t, `mutation($in: RosterUploadCreateInput!) { rosterUploadCreate(input: $in) { uploadId uploadPath userErrors { field code } } }`,
		map[string]any{"in": map[string]any{"contentType": contentType, "size": len(file), "sha256": hex.EncodeToString(sum[:])}}).Decode(t, &up)
	if up.RosterUploadCreate.UploadID == "" {
		t.Fatalf("rosterUploadCreate: %+v", up)
	}
	req := httptest.NewRequest(http.MethodPut, up.RosterUploadCreate.UploadPath, bytes.NewReader(file))
	req.Header.Set("Authorization", "Bearer "+api.Token())
	rec := httptest.NewRecorder()
	api.Handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
	}
	return up.RosterUploadCreate.UploadID
}

type importResult struct {
	ID, Status                                                             string
	RowsRead, ToCreate, ToUpdate, ToTransfer, ToEnd, Unchanged, ErrorCount int
	ErrorList                                                              []struct {
		Row     int
		Column  *string
		Code    string
		Message string
	}
}

// runImport asks for an import and polls it with node(id) until it ends.
func runImport(t *testing.T, api *testutil.API, uploadID string, scope map[string]any, mode string, dryRun bool) importResult {
	t.Helper()
	var q struct {
		RosterImport struct {
			RosterImport *struct{ ID string }
			UserErrors   userErrors
		}
	}
	api.Query(t, `mutation($in: RosterImportInput!) { rosterImport(input: $in) { rosterImport { id } userErrors { field code } } }`,
		map[string]any{"in": map[string]any{"uploadId": uploadID, "scope": scope, "mode": mode, "dryRun": dryRun}}).Decode(t, &q)
	if q.RosterImport.RosterImport == nil {
		t.Fatalf("rosterImport: %+v", q)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n struct{ Node importResult }
		api.Query(t, `query($id: ID!) { node(id: $id) { ... on RosterImport { id status rowsRead toCreate toUpdate toTransfer toEnd
			unchanged errorCount errorList { row column code message } } } }`, map[string]any{"id": q.RosterImport.RosterImport.ID},
			"Accept-Language", "en").Decode(t, &n)
		if n.Node.Status == "SUCCEEDED" || n.Node.Status == "FAILED" {
			return n.Node
		}
		if time.Now().After(deadline) {
			t.Fatalf("import still %s after 30 s", n.Node.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func csvFile(rows ...string) []byte {
	return []byte("Mã đơn vị,Mã cán bộ,Họ và tên,Chức vụ,Loại,Ngày bắt đầu,Ngày kết thúc,Liên hệ\n" + strings.Join(rows, "\n") + "\n")
}

func TestRosterImport(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		f := newOrgFixture(t, dia)
		sys := authz.System(context.Background(), authz.SysTestFixture)
		prov := map[string]any{"provinceId": f.prov[0]}
		// The template is served, with the Vietnamese headers.
		rec := httptest.NewRecorder()
		f.api.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/roster/template.csv", nil))
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Mã cán bộ") {
			t.Fatalf("template: %d %s", rec.Code, rec.Body)
		}
		rec = httptest.NewRecorder()
		f.api.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/roster/template.xlsx", nil))
		if rec.Code != 200 || !bytes.HasPrefix(rec.Body.Bytes(), []byte("PK")) {
			t.Fatalf("xlsx template: %d", rec.Code)
		}
		before := f.db.Client.Official.Query().CountX(sys)

		// A file with every kind of error: nothing is applied, each error has its row and column.
		bad := csvFile(
			"U1,N-1,Nguyễn Một,Chuyên viên,CONG_CHUC,2024-01-15,,0912345678",
			"U1,N-1,Nguyễn Hai,,CONG_CHUC,2024-01-15,,",                                                   // duplicate code in the file
			"ZZ,N-3,Nguyễn Ba,,CONG_CHUC,2024-01-15,,",                                                    // unknown unit
			"V1,N-4,Nguyễn Bốn,,CONG_CHUC,2024-01-15,,",                                                   // outside the scope
			"U1,N-5,Nguyễn Năm,,CONG_CHUC,15/13/2024,,",                                                   // bad date
			"U1,N-6,Nguyễn Sáu,,CONG_CHUC,2024-01-15,2023-01-01,",                                         // end before start
			"U1,"+f.officials[len(f.officials)-1].EmployeeCode+",Người Tỉnh Khác,,CONG_CHUC,2020-01-01,,", // code of another scope
			"U1,N-8,Nguyễn Tám,,CONG_CHUC,2024-01-15,,không-phải-liên-hệ",
			"ZZ,N-10,Nguyễn Mười,,CONG_CHUC,2024-01-15,,") // the same unknown unit again: its own error
		res := runImport(t, f.sup, uploadRoster(t, f.sup, "text/csv", bad), prov, "MERGE", false)
		want := map[int]string{3: "DUPLICATE_CODE", 4: "UNKNOWN_UNIT", 5: "OUTSIDE_SCOPE", 6: "BAD_DATE", 7: "END_BEFORE_START",
			8: "CODE_OUTSIDE_SCOPE", 9: "BAD_CONTACT", 10: "UNKNOWN_UNIT"}
		if res.Status != "FAILED" || res.ErrorCount != len(want) {
			t.Fatalf("bad file: %+v", res)
		}
		for _, e := range res.ErrorList {
			if want[e.Row] != e.Code || e.Column == nil || e.Message == "" {
				t.Fatalf("row %d: got %s (column %v), want %s", e.Row, e.Code, e.Column, want[e.Row])
			}
		}
		if n := f.db.Client.Official.Query().CountX(sys); n != before {
			t.Fatalf("a failed import changed the officials: %d -> %d", before, n)
		}

		// A good file: two new officials, one existing official transferred and renamed.
		moved := f.officials[0] // in U1 (province 1)
		good := csvFile(
			"U1,N-1,Nguyễn Một,Chuyên viên,CONG_CHUC,2024-01-15,,0912 345 678",
			"U2,N-2,Trần Hai,,Viên chức,15/01/2024,,hai@example.vn",
			"U3,"+moved.EmployeeCode+",Nguyễn Văn Đổi,,CONG_CHUC,2020-01-01,,")
		upID := uploadRoster(t, f.sup, "text/csv", good)
		dry := runImport(t, f.sup, upID, prov, "MERGE", true)
		if dry.Status != "SUCCEEDED" || dry.RowsRead != 3 || dry.ToCreate != 2 || dry.ToTransfer != 1 || dry.ToUpdate != 1 || dry.ErrorCount != 0 {
			t.Fatalf("dry run: %+v", dry)
		}
		if n := f.db.Client.Official.Query().CountX(sys); n != before {
			t.Fatal("a dry run wrote officials")
		}
		applied := runImport(t, f.sup, upID, prov, "MERGE", false)
		if applied.Status != "SUCCEEDED" || applied.ToCreate != 2 || applied.ToTransfer != 1 {
			t.Fatalf("apply: %+v", applied)
		}
		n1 := f.db.Client.Official.Query().Where(official.EmployeeCode("N-1")).OnlyX(sys)
		if n1.UnitID != f.units["U1"] || n1.ContactPhone != "+84912345678" {
			t.Fatalf("created: %+v", n1)
		}
		if o := f.db.Client.Official.GetX(sys, moved.ID); o.UnitID != f.units["U3"] || o.FullName != "Nguyễn Văn Đổi" {
			t.Fatalf("transferred: %+v", o)
		}
		checkCounters(t, f.db)
		// The same file again changes nothing.
		again := runImport(t, f.sup, upID, prov, "MERGE", false)
		if again.Status != "SUCCEEDED" || again.Unchanged != 3 || again.ToCreate+again.ToUpdate+again.ToTransfer+again.ToEnd != 0 {
			t.Fatalf("second application: %+v", again)
		}
		// FULL mode with a later file: N-2 leaves (missing), the officials of the province not in the
		// file end on the import's date; province 2 is untouched.
		later := csvFile(
			"U1,N-1,Nguyễn Một,Chuyên viên,CONG_CHUC,2024-01-15,,",
			"U3,"+moved.EmployeeCode+",Nguyễn Văn Đổi,,CONG_CHUC,2020-01-01,,")
		inScope := f.db.Client.Official.Query().Where(official.HasUnitWith(unit.ProvinceID(f.prov[0])), official.ActiveToIsNil()).CountX(sys)
		full := runImport(t, f.sup, uploadRoster(t, f.sup, "text/csv", later), prov, "FULL", false)
		if full.Status != "SUCCEEDED" || full.Unchanged != 2 || full.ToEnd != inScope-2 {
			t.Fatalf("full: %+v (in scope %d)", full, inScope)
		}
		if n := f.db.Client.Official.Query().Where(official.HasUnitWith(unit.ProvinceID(f.prov[0])), official.ActiveToIsNil()).CountX(sys); n != 2 {
			t.Fatalf("%d officials of the province still in service, want 2", n)
		}
		if n := f.db.Client.Official.Query().Where(official.HasUnitWith(unit.ProvinceID(f.prov[1])), official.ActiveToIsNil()).CountX(sys); n != 6 {
			t.Fatalf("another province's officials were ended: %d in service", n)
		}
		checkCounters(t, f.db)
		// Every import keeps the file it read.
		for _, ri := range f.db.Client.RosterImport.Query().AllX(sys) {
			if ri.StorageKey == "" || ri.UploadID == "" {
				t.Fatalf("import %s lost its file", ri.ID)
			}
		}
		// XLSX: the template filled in, imported as a dry run.
		x := xlsxRoster(t, []string{"U2", "X-1", "Đỗ Xuân", "", "CAN_BO", "2025-02-01", "", "x@example.vn"})
		xr := runImport(t, f.sup, uploadRoster(t, f.sup, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", x), prov, "MERGE", true)
		if xr.Status != "SUCCEEDED" || xr.ToCreate != 1 || xr.RowsRead != 1 {
			t.Fatalf("xlsx dry run: %+v", xr)
		}
		// Outside the supervisor's scope: refused.
		if r := f.sup.Query(t, `mutation($in: RosterImportInput!) { rosterImport(input: $in) { rosterImport { id } } }`,
			map[string]any{"in": map[string]any{"uploadId": upID, "scope": map[string]any{"provinceId": f.prov[1]}, "mode": "MERGE", "dryRun": true}}); r.Code() != "FORBIDDEN" {
			t.Fatalf("import outside scope: %s", r.Raw)
		}
	})
}

// xlsxRoster is the XLSX template with one row written under its header.
func xlsxRoster(t *testing.T, row []string) []byte {
	t.Helper()
	tpl, err := roster.TemplateXLSX()
	if err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(tpl))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sheet := x.GetSheetList()[0]
	cells := make([]any, len(row))
	for i, v := range row {
		cells[i] = v
	}
	if err := x.SetSheetRow(sheet, "A2", &cells); err != nil { // over the example row
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := x.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestUnitMove: unitUpdate moves a unit under another parent from a date, through the API: the
// refusals are user errors on their field (vi and en), the move is audited and keeps where the
// unit sat, and the figures of last year stay under the old parent while this year's follow it.
func TestUnitMove(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		f := newOrgFixture(t, dia)
		sys := authz.System(context.Background(), authz.SysTestFixture)
		today := time.Now().In(workdays.Vietnam)
		// U2 and U3 are roots of province 0, each with officials in service since 2024.
		for _, code := range []string{"U2", "U3"} {
			f.db.Client.Unit.UpdateOneID(f.units[code]).ClearParentID().ExecX(sys)
			f.db.Client.Official.Create().SetFullName("Cán bộ " + code).SetEmployeeCode("MV-" + code).
				SetCategory(official.CategoryCONG_CHUC).SetActiveFrom(time.Date(2024, 1, 1, 0, 0, 0, 0, workdays.Vietnam)).
				SetUnitID(f.units[code]).ExecX(sys)
		}
		const update = `mutation($in: UnitUpdateInput!) { unitUpdate(input: $in) { unit { id parent { id } } userErrors { field code message } } }`
		type result struct {
			UnitUpdate struct {
				Unit *struct {
					ID     string
					Parent *struct{ ID string }
				}
				UserErrors []struct {
					Field         []string
					Code, Message string
				}
			}
		}
		move := func(a *testutil.API, unitID, parentID string, from any, lang string) result {
			t.Helper()
			in := map[string]any{"unitId": unitID, "parentId": parentID}
			if from != nil {
				in["from"] = from
			}
			var out result
			a.Query(t, update, map[string]any{"in": in}, "Accept-Language", lang).Decode(t, &out)
			return out
		}
		refused := func(what string, r result, field, code string) {
			t.Helper()
			if ue := r.UnitUpdate.UserErrors; r.UnitUpdate.Unit != nil || len(ue) != 1 || ue[0].Field[0] != field || ue[0].Code != code || ue[0].Message == "" {
				t.Fatalf("%s: %+v, want %s on %s", what, r.UnitUpdate, code, field)
			}
		}
		headcount := func(unitID string, year int) int {
			t.Helper()
			var out struct{ Progress struct{ Headcount int } }
			f.sup.Query(t, `query($u: ID!, $y: Int!) { progress(scope: {unitId: $u}, year: $y) { headcount } }`,
				map[string]any{"u": unitID, "y": year}).Decode(t, &out)
			return out.Progress.Headcount
		}
		u2, u3 := f.units["U2"], f.units["U3"]
		unitSup := f.api.SignedIn(t, f.db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeUnit, ID: u3}, "")
		refused("a parent outside the scope", move(unitSup, u3, u2, today.Format(time.RFC3339), "en"), "parentId", "FORBIDDEN")
		refused("no date", move(f.sup, u3, u2, nil, "vi"), "from", "BAD_USER_INPUT")
		refused("a future date", move(f.sup, u3, u2, today.AddDate(0, 0, 2).Format(time.RFC3339), "en"), "from", "BAD_USER_INPUT")
		refused("another province", move(f.sup, u3, f.units["V1"], today.Format(time.RFC3339), "en"), "parentId", "FORBIDDEN")

		lastYear := today.Year() - 1
		before2, before3 := headcount(u2, lastYear), headcount(u3, lastYear)
		now2 := headcount(u2, today.Year())
		ok := move(f.sup, u3, u2, today.Format(time.RFC3339), "vi")
		if ok.UnitUpdate.Unit == nil || ok.UnitUpdate.Unit.Parent == nil || ok.UnitUpdate.Unit.Parent.ID != u2 {
			t.Fatalf("move: %+v", ok.UnitUpdate)
		}
		if a, b := headcount(u2, lastYear), headcount(u3, lastYear); a != before2 || b != before3 {
			t.Fatalf("last year's figures moved: U2 %d -> %d, U3 %d -> %d", before2, a, before3, b)
		}
		if n := headcount(u2, today.Year()); n != now2+headcount(u3, today.Year()) || n <= now2 {
			t.Fatalf("this year U2 counts %d, want its own %d and U3's", n, now2)
		}
		refused("a cycle", move(f.sup, u2, u3, today.Format(time.RFC3339), "en"), "parentId", "BAD_USER_INPUT")
		refused("the same parent", move(f.sup, u3, u2, today.Format(time.RFC3339), "en"), "parentId", "BAD_USER_INPUT")
		if p := f.db.Client.UnitPlacement.Query().AllX(sys); len(p) != 1 || p[0].UnitID != u3 || p[0].ParentID != nil || p[0].ProvinceID != f.prov[0] {
			t.Fatalf("history kept: %+v", p)
		}
		if n := f.db.Client.AuditEvent.Query().Where(auditevent.ActionEQ("unitUpdate"), auditevent.ObjectID(u3)).CountX(sys); n != 1 {
			t.Fatalf("%d audit entries of the move", n)
		}
	})
}

// TestUnitMoveCarriesSubtree moves a unit with a sub-unit into another district through the API:
// the sub-unit takes the new district from the move's day (this year's figures of the new district
// count both, last year's stay in the old one), and Unit.history tells each stretch, who moved it,
// and with which unit, to staff in scope only.
func TestUnitMoveCarriesSubtree(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		f := newOrgFixture(t, dia)
		sys := authz.System(context.Background(), authz.SysTestFixture)
		today := time.Now().In(workdays.Vietnam)
		u2, u3 := f.units["U2"], f.units["U3"]
		oldDistrict := *f.db.Client.Unit.GetX(sys, u2).DistrictID
		// U3 under U2; W, in a second district of the province, receives U2 with U3.
		f.db.Client.Unit.UpdateOneID(u3).SetParentID(u2).ExecX(sys)
		d2 := f.db.Client.District.Create().SetCode("T01-09").SetName("Huyện Mới").SetKind("Huyện").
			SetValidFrom(time.Date(2020, 1, 1, 0, 0, 0, 0, workdays.Vietnam)).SetProvinceID(f.prov[0]).SaveX(sys)
		w := f.db.Client.Unit.Create().SetName("Đơn vị W").SetLevel(unit.LevelDISTRICT).SetKind(unit.KindAGENCY).
			SetProvinceID(f.prov[0]).SetDistrictID(d2.ID).SaveX(sys)
		headcount := func(scope map[string]any, year int) int {
			t.Helper()
			var out struct{ Progress struct{ Headcount int } }
			f.sup.Query(t, `query($s: ScopeInput!, $y: Int!) { progress(scope: $s, year: $y) { headcount } }`,
				map[string]any{"s": scope, "y": year}).Decode(t, &out)
			return out.Progress.Headcount
		}
		lastYear := today.Year() - 1
		oldBefore := headcount(map[string]any{"districtId": oldDistrict}, lastYear)
		var mv struct {
			UnitUpdate struct {
				Unit       *struct{ ID string }
				UserErrors userErrors
			}
		}
		f.sup.Query(t, `mutation($in: UnitUpdateInput!) { unitUpdate(input: $in) { unit { id } userErrors { field code } } }`,
			map[string]any{"in": map[string]any{"unitId": u2, "parentId": w.ID, "from": today.Format(time.RFC3339)}}).Decode(t, &mv)
		if mv.UnitUpdate.Unit == nil {
			t.Fatalf("move: %+v", mv.UnitUpdate.UserErrors)
		}
		var sub struct {
			Node struct{ District struct{ ID string } }
		}
		f.sup.Query(t, `query($id: ID!) { node(id: $id) { ... on Unit { district { id } } } }`, map[string]any{"id": u3}).Decode(t, &sub)
		if sub.Node.District.ID != d2.ID {
			t.Fatalf("the sub-unit stayed in district %s, want %s", sub.Node.District.ID, d2.ID)
		}
		if n := headcount(map[string]any{"districtId": d2.ID}, today.Year()); n != 4 {
			t.Fatalf("the new district counts %d officials this year, want U2's and U3's 4", n)
		}
		if n := headcount(map[string]any{"districtId": oldDistrict}, lastYear); n != oldBefore {
			t.Fatalf("last year's figures of the old district moved: %d -> %d", oldBefore, n)
		}

		const history = `query($id: ID!) { node(id: $id) { ... on Unit { history { from to parent { id } district { id } province { id } movedBy { id } movedWith { id } } } } }`
		type place struct {
			From, To  *string
			Parent    *struct{ ID string }
			District  *struct{ ID string }
			Province  struct{ ID string }
			MovedBy   *struct{ ID string }
			MovedWith *struct{ ID string }
		}
		var me struct {
			Viewer struct{ Account struct{ ID string } }
		}
		f.sup.Query(t, `{ viewer { account { id } } }`, nil).Decode(t, &me)
		var h struct{ Node struct{ History []place } }
		f.sup.Query(t, history, map[string]any{"id": u3}).Decode(t, &h)
		day := today.Format(time.DateOnly)
		if hs := h.Node.History; len(hs) != 2 || hs[0].From != nil || hs[0].To == nil || !strings.HasPrefix(*hs[0].To, day) ||
			hs[0].Parent == nil || hs[0].Parent.ID != u2 || hs[0].District == nil || hs[0].District.ID != oldDistrict || hs[0].MovedBy != nil ||
			hs[1].From == nil || !strings.HasPrefix(*hs[1].From, day) || hs[1].To != nil || hs[1].District == nil || hs[1].District.ID != d2.ID ||
			hs[1].Province.ID != f.prov[0] || hs[1].MovedBy == nil || hs[1].MovedBy.ID != me.Viewer.Account.ID ||
			hs[1].MovedWith == nil || hs[1].MovedWith.ID != u2 {
			t.Fatalf("the sub-unit's history: %+v", h.Node.History)
		}
		var h2 struct{ Node struct{ History []place } }
		f.sup.Query(t, history, map[string]any{"id": u2}).Decode(t, &h2)
		if hs := h2.Node.History; len(hs) != 2 || hs[0].Parent != nil || hs[1].Parent == nil || hs[1].Parent.ID != w.ID || hs[1].MovedWith != nil {
			t.Fatalf("the moved unit's history: %+v", h2.Node.History)
		}
		// A unit moved under U3 takes U3's place as it is now: not from before U3 was carried
		// there, and from that day on it may.
		moveU1 := func(from time.Time) (bool, userErrors) {
			t.Helper()
			var out struct {
				UnitUpdate struct {
					Unit       *struct{ ID string }
					UserErrors userErrors
				}
			}
			f.sup.Query(t, `mutation($in: UnitUpdateInput!) { unitUpdate(input: $in) { unit { id } userErrors { field code } } }`,
				map[string]any{"in": map[string]any{"unitId": f.units["U1"], "parentId": u3, "from": from.Format(time.RFC3339)}}).Decode(t, &out)
			return out.UnitUpdate.Unit != nil, out.UnitUpdate.UserErrors
		}
		if ok, ue := moveU1(today.AddDate(0, 0, -1)); ok || len(ue) != 1 || len(ue[0].Field) == 0 || ue[0].Field[0] != "from" || ue[0].Code != "BAD_USER_INPUT" {
			t.Fatalf("a move under U3 dated before U3's own move: moved %v, %+v", ok, ue)
		}
		if ok, ue := moveU1(today); !ok {
			t.Fatalf("a move under U3 on the day of U3's move: %+v", ue)
		}

		// Staff outside the scope, an official and a citizen are refused; the unit itself stays readable.
		other := f.api.SignedIn(t, f.db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeProvince, ID: f.prov[1]}, "")
		off := f.api.SignedIn(t, f.db, authz.RoleOfficial, authz.Scope{Kind: authz.ScopeUnit, ID: u3}, f.officials[0].ID)
		for _, c := range []struct {
			who  string
			api  *testutil.API
			code string
		}{{"a supervisor of another province", other, "FORBIDDEN"}, {"an official", off, "FORBIDDEN"}, {"a citizen", f.api, "UNAUTHENTICATED"}} {
			r := c.api.Query(t, `query($id: ID!) { node(id: $id) { ... on Unit { name history { from } } } }`, map[string]any{"id": u3})
			var out struct {
				Node *struct {
					Name    string
					History []place
				}
			}
			if err := json.Unmarshal(r.Data, &out); err != nil || r.Code() != c.code || out.Node == nil || out.Node.Name == "" || out.Node.History != nil {
				t.Fatalf("%s read the history: %s", c.who, r.Raw)
			}
		}
	})
}

// TestUnitMovesConcurrent sends moves of one unit at once, and crosswise moves of two units under
// each other, on PostgreSQL (SQLite has one writer at a time): each unit's history comes out a
// clean sequence (each stretch begins where the one before ended, under the parent the move
// ending it chose), one move per success, no cycle, and the counters agree with a rebuild.
func TestUnitMovesConcurrent(t *testing.T) {
	if os.Getenv(testutil.EnvPostgres) == "" {
		t.Skip("PostgreSQL only: set " + testutil.EnvPostgres)
	}
	f := newOrgFixture(t, dialect.Postgres)
	sys := authz.System(context.Background(), authz.SysTestFixture)
	today := time.Now().In(workdays.Vietnam)
	vday := func(d time.Time) time.Time {
		y, m, dd := d.Date()
		return time.Date(y, m, dd, 0, 0, 0, 0, workdays.Vietnam)
	}
	// Parents for U1 in its province: U2, U3 and four more.
	parents := []string{f.units["U2"], f.units["U3"]}
	for i := range 4 {
		parents = append(parents, f.db.Client.Unit.Create().SetName(fmt.Sprintf("Đích %d", i)).SetLevel(unit.LevelDISTRICT).
			SetKind(unit.KindAGENCY).SetProvinceID(f.prov[0]).SaveX(sys).ID)
	}
	u1 := f.units["U1"]
	// U1 gets a sub-unit, carried along by each move.
	f.db.Client.Unit.Create().SetName("Con của U1").SetLevel(unit.LevelDISTRICT).SetKind(unit.KindAGENCY).
		SetProvinceID(f.prov[0]).SetParentID(u1).ExecX(sys)
	const update = `mutation($in: UnitUpdateInput!) { unitUpdate(input: $in) { unit { id } userErrors { field code } } }`
	type outcome struct {
		ok     bool
		parent string
		day    time.Time
		raw    string
	}
	send := func(unitID, parentID string, day time.Time) outcome {
		r := f.sup.Query(t, update, map[string]any{"in": map[string]any{"unitId": unitID, "parentId": parentID, "from": day.Format(time.RFC3339)}})
		var out struct {
			UnitUpdate *struct {
				Unit       *struct{ ID string }
				UserErrors userErrors
			}
		}
		_ = json.Unmarshal(r.Data, &out)
		return outcome{ok: len(r.Errors) == 0 && out.UnitUpdate != nil && out.UnitUpdate.Unit != nil, parent: parentID, day: day, raw: string(r.Raw)}
	}
	for round := range 3 {
		// Moves of U1 under each parent at once, each from another day (some before another's: refused).
		outs := make([]outcome, len(parents))
		var wg sync.WaitGroup
		for i, p := range parents {
			wg.Add(1)
			go func() {
				defer wg.Done()
				outs[i] = send(u1, p, vday(today.AddDate(0, 0, -30+10*round+(i*7)%len(parents))))
			}()
		}
		wg.Wait()
		moves := map[string]string{} // day -> parent, of the moves that succeeded
		for _, o := range outs {
			if o.ok {
				moves[o.day.Format(time.DateOnly)] = o.parent
			} else if !strings.Contains(o.raw, `"userErrors":[{`) {
				t.Fatalf("round %d: a move failed without a user error: %s", round, o.raw)
			}
		}
		if len(moves) == 0 {
			t.Fatalf("round %d: no move succeeded", round)
		}
		hist := f.db.Client.UnitPlacement.Query().Where(unitplacement.UnitID(u1)).
			Order(ent.Asc(unitplacement.FieldValidTo), ent.Asc(unitplacement.FieldID)).AllX(sys)
		for i, h := range hist {
			if i == 0 {
				continue
			}
			prev := hist[i-1]
			if h.ValidFrom == nil || !h.ValidFrom.Equal(prev.ValidTo) || h.ValidTo.Before(*h.ValidFrom) {
				t.Fatalf("round %d: stretch %d does not begin where %d ended: %v..%v after ..%v", round, i, i-1, h.ValidFrom, h.ValidTo, prev.ValidTo)
			}
			if want, ok := moves[date(prev.ValidTo)]; ok && (h.ParentID == nil || *h.ParentID != want) {
				t.Fatalf("round %d: stretch %d sits under %v, but the move of %s chose %s", round, i, h.ParentID, date(prev.ValidTo), want)
			}
		}
		cur := f.db.Client.Unit.GetX(sys, u1)
		last := hist[len(hist)-1]
		if want := moves[date(last.ValidTo)]; cur.ParentID == nil || *cur.ParentID != want {
			t.Fatalf("round %d: U1 sits under %v, but its last move (%s) chose %s", round, cur.ParentID, date(last.ValidTo), want)
		}
		if n := f.db.Client.AuditEvent.Query().Where(auditevent.ActionEQ("unitUpdate"), auditevent.ObjectID(u1)).CountX(sys); n != len(hist) {
			t.Fatalf("round %d: %d moves audited, %d stretches kept", round, n, len(hist))
		}
	}
	// Two units moved under each other at once: never both (a cycle).
	a, b := parents[4], parents[5]
	for round := range 4 {
		day := vday(today.AddDate(0, 0, -10+round))
		var x, y outcome
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); x = send(a, b, day) }()
		go func() { defer wg.Done(); y = send(b, a, day) }()
		wg.Wait()
		if x.ok && y.ok {
			t.Fatalf("round %d: both crosswise moves succeeded: a cycle", round)
		}
		for _, id := range []string{a, b} {
			seen := map[string]bool{}
			for u := f.db.Client.Unit.GetX(sys, id); u.ParentID != nil; u = f.db.Client.Unit.GetX(sys, *u.ParentID) {
				if seen[u.ID] {
					t.Fatalf("round %d: a cycle through %s", round, u.ID)
				}
				seen[u.ID] = true
			}
		}
		// Put them back side by side for the next round: the one moved goes back under U3.
		for _, o := range []struct {
			moved bool
			id    string
		}{{x.ok, a}, {y.ok, b}} {
			if o.moved {
				if r := send(o.id, f.units["U3"], day); !r.ok {
					t.Fatalf("round %d: moving back: %s", round, r.raw)
				}
			}
		}
	}
	diffs, err := progress.New(f.db.DB, time.Now).Check(sys)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) > 0 {
		t.Fatalf("the counters differ from a rebuild after concurrent moves: %v", diffs)
	}
}

func date(t time.Time) string { return t.In(workdays.Vietnam).Format(time.DateOnly) }
