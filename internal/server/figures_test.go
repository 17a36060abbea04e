package server_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/testutil"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// Issue 16 item 3: the open figures. Identifiers here start with of.

func ofCSV(t *testing.T, api *testutil.API, path string) [][]string {
	t.Helper()
	rec := osGet(t, api, path)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
	}
	rows, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

func TestOpenFigures(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, map[string]string{"CITIZEN_SUBMIT_RATE": "off", "TRACKING_RATE": "off", "OPEN311_RATE": "off"})
		w := testutil.NewWorld(t, db, cfg)
		ctx := authz.System(t.Context(), authz.SysTestFixture)
		for i := 2; i < authz.MinPublishedOfficials; i++ { // ParentUnit has 2 officials
			db.Client.Official.Create().SetFullName(fmt.Sprintf("Chuyên viên %d", i)).SetCategory(official.CategoryCONG_CHUC).
				SetEmployeeCode(fmt.Sprintf("OF-%d", i)).SetActiveFrom(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)).
				SetUnitID(w.A.ParentUnit).ExecX(ctx)
		}
		api := testutil.NewAPI(t, db, cfg)
		sup, _ := api.Login(t, w.Logins["provinceSupervisor"], testutil.Password)
		supAPI := api.As(sup)
		closeCase := func(unitID string) {
			r := rcSubmit(t, api, map[string]any{"channel": "FEEDBACK", "unitId": unitID, "category": "NO_BUREAUCRACY",
				"description": "Hồ sơ chậm trễ nhiều ngày.", "idempotencyKey": testutil.NewKey()})
			var id string
			for _, c := range db.Client.CitizenCase.Query().AllX(ctx) {
				if c.TrackingCode == r.TrackingCode {
					id = c.ID
				}
			}
			osAct(t, supAPI, "caseAccept", "CaseActionInput", map[string]any{"caseId": id})
			osAct(t, supAPI, "caseStartVerification", "CaseStartVerificationInput", map[string]any{"caseId": id})
			osAct(t, supAPI, "caseConclude", "CaseConcludeInput", map[string]any{"caseId": id, "conclusion": "UNSUBSTANTIATED", "findings": "Không có căn cứ."})
			osAct(t, supAPI, "caseClose", "CaseActionInput", map[string]any{"caseId": id})
		}
		closeCase(w.A.ParentUnit)
		closeCase(w.A.ParentUnit)
		closeCase(w.A.ChildUnit) // one official: not counted
		rcSubmit(t, api, map[string]any{"channel": "FEEDBACK", "unitId": w.A.ParentUnit, "category": "NO_CORRUPTION",
			"description": "Một phản ánh chưa đóng.", "idempotencyKey": testutil.NewKey()})

		now := time.Now().In(workdays.Vietnam)
		month := now.Format("2006-01")
		rows := ofCSV(t, api, "/open-data/closed-cases/"+month+".csv")
		want := [][]string{{"month", "province_code", "province_name", "channel", "category", "closed_cases"},
			{month, "WA", "Tỉnh WA", "FEEDBACK", "NO_BUREAUCRACY", "2"}}
		if fmt.Sprint(rows) != fmt.Sprint(want) {
			t.Fatalf("closed cases %v, want %v", rows, want)
		}
		if rows := ofCSV(t, api, "/open-data/closed-cases/"+now.AddDate(0, -1, 0).Format("2006-01")+".csv"); len(rows) != 1 {
			t.Fatalf("last month: %v", rows)
		}
		for _, bad := range []string{"2019-12", now.AddDate(0, 1, 0).Format("2006-01"), "2026-13", "latest"} {
			rec := osGet(t, api, "/open-data/closed-cases/"+bad+".csv", "Accept-Language", "en")
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "YYYY-MM") {
				t.Errorf("%s: %d %s", bad, rec.Code, rec.Body)
			}
		}

		// Progress per province: the same headcount as progress; no rates under 10 officials.
		prog := ofCSV(t, api, fmt.Sprintf("/open-data/progress/%d.csv", now.Year()))
		if len(prog) != 3 || prog[0][3] != "headcount" || prog[0][5] != "awareness_rate" {
			t.Fatalf("progress %v", prog)
		}
		var gql struct{ Progress struct{ Headcount int } }
		supAPI.Query(t, `query($p: ID!, $y: Int!) { progress(scope: {provinceId: $p}, year: $y) { headcount } }`,
			map[string]any{"p": w.A.Province, "y": now.Year()}).Decode(t, &gql)
		for _, r := range prog[1:] {
			switch r[1] {
			case "WA":
				if r[3] != fmt.Sprint(gql.Progress.Headcount) || r[5] == "" || r[6] == "" {
					t.Errorf("province WA %v (progress headcount %d)", r, gql.Progress.Headcount)
				}
			case "WB":
				if r[3] == "" || r[5] != "" || r[6] != "" || r[12] != "" {
					t.Errorf("province WB has %s officials and publishes rates: %v", r[3], r)
				}
			default:
				t.Errorf("row %v", r)
			}
		}
		if rec := osGet(t, api, "/open-data/progress/1999.csv"); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "Năm") {
			t.Errorf("1999: %d %s", rec.Code, rec.Body)
		}
		if rec := osGet(t, api, "/open-data/other/2026.csv"); rec.Code != http.StatusNotFound {
			t.Errorf("other: %d", rec.Code)
		}
	})
}

// TestProgressCSVStatements: the progress export (every province's figures for a year) costs the
// same number of SQL statements with 2 provinces as with 12 (one of them merged into another, whose
// counts it adds): not a report per province.
func TestProgressCSVStatements(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, map[string]string{"OPEN311_RATE": "off"})
		w := testutil.NewWorld(t, db, cfg)
		api := testutil.NewAPI(t, db, cfg)
		year := time.Now().In(workdays.Vietnam).Year()
		ofCSV(t, api, "/open-data/progress/2022.csv") // the counters roll to today once, first
		cost := func(y int) ([][]string, int) {
			db.Counter.Reset()
			rows := ofCSV(t, api, fmt.Sprintf("/open-data/progress/%d.csv", y))
			return rows, db.Counter.Count()
		}
		rows, two := cost(year)
		if len(rows) != 3 {
			t.Fatalf("2 provinces: %v", rows)
		}
		ctx := authz.System(t.Context(), authz.SysTestFixture)
		from := time.Date(2020, 1, 1, 0, 0, 0, 0, workdays.Vietnam)
		for i := range 10 {
			db.Client.Province.Create().SetCode(fmt.Sprintf("X%02d", i)).SetName(fmt.Sprintf("Tỉnh X%02d", i)).
				SetKind(province.KindPROVINCE).SetValidFrom(from).ExecX(ctx)
		}
		db.Client.Province.Create().SetCode("XM").SetName("Tỉnh đã sáp nhập").SetKind(province.KindPROVINCE).
			SetValidFrom(from).SetValidTo(time.Date(2021, 1, 1, 0, 0, 0, 0, workdays.Vietnam)).SetSuccessorID(w.A.Province).ExecX(ctx)
		rows, twelve := cost(year - 1)
		if len(rows) != 13 {
			t.Fatalf("12 provinces in force: %d rows", len(rows)-1)
		}
		if twelve != two {
			t.Fatalf("the progress export cost %d statements for 2 provinces, %d for 12: it grows with the provinces", two, twelve)
		}
		t.Logf("progress export: %d statements for 2 provinces, %d for 12", two, twelve)
	})
}
