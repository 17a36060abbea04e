package server_test

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/config"
	"github.com/liemchinh/liemchinh/internal/open311"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// Issue 16 item 2: Open311 GeoReport v2. Identifiers here start with os.

// The field lists of GeoReport v2 (http://wiki.open311.org/GeoReport_v2).
var (
	osServiceFields = []string{"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
	osRequestFields = []string{"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
		"agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime", "address",
		"address_id", "zipcode", "lat", "long", "media_url"}
	osRequired = []string{"service_request_id", "status", "service_code", "requested_datetime"}
	// What open data never says (DESIGN.md §13).
	osNever = []string{"description", "address", "address_id", "zipcode", "lat", "long", "media_url"}
)

func osGet(t *testing.T, api *testutil.API, path string, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	api.Handler.ServeHTTP(rec, req)
	return rec
}

func osPost(t *testing.T, api *testutil.API, path string, form url.Values, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	api.Handler.ServeHTTP(rec, req)
	return rec
}

// osRequests fetches a requests list as JSON, checks every request against the field lists and
// returns them.
func osRequests(t *testing.T, api *testutil.API, query string) []map[string]any {
	t.Helper()
	rec := osGet(t, api, "/open311/v2/requests.json"+query)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("requests%s: %d %s", query, rec.Code, rec.Body)
	}
	var rs []map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &rs); err != nil {
		t.Fatalf("requests%s: %v %s", query, err, rec.Body)
	}
	for _, r := range rs {
		osCheckRequest(t, r)
	}
	return rs
}

func osCheckRequest(t *testing.T, r map[string]any) {
	t.Helper()
	for k := range r {
		if !slices.Contains(osRequestFields, k) {
			t.Errorf("request member %q is not a GeoReport v2 field", k)
		}
		if slices.Contains(osNever, k) {
			t.Errorf("request publishes %q", k)
		}
	}
	for _, k := range osRequired {
		if s, _ := r[k].(string); s == "" {
			t.Errorf("request lacks %s: %v", k, r)
		}
	}
	if st := r["status"]; st != "open" && st != "closed" {
		t.Errorf("status %v", st)
	}
	// Types as the GeoReport v2 JSON Schema has them (open311/schema-validation, request.json):
	// strings, or null where optional.
	for k, v := range r {
		if _, isString := v.(string); !isString && (v != nil || slices.Contains(osRequired, k)) {
			t.Errorf("%s is %T, want a string", k, v)
		}
	}
	for _, k := range []string{"requested_datetime", "updated_datetime"} {
		if _, err := time.Parse(time.RFC3339, r[k].(string)); err != nil {
			t.Errorf("%s %v: %v", k, r[k], err)
		}
	}
}

// osXML is any XML element, for checking documents' shapes.
type osXML struct {
	XMLName  xml.Name
	Text     string  `xml:",chardata"`
	Children []osXML `xml:",any"`
}

func (x osXML) names() []string {
	var out []string
	for _, c := range x.Children {
		out = append(out, c.XMLName.Local)
	}
	return out
}

func osParseXML(t *testing.T, rec *httptest.ResponseRecorder) osXML {
	t.Helper()
	if !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/xml") || !strings.HasPrefix(rec.Body.String(), "<?xml") {
		t.Fatalf("not XML: %s %s", rec.Header().Get("Content-Type"), rec.Body)
	}
	var x osXML
	if err := xml.Unmarshal(rec.Body.Bytes(), &x); err != nil {
		t.Fatalf("XML: %v %s", err, rec.Body)
	}
	return x
}

func osAct(t *testing.T, api *testutil.API, field, typ string, in map[string]any) {
	t.Helper()
	var out map[string]struct{ UserErrors []struct{ Message string } }
	api.Query(t, fmt.Sprintf(`mutation($in: %s!) { %s(input: $in) { userErrors { message } } }`, typ, field), map[string]any{"in": in}).Decode(t, &out)
	if ue := out[field].UserErrors; len(ue) > 0 {
		t.Fatalf("%s: %v", field, ue)
	}
}

func TestOpen311(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, map[string]string{"CITIZEN_SUBMIT_RATE": "off", "TRACKING_RATE": "off", "OPEN311_RATE": "off"})
		w := testutil.NewWorld(t, db, cfg)
		ctx := authz.System(t.Context(), authz.SysTestFixture)
		// ParentUnit gets to 10 officials in service (published); ChildUnit keeps its one.
		n := db.Client.Official.Query().Where(official.UnitID(w.A.ParentUnit)).CountX(ctx)
		for i := n; i < authz.MinPublishedOfficials; i++ {
			db.Client.Official.Create().SetFullName(fmt.Sprintf("Chuyên viên %d", i)).SetCategory(official.CategoryCONG_CHUC).
				SetEmployeeCode(fmt.Sprintf("OS-%d", i)).SetActiveFrom(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)).
				SetUnitID(w.A.ParentUnit).ExecX(ctx)
		}
		// One who left does not count: OtherUnit, with its outsider and 8 more in service and one
		// gone, stays unpublished.
		for i := range authz.MinPublishedOfficials - 1 {
			o := db.Client.Official.Create().SetFullName(fmt.Sprintf("Cán sự %d", i)).SetCategory(official.CategoryCONG_CHUC).
				SetEmployeeCode(fmt.Sprintf("OS-O-%d", i)).SetActiveFrom(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)).SetUnitID(w.A.OtherUnit)
			if i == 0 {
				o.SetActiveTo(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
			}
			o.ExecX(ctx)
		}
		api := testutil.NewAPI(t, db, cfg)
		admin, _ := api.Login(t, w.Logins["admin"], testutil.Password)
		sup, _ := api.Login(t, w.Logins["provinceSupervisor"], testutil.Password)

		submit := func(in map[string]any) rcSubmitted {
			in["idempotencyKey"] = testutil.NewKey()
			return rcSubmit(t, api, in)
		}
		const secretWords = "Ông Trưởng phòng đòi phong bì dày"
		fb := submit(map[string]any{"channel": "FEEDBACK", "unitId": w.A.ParentUnit, "officialId": w.A.Manager, "category": "NO_CORRUPTION",
			"description": secretWords, "place": "Số 12 đường Lê Lợi", "reporter": map[string]any{"name": "Phạm Văn Kín", "phone": "0912345678"}})
		praise := submit(map[string]any{"channel": "PRAISE", "unitId": w.A.ParentUnit, "description": "Cán bộ tiếp dân rất tận tình."})
		den := submit(map[string]any{"channel": "DENUNCIATION", "unitId": w.A.ParentUnit, "category": "NO_CORRUPTION",
			"description": "Tố cáo nhận hối lộ khi cấp phép.", "reporter": map[string]any{"name": "Đỗ Thị Tố", "phone": "0987654321"}})
		anonDen := submit(map[string]any{"channel": "DENUNCIATION", "unitId": w.A.ParentUnit, "category": "NO_CORRUPTION",
			"description": "Tố cáo nặc danh về nhận hối lộ."})
		small := submit(map[string]any{"channel": "FEEDBACK", "unitId": w.A.ChildUnit, "category": "NO_BUREAUCRACY",
			"description": "Văn thư thờ ơ với người dân."})
		other := submit(map[string]any{"channel": "FEEDBACK", "unitId": w.A.OtherUnit, "category": "NO_BUREAUCRACY",
			"description": "Đơn vị bên cạnh chậm giải quyết."})

		// The feedback is handled and closed with a public note.
		fbID := db.Client.CitizenCase.Query().Where().AllX(ctx)
		var fbCase string
		for _, c := range fbID {
			if c.TrackingCode == fb.TrackingCode {
				fbCase = c.ID
			}
		}
		supAPI := api.As(sup)
		// A public note is given only when closing.
		var refused map[string]struct{ UserErrors []struct{ Field []string } }
		supAPI.Query(t, `mutation($in: CaseActionInput!) { caseAccept(input: $in) { userErrors { field } } }`,
			map[string]any{"in": map[string]any{"caseId": fbCase, "publicNote": "Ghi chú sớm."}}).Decode(t, &refused)
		if ue := refused["caseAccept"].UserErrors; len(ue) != 1 || ue[0].Field[len(ue[0].Field)-1] != "publicNote" {
			t.Fatalf("publicNote on caseAccept: %+v", refused)
		}
		osAct(t, supAPI, "caseAccept", "CaseActionInput", map[string]any{"caseId": fbCase})
		osAct(t, supAPI, "caseStartVerification", "CaseStartVerificationInput", map[string]any{"caseId": fbCase,
			"subjectNotice": "Đề nghị giải trình về việc tiếp nhận hồ sơ tại bộ phận một cửa."})
		osAct(t, supAPI, "caseConclude", "CaseConcludeInput", map[string]any{"caseId": fbCase, "conclusion": "PARTLY_SUBSTANTIATED",
			"findings": "Ông Trưởng phòng đã nhận quà."})
		const publicNote = "Đơn vị đã chấn chỉnh quy trình tiếp nhận hồ sơ."
		osAct(t, supAPI, "caseClose", "CaseActionInput", map[string]any{"caseId": fbCase, "publicNote": publicNote})

		// A denunciation takes no public note.
		var denCase string
		for _, c := range db.Client.CitizenCase.Query().AllX(ctx) {
			if c.TrackingCode == den.TrackingCode {
				denCase = c.ID
			}
		}
		osAct(t, supAPI, "caseAccept", "CaseActionInput", map[string]any{"caseId": denCase})
		osAct(t, supAPI, "caseStartVerification", "CaseStartVerificationInput", map[string]any{"caseId": denCase})
		osAct(t, supAPI, "caseConclude", "CaseConcludeInput", map[string]any{"caseId": denCase, "conclusion": "UNSUBSTANTIATED", "findings": "Không có căn cứ."})
		var denClose map[string]struct{ UserErrors []struct{ Field []string } }
		supAPI.Query(t, `mutation($in: CaseActionInput!) { caseClose(input: $in) { userErrors { field } } }`,
			map[string]any{"in": map[string]any{"caseId": denCase, "publicNote": "Đã xử lý xong."}}).Decode(t, &denClose)
		if ue := denClose["caseClose"].UserErrors; len(ue) != 1 || ue[0].Field[len(ue[0].Field)-1] != "publicNote" {
			t.Fatalf("publicNote on a denunciation: %+v", denClose)
		}

		// Discovery and services.
		var disc map[string]any
		rec := osGet(t, api, "/open311/v2/discovery.json")
		if err := json.Unmarshal(rec.Body.Bytes(), &disc); err != nil || rec.Code != 200 {
			t.Fatalf("discovery: %d %s", rec.Code, rec.Body)
		}
		eps, _ := disc["endpoints"].([]any)
		if len(eps) != 1 || eps[0].(map[string]any)["specification"] != open311.Spec || !strings.HasSuffix(eps[0].(map[string]any)["url"].(string), "/open311/v2") {
			t.Fatalf("discovery %s", rec.Body)
		}
		if x := osParseXML(t, osGet(t, api, "/open311/v2/discovery.xml")); x.XMLName.Local != "discovery" ||
			!slices.Equal(x.names(), []string{"changeset", "contact", "key_service", "endpoints"}) {
			t.Fatalf("discovery.xml %+v", x.names())
		}
		var svcs []map[string]any
		rec = osGet(t, api, "/open311/v2/services.json", "Accept-Language", "en")
		if err := json.Unmarshal(rec.Body.Bytes(), &svcs); err != nil || len(svcs) != 7 {
			t.Fatalf("services: %s", rec.Body)
		}
		codes := []string{}
		for _, s := range svcs {
			if len(s) != len(osServiceFields) {
				t.Errorf("service members %v", s)
			}
			for _, k := range osServiceFields {
				if _, ok := s[k]; !ok {
					t.Errorf("service lacks %s: %v", k, s)
				}
			}
			if _, ok := s["metadata"].(bool); !ok || !slices.Contains([]any{"realtime", "batch", "blackbox"}, s["type"]) {
				t.Errorf("service %v", s)
			}
			codes = append(codes, s["service_code"].(string))
		}
		if !slices.Contains(codes, "PRAISE") || !slices.Contains(codes, "FEEDBACK-NO_CORRUPTION") || slices.ContainsFunc(codes, func(c string) bool { return strings.Contains(c, "DENUNCIATION") }) {
			t.Fatalf("service codes %v", codes)
		}
		sx := osParseXML(t, osGet(t, api, "/open311/v2/services.xml"))
		if sx.XMLName.Local != "services" || len(sx.Children) != 7 || !slices.Equal(sx.Children[0].names(), osServiceFields) {
			t.Fatalf("services.xml %v", sx.Children[0].names())
		}
		var def struct {
			ServiceCode string           `json:"service_code"`
			Attributes  []map[string]any `json:"attributes"`
		}
		if err := json.Unmarshal(osGet(t, api, "/open311/v2/services/FEEDBACK-NO_CORRUPTION.json").Body.Bytes(), &def); err != nil ||
			def.ServiceCode != "FEEDBACK-NO_CORRUPTION" || len(def.Attributes) != 1 {
			t.Fatalf("service definition %v", def)
		}
		// service-definition.json: variable, code, datatype, required; datatype of its list.
		a := def.Attributes[0]
		if _, ok := a["variable"].(bool); !ok || a["code"] != "unit_id" || a["required"] != true ||
			!slices.Contains([]any{"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}, a["datatype"]) {
			t.Fatalf("attribute %v", a)
		}
		if x := osParseXML(t, osGet(t, api, "/open311/v2/services/FEEDBACK-NO_CORRUPTION.xml")); x.XMLName.Local != "service_definition" ||
			!slices.Equal(x.names(), []string{"service_code", "attributes"}) || x.Children[1].Children[0].XMLName.Local != "attribute" {
			t.Fatalf("service definition XML %+v", x)
		}
		if rec := osGet(t, api, "/open311/v2/services/DENUNCIATION.json"); rec.Code != 404 {
			t.Fatalf("unknown service: %d", rec.Code)
		}

		// Requests: the feedback and the praise about the unit of 10, nothing else.
		all := osRequests(t, api, "")
		if len(all) != 2 {
			t.Fatalf("published %d requests, want 2: %v", len(all), all)
		}
		body := osGet(t, api, "/open311/v2/requests.json").Body.String() + osGet(t, api, "/open311/v2/requests.xml").Body.String()
		for _, leak := range []string{fb.TrackingCode, praise.TrackingCode, den.TrackingCode, anonDen.TrackingCode, small.TrackingCode,
			other.TrackingCode, fbCase, "phong bì", "Lê Lợi", "Phạm Văn Kín", "Trưởng " + "A", "đã nhận quà", "Đỗ Thị Tố", w.A.Manager, "Tố cáo"} {
			if strings.Contains(body, leak) {
				t.Errorf("open data carries %q", leak)
			}
		}
		var closed, open map[string]any
		for _, r := range all {
			if r["status"] == "closed" {
				closed = r
			} else {
				open = r
			}
		}
		if closed == nil || open == nil || closed["service_code"] != "FEEDBACK-NO_CORRUPTION" || closed["status_notes"] != publicNote ||
			open["service_code"] != "PRAISE" || open["status_notes"] != nil || closed["agency_responsible"] != "UBND A-1" && closed["agency_responsible"] == "" {
			t.Fatalf("requests %v", all)
		}
		if closed["updated_datetime"] == closed["requested_datetime"] && closed["updated_datetime"].(string) < closed["requested_datetime"].(string) {
			t.Fatalf("updated before requested: %v", closed)
		}
		// XML: the same requests, the same fields.
		rx := osParseXML(t, osGet(t, api, "/open311/v2/requests.xml"))
		if rx.XMLName.Local != "service_requests" || len(rx.Children) != 2 {
			t.Fatalf("requests.xml %+v", rx)
		}
		for _, r := range rx.Children {
			for _, n := range r.names() {
				if !slices.Contains(osRequestFields, n) || slices.Contains(osNever, n) {
					t.Errorf("requests.xml element %s", n)
				}
			}
		}
		// One by its public id (never the tracking code), in both formats.
		id := closed["service_request_id"].(string)
		if id == fb.TrackingCode || strings.Contains(id, strings.ToLower(fb.TrackingCode)) || strings.Contains(fbCase, id) {
			t.Fatalf("public id %s", id)
		}
		one := osRequests(t, api, "")
		_ = one
		rec = osGet(t, api, "/open311/v2/requests/"+id+".json")
		var single []map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &single); err != nil || len(single) != 1 || single[0]["service_request_id"] != id {
			t.Fatalf("request by id: %d %s", rec.Code, rec.Body)
		}
		if x := osParseXML(t, osGet(t, api, "/open311/v2/requests/"+id+".xml")); len(x.Children) != 1 {
			t.Fatalf("request by id in XML: %+v", x)
		}
		// A denunciation's id, an unpublished unit's, a tracking code, garbage: 404 alike.
		ids, err := open311.New(open311.Deps{Client: db.Client, IDKey: mustB64(t, cfg.ReporterKey)})
		if err != nil {
			t.Fatal(err)
		}
		if ids.PublicID(fbCase) != id {
			t.Fatal("the public id is not the one derived from REPORTER_KEY")
		}
		for _, c := range db.Client.CitizenCase.Query().AllX(ctx) {
			if c.TrackingCode == den.TrackingCode || c.TrackingCode == anonDen.TrackingCode || c.TrackingCode == small.TrackingCode || c.TrackingCode == other.TrackingCode {
				if rec := osGet(t, api, "/open311/v2/requests/"+ids.PublicID(c.ID)+".json"); rec.Code != 404 {
					t.Errorf("unpublished case %s: %d %s", c.TrackingCode, rec.Code, rec.Body)
				}
			}
		}
		for _, bad := range []string{fb.TrackingCode, "zzzz", strings.ToUpper(id[:10])} {
			if rec := osGet(t, api, "/open311/v2/requests/"+bad+".json"); rec.Code != 404 {
				t.Errorf("request %s: %d", bad, rec.Code)
			}
		}

		// Standard filters and paging.
		if rs := osRequests(t, api, "?service_code=PRAISE"); len(rs) != 1 || rs[0]["service_code"] != "PRAISE" {
			t.Errorf("service_code=PRAISE: %v", rs)
		}
		if rs := osRequests(t, api, "?service_code=PRAISE,FEEDBACK-NO_CORRUPTION&status=closed"); len(rs) != 1 || rs[0]["status"] != "closed" {
			t.Errorf("status=closed: %v", rs)
		}
		if rs := osRequests(t, api, "?status=open"); len(rs) != 1 || rs[0]["status"] != "open" {
			t.Errorf("status=open: %v", rs)
		}
		future := url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339))
		if rs := osRequests(t, api, "?start_date="+future); len(rs) != 0 {
			t.Errorf("start_date in the future: %v", rs)
		}
		past := url.QueryEscape(time.Now().Add(-time.Hour).Format(time.RFC3339))
		if rs := osRequests(t, api, "?start_date="+past+"&end_date="+future); len(rs) != 2 {
			t.Errorf("start_date and end_date: %v", rs)
		}
		p1, p2 := osRequests(t, api, "?page_size=1&page=1"), osRequests(t, api, "?page_size=1&page=2")
		if len(p1) != 1 || len(p2) != 1 || p1[0]["service_request_id"] == p2[0]["service_request_id"] {
			t.Errorf("paging: %v %v", p1, p2)
		}
		if rs := osRequests(t, api, "?service_request_id="+id+","+fb.TrackingCode+"&status=open"); len(rs) != 1 || rs[0]["service_request_id"] != id {
			t.Errorf("service_request_id (other filters ignored): %v", rs)
		}
		for q, word := range map[string]string{"?status=pending": "status", "?service_code=DENUNCIATION": "service_code",
			"?start_date=yesterday": "start_date", "?page_size=1000": "page_size", "?page=0": "page"} {
			rec := osGet(t, api, "/open311/v2/requests.json"+q, "Accept-Language", "en")
			var errs []struct {
				Code        int
				Description string
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &errs); err != nil || rec.Code != 400 || len(errs) != 1 || errs[0].Code != 400 ||
				!strings.Contains(errs[0].Description, word) {
				t.Errorf("%s: %d %s", q, rec.Code, rec.Body)
			}
		}
		if x := osParseXML(t, osGet(t, api, "/open311/v2/requests.xml?status=pending")); x.XMLName.Local != "errors" ||
			!slices.Equal(x.Children[0].names(), []string{"code", "description"}) || !strings.Contains(x.Children[0].Children[1].Text, "open") {
			t.Errorf("XML error %+v", x)
		}

		// Cached: a new published case shows once the minute has passed, not before.
		rec = osGet(t, api, "/open311/v2/requests.json")
		if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=60" {
			t.Errorf("Cache-Control %q", cc)
		}
		submit(map[string]any{"channel": "PRAISE", "unitId": w.A.ParentUnit, "description": "Cán bộ hướng dẫn tận tình, rõ ràng."})
		if rs := osRequests(t, api, ""); len(rs) != 2 {
			t.Errorf("the cached answer changed within its minute: %d", len(rs))
		}
		if rs := osRequests(t, api, "?service_code=PRAISE"); len(rs) != 1 {
			t.Errorf("a cached filter changed within its minute: %d", len(rs))
		}
		if rs := osRequests(t, api, "?status=open&service_code=PRAISE"); len(rs) != 2 {
			t.Errorf("a query not cached yet misses the new case: %d", len(rs))
		}

		// POST: a partner app with an administrator's api_key files anonymous feedback.
		var issued struct {
			PartnerKeyIssue struct {
				KeyID, APIKey string
				UserErrors    []struct{ Message string }
			}
		}
		if r := api.As(sup).Query(t, `mutation { partnerKeyIssue(input: {partner: "Ứng dụng X"}) { keyId apiKey } }`, nil); r.Code() != "FORBIDDEN" {
			t.Fatalf("a supervisor issued a key: %s", r.Raw)
		}
		api.As(admin).Query(t, `mutation { partnerKeyIssue(input: {partner: "Ứng dụng Phản ánh 24/7"}) { keyId apiKey userErrors { message } } }`, nil).Decode(t, &issued)
		key := issued.PartnerKeyIssue.APIKey
		if !strings.HasPrefix(key, "lc311_") || issued.PartnerKeyIssue.KeyID == "" {
			t.Fatalf("issue: %+v", issued)
		}
		form := url.Values{"api_key": {key}, "service_code": {"FEEDBACK-NO_BUREAUCRACY"}, "attribute[unit_id]": {w.A.ParentUnit},
			"description": {"Hồ sơ nộp ba tuần chưa được trả lời."}, "address_string": {"Bộ phận một cửa"},
			"email": {"dan@example.com"}, "first_name": {"Dân"}, "lat": {"10.24"}, "long": {"106.37"}}
		rec = osPost(t, api, "/open311/v2/requests.json", form)
		var posted []map[string]string
		if err := json.Unmarshal(rec.Body.Bytes(), &posted); err != nil || rec.Code != http.StatusCreated || len(posted) != 1 {
			t.Fatalf("POST: %d %s", rec.Code, rec.Body)
		}
		code, secret, ok := strings.Cut(posted[0]["token"], ".")
		if !ok || code != posted[0]["tracking_code"] || secret != posted[0]["secret"] || posted[0]["service_notice"] == "" || posted[0]["receipt"] == "" {
			t.Fatalf("POST answer %v", posted[0])
		}
		tc, _ := cwTrack(t, api, code, secret)
		if tc == nil || tc.Channel != "FEEDBACK" {
			t.Fatalf("the posted case by its token: %+v", tc)
		}
		c := db.Client.CitizenCase.Query().AllX(ctx)
		for _, cc := range c {
			if cc.TrackingCode == code && (!cc.Anonymous || (cc.ReporterIdentity != nil && len(*cc.ReporterIdentity) > 0) || cc.Category == nil || *cc.Category != "NO_BUREAUCRACY") {
				t.Fatalf("posted case %+v", cc)
			}
		}
		// XML answer too.
		form.Set("description", "Hồ sơ thứ hai cũng chậm trễ nhiều ngày.")
		if x := osParseXML(t, osPost(t, api, "/open311/v2/requests.xml", form)); x.XMLName.Local != "service_requests" ||
			!slices.Contains(x.Children[0].names(), "token") {
			t.Fatalf("POST xml %+v", x)
		}
		// Refusals, in the reader's language.
		for name, tc := range map[string]struct {
			change url.Values
			status int
			word   string
		}{
			"no key":           {url.Values{"api_key": {""}}, 403, "api_key"},
			"unknown key":      {url.Values{"api_key": {"lc311_" + strings.Repeat("A", 43)}}, 403, "api_key"},
			"evidence by URL":  {url.Values{"media_url": {"https://example.com/a.jpg"}}, 400, "media_url"},
			"praise":           {url.Values{"service_code": {"PRAISE"}}, 400, "service_code"},
			"no unit":          {url.Values{"attribute[unit_id]": {""}}, 400, "unit_id"},
			"unknown unit":     {url.Values{"attribute[unit_id]": {"unt_01jzzzzzzzzzzzzzzzzzzzzzzz"}}, 400, "unit"},
			"short text":       {url.Values{"description": {"ngắn"}}, 400, "description"},
			"one UUID for key": {url.Values{"idempotency_key": {anUUID()}}, 400, "UUID"},
		} {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			for k, v := range tc.change {
				f[k] = v
			}
			rec := osPost(t, api, "/open311/v2/requests.json", f, "Accept-Language", "en")
			if rec.Code != tc.status || !strings.Contains(strings.ToLower(rec.Body.String()), strings.ToLower(tc.word)) {
				t.Errorf("%s: %d %s", name, rec.Code, rec.Body)
			}
		}
		vi := osPost(t, api, "/open311/v2/requests.json", url.Values{"api_key": {"x"}})
		if !strings.Contains(vi.Body.String(), "không hợp lệ") {
			t.Errorf("Vietnamese by default: %s", vi.Body)
		}
		// A revoked key is refused.
		var rev struct{ PartnerKeyRevoke struct{ Revoked bool } }
		api.As(admin).Query(t, `mutation($id: ID!) { partnerKeyRevoke(input: {keyId: $id}) { revoked } }`,
			map[string]any{"id": issued.PartnerKeyIssue.KeyID}).Decode(t, &rev)
		if !rev.PartnerKeyRevoke.Revoked {
			t.Fatal("not revoked")
		}
		if rec := osPost(t, api, "/open311/v2/requests.json", form); rec.Code != 403 {
			t.Fatalf("revoked key: %d %s", rec.Code, rec.Body)
		}
	})
}

func mustB64(t *testing.T, s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestOpen311Limits: reads are limited per client address, submissions per api_key.
func TestOpen311Limits(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, map[string]string{"OPEN311_RATE": "3/1m", "OPEN311_SUBMIT_RATE": "1/1m", "CITIZEN_SUBMIT_RATE": "1/10m"})
		w := testutil.NewWorld(t, db, cfg)
		api := testutil.NewAPI(t, db, cfg)
		for i := range 3 {
			if rec := osGet(t, api, "/open311/v2/services.json"); rec.Code != 200 {
				t.Fatalf("read %d: %d", i, rec.Code)
			}
		}
		rec := osGet(t, api, "/open311/v2/services.json")
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
			t.Fatalf("4th read: %d %v", rec.Code, rec.Header())
		}
		admin, _ := api.Login(t, w.Logins["admin"], testutil.Password)
		var issued struct{ PartnerKeyIssue struct{ APIKey string } }
		api.As(admin).Query(t, `mutation { partnerKeyIssue(input: {partner: "P"}) { apiKey } }`, nil).Decode(t, &issued)
		form := url.Values{"api_key": {issued.PartnerKeyIssue.APIKey}, "service_code": {"FEEDBACK-OTHER"},
			"attribute[unit_id]": {w.A.ParentUnit}, "description": {"Phản ánh thứ nhất về thủ tục."}}
		// The partner's one submission a minute stands for the per-address limit (which a
		// citizen's own anonymous submission then still meets).
		if rec := osPost(t, api, "/open311/v2/requests.json", form); rec.Code != 201 {
			t.Fatalf("first: %d %s", rec.Code, rec.Body)
		}
		if rec := osPost(t, api, "/open311/v2/requests.json", form); rec.Code != 429 || rec.Header().Get("Retry-After") == "" {
			t.Fatalf("second: %d %s", rec.Code, rec.Body)
		}
		if r := cwSubmit(t, api, map[string]any{"channel": "FEEDBACK", "unitId": w.A.ParentUnit, "category": "OTHER",
			"description": "Phản ánh của một công dân.", "idempotencyKey": testutil.NewKey()}); !r.ok() {
			t.Fatalf("the citizen's own submission after the partner's: %+v", r)
		}
	})
}

// TestOpen311PostGuardOwnSetting: the per-address guard on POSTs has its own setting, so turning
// the reads' limit off (OPEN311_RATE=off) leaves it: reads are then unlimited, and made-up keys
// are still looked up only OPEN311_POST_RATE times before 429; by default (OPEN311_POST_RATE
// unset) the guard is 120 a minute.
func TestOpen311PostGuardOwnSetting(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		if c := testutil.Config(t, map[string]string{"OPEN311_RATE": "off"}); c.Open311Post != (config.Rate{N: 120, Period: time.Minute}) {
			t.Fatalf("OPEN311_POST_RATE by default with OPEN311_RATE=off: %+v, want 120/1m", c.Open311Post)
		}
		cfg := testutil.Config(t, map[string]string{"OPEN311_RATE": "off", "OPEN311_POST_RATE": "3/1m", "CITIZEN_SUBMIT_RATE": "off"})
		w := testutil.NewWorld(t, db, cfg)
		api := testutil.NewAPI(t, db, cfg)
		for i := range 10 {
			if rec := osGet(t, api, "/open311/v2/services.json"); rec.Code != 200 {
				t.Fatalf("read %d with OPEN311_RATE=off: %d", i+1, rec.Code)
			}
		}
		bad := url.Values{"api_key": {"lc311_made-up"}, "service_code": {"FEEDBACK-OTHER"},
			"attribute[unit_id]": {w.A.ParentUnit}, "description": {"Phản ánh giả."}}
		var posts []int
		for range 6 {
			posts = append(posts, osPost(t, api, "/open311/v2/requests.json", bad).Code)
		}
		if fmt.Sprint(posts) != "[403 403 403 429 429 429]" {
			t.Fatalf("6 POSTs with a made-up key, OPEN311_RATE=off and OPEN311_POST_RATE=3/1m: %v; want 3 looked up (403), then 429", posts)
		}
	})
}

// TestOpen311LimitsShared: Open311's limits count across server processes (on PostgreSQL the
// requests go in turn to two instances on one database), and a POST is limited by its address
// before its api_key is looked up: past the limit a flood of made-up keys is answered 429 without
// a statement. (Counted in each process's memory, two instances gave twice the allowance; the key
// was looked up for every POST, each answered 403.)
func TestOpen311LimitsShared(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, map[string]string{"TRUST_PROXY": "true", "OPEN311_RATE": "3/1m", "OPEN311_POST_RATE": "3/1m",
			"OPEN311_SUBMIT_RATE": "2/1m", "CITIZEN_SUBMIT_RATE": "off"})
		w := testutil.NewWorld(t, db, cfg)
		dbs := []*testutil.DB{db}
		if dia == dialect.Postgres {
			dbs = append(dbs, testutil.Reopen(t, db))
		}
		var instances []*testutil.API
		for _, d := range dbs {
			instances = append(instances, testutil.NewAPI(t, d, cfg))
		}
		via := func(i int) *testutil.API { return instances[i%len(instances)] }
		statements := func() (n int) {
			for _, d := range dbs {
				n += d.Counter.Count()
				d.Counter.Reset()
			}
			return n
		}
		count := func(codes []int, code int) (n int) {
			for _, c := range codes {
				if c == code {
					n++
				}
			}
			return n
		}

		var reads []int
		for i := range 6 {
			reads = append(reads, osGet(t, via(i), "/open311/v2/services.json", "X-Forwarded-For", "198.51.100.61").Code)
		}
		if count(reads, 200) != 3 || count(reads, 429) != 3 {
			t.Fatalf("6 reads from one address through %d instances: %v; want 3 served, 3 refused", len(instances), reads)
		}

		// Made-up keys: 3 are looked up (403), the rest refused by address first, with no statement.
		bad := url.Values{"api_key": {"lc311_made-up"}, "service_code": {"FEEDBACK-OTHER"},
			"attribute[unit_id]": {w.A.ParentUnit}, "description": {"Phản ánh giả."}}
		var posts []int
		statements()
		for i := range 3 {
			posts = append(posts, osPost(t, via(i), "/open311/v2/requests.json", bad, "X-Forwarded-For", "198.51.100.62").Code)
		}
		looked := statements()
		for i := range 20 {
			posts = append(posts, osPost(t, via(i+3), "/open311/v2/requests.json", bad, "X-Forwarded-For", "198.51.100.62").Code)
		}
		if count(posts[:3], 403) != 3 || count(posts[3:], 429) != 20 {
			t.Fatalf("23 POSTs with a made-up api_key from one address: %v; want 3 answered 403, then 429", posts)
		}
		if n := statements(); n != 0 || looked == 0 {
			t.Fatalf("statements: %d for the 3 key lookups, %d for the 20 POSTs refused by address; want some, then 0", looked, n)
		}

		// A partner's submissions: 2 a minute per api_key, from whichever address and process.
		admin, _ := instances[0].Login(t, w.Logins["admin"], testutil.Password)
		var issued struct{ PartnerKeyIssue struct{ APIKey string } }
		instances[0].As(admin).Query(t, `mutation { partnerKeyIssue(input: {partner: "P"}) { apiKey } }`, nil).Decode(t, &issued)
		posts = nil
		for i := range 4 {
			form := url.Values{"api_key": {issued.PartnerKeyIssue.APIKey}, "service_code": {"FEEDBACK-OTHER"},
				"attribute[unit_id]": {w.A.ParentUnit}, "description": {fmt.Sprintf("Phản ánh số %d về thủ tục.", i+1)}}
			posts = append(posts, osPost(t, via(i), "/open311/v2/requests.json", form, "X-Forwarded-For", fmt.Sprintf("198.51.100.%d", 70+i)).Code)
		}
		if count(posts, 201) != 2 || count(posts, 429) != 2 {
			t.Fatalf("4 submissions with one api_key through %d instances: %v; want 2 created, 2 refused", len(instances), posts)
		}
		t.Logf("%d instances: reads %v; made-up keys %d statements for 3 lookups, 0 for 20 refused; partner %v", len(instances), reads, looked, posts)
	})
}

// TestOpen311CacheNormalised: the requests list is cached on the question, not on how its query
// string is written: parameters in another order, repeated, or unknown (3,000 made-up ones from a
// client trying to blow the cache) are answered from the cache without a statement, and the first
// answer is still there afterwards; another question is not.
func TestOpen311CacheNormalised(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, map[string]string{"OPEN311_RATE": "off"})
		testutil.NewWorld(t, db, cfg)
		api := testutil.NewAPI(t, db, cfg)
		cost := func(query string) int {
			t.Helper()
			db.Counter.Reset()
			if rec := osGet(t, api, "/open311/v2/requests.json?"+query); rec.Code != http.StatusOK {
				t.Fatalf("%s: %d %s", query, rec.Code, rec.Body)
			}
			return db.Counter.Count()
		}
		if n := cost("status=open&service_code=FEEDBACK-OTHER"); n == 0 {
			t.Fatal("the first question cost no statement: the counter proves nothing")
		}
		for _, q := range []string{"service_code=FEEDBACK-OTHER&status=open", "status=open&status=open&service_code=FEEDBACK-OTHER",
			"status=open,open&service_code=FEEDBACK-OTHER&page=1", "status=open&service_code=FEEDBACK-OTHER&utm_source=mail"} {
			if n := cost(q); n != 0 {
				t.Errorf("%s: %d statements, want an answer from the cache", q, n)
			}
		}
		flood := 0
		for i := range 3000 {
			flood += cost(fmt.Sprintf("status=open&service_code=FEEDBACK-OTHER&x%d=%d", i, i))
		}
		if flood != 0 {
			t.Errorf("3,000 queries differing only in unknown parameters cost %d statements", flood)
		}
		if n := cost("status=open&service_code=FEEDBACK-OTHER"); n != 0 {
			t.Errorf("the first question after the flood: %d statements, want a hit", n)
		}
		if n := cost("status=closed&service_code=FEEDBACK-OTHER"); n == 0 {
			t.Error("another question was answered from the cache")
		}
	})
}
