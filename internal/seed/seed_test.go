package seed

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "modernc.org/sqlite"

	"github.com/alexedwards/argon2id"
	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/campaign"
	"github.com/liemchinh/liemchinh/ent/caseevent"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/commendation"
	"github.com/liemchinh/liemchinh/ent/district"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/ent/selfassessment"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/recordscope"
	"github.com/liemchinh/liemchinh/internal/sealbox"
)

var testNow = time.Date(2026, time.November, 29, 10, 0, 0, 0, time.UTC)

func openDB(t testing.TB, name string) *ent.Client {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+name+"?mode=memory&cache=shared&_pragma=foreign_keys(1)&_time_format=sqlite")
	if err != nil {
		t.Fatal(err)
	}
	client := ent.NewClient(ent.Driver(entsql.OpenDB(dialect.SQLite, db)))
	if err := client.Schema.Create(context.Background()); err != nil {
		t.Fatal(err)
	}
	return client
}

func testBox(t testing.TB) *sealbox.Box {
	t.Helper()
	box, err := sealbox.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return box
}

// demoDB is one database seeded with the demo, shared by the tests that only read it.
var demoDB struct {
	once   sync.Once
	client *ent.Client
	stats  Stats
	took   time.Duration
	err    error
}

func seeded(t *testing.T) (*ent.Client, Stats) {
	t.Helper()
	demoDB.once.Do(func() {
		demoDB.client = openDB(t, "seed_demo_shared")
		start := time.Now()
		demoDB.stats, demoDB.err = Demo(context.Background(), demoDB.client, Options{Box: testBox(t), Now: testNow})
		demoDB.took = time.Since(start)
	})
	if demoDB.err != nil {
		t.Fatalf("Demo: %v", demoDB.err)
	}
	return demoDB.client, demoDB.stats
}

func TestMergerTableCoversEveryProvinceOnce(t *testing.T) {
	units, err := parseAdminUnits()
	if err != nil {
		t.Fatal(err)
	}
	after, err := parseProvinces2025()
	if err != nil {
		t.Fatal(err)
	}
	newCodes := map[string]int{}
	for _, m := range mergers {
		newCodes[m.code]++
	}
	for _, p := range after {
		if newCodes[p[0]] != 1 {
			t.Errorf("new province %s %s is in the merger table %d times", p[0], p[1], newCodes[p[0]])
		}
	}
	if len(mergers) != 34 || len(after) != 34 {
		t.Errorf("merger table has %d rows, the 2025 list %d; want 34", len(mergers), len(after))
	}
	oldNames := map[string]int{}
	for _, m := range mergers {
		for _, f := range m.from {
			oldNames[f]++
		}
	}
	var old int
	for _, u := range units {
		if u.level != 1 {
			continue
		}
		old++
		if n := oldNames[shortName(u.name)]; n != 1 {
			t.Errorf("old province %s %s is merged %d times", u.code, u.name, n)
		}
	}
	if old != 63 || len(oldNames) != 63 {
		t.Errorf("63 old provinces expected: list has %d, table names %d", old, len(oldNames))
	}
	var unchanged int
	for _, m := range mergers {
		if len(m.from) == 1 {
			unchanged++
		}
	}
	if unchanged != 11 {
		t.Errorf("unchanged provinces = %d, want 11", unchanged)
	}
	rows, err := provinceRows(units, after)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 63+34-11 {
		t.Errorf("province rows = %d, want 86", len(rows))
	}
}

func TestReference(t *testing.T) {
	ctx := context.Background()
	client := openDB(t, "seed_reference")
	st, err := Reference(ctx, client)
	if err != nil {
		t.Fatal(err)
	}
	if st != (Stats{Provinces: 86, Districts: 696}) {
		t.Errorf("first run: %+v, want 86 provinces and 696 districts", st)
	}
	again, err := Reference(ctx, client)
	if err != nil {
		t.Fatal(err)
	}
	if again != (Stats{}) {
		t.Errorf("second run created %+v, want nothing", again)
	}

	current := client.Province.Query().Where(province.ValidToIsNil()).CountX(ctx)
	if current != 34 {
		t.Errorf("current provinces = %d, want 34", current)
	}
	ended := client.Province.Query().Where(province.ValidToNotNil()).CountX(ctx)
	if ended != 52 {
		t.Errorf("provinces ended by the merger = %d, want 52", ended)
	}
	munis := client.Province.Query().Where(province.ValidToIsNil(), province.KindEQ(province.KindMUNICIPALITY)).CountX(ctx)
	if munis != 6 {
		t.Errorf("current municipalities = %d, want 6", munis)
	}
	if n := client.District.Query().Where(district.ValidToNotNil()).CountX(ctx); n != 696 {
		t.Errorf("districts ending 2025-07-01 = %d, want 696", n)
	}

	get := func(code string, from time.Time) *ent.Province {
		t.Helper()
		p, err := client.Province.Query().Where(province.Code(code), province.ValidFrom(from)).WithSuccessor().WithPredecessors().Only(ctx)
		if err != nil {
			t.Fatalf("province %s from %s: %v", code, from.Format(time.DateOnly), err)
		}
		return p
	}
	newVinhLong := get("86", mergerDay)
	tests := []struct {
		code      string
		wantSucc  string // id of the successor, "" for none
		wantEnded bool
		wantName  string
	}{
		{"83", newVinhLong.ID, true, "Tỉnh Bến Tre"},
		{"86", newVinhLong.ID, true, "Tỉnh Vĩnh Long"},
		{"84", newVinhLong.ID, true, "Tỉnh Trà Vinh"},
		{"01", "", false, "Thành phố Hà Nội"},
		{"46", "", false, "Thành phố Huế"},
		{"79", get("79", mergerDay).ID, true, "Thành phố Hồ Chí Minh"},
		{"17", get("25", mergerDay).ID, true, "Tỉnh Hoà Bình"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			p := get(tt.code, historicFrom)
			var succ string
			if p.Edges.Successor != nil {
				succ = p.Edges.Successor.ID
			}
			if succ != tt.wantSucc {
				t.Errorf("successor = %q, want %q", succ, tt.wantSucc)
			}
			if (p.ValidTo != nil) != tt.wantEnded || (p.ValidTo != nil && !p.ValidTo.Equal(mergerDay)) {
				t.Errorf("valid_to = %v, ended want %v", p.ValidTo, tt.wantEnded)
			}
			if p.Name != tt.wantName {
				t.Errorf("name = %q, want %q", p.Name, tt.wantName)
			}
		})
	}
	if n := len(newVinhLong.Edges.Predecessors); n != 3 {
		t.Errorf("new Vĩnh Long has %d predecessors, want 3", n)
	}
	if newVinhLong.Name != "Tỉnh Vĩnh Long" || newVinhLong.ValidTo != nil {
		t.Errorf("new Vĩnh Long = %q valid_to %v", newVinhLong.Name, newVinhLong.ValidTo)
	}
	if n := client.Province.Query().Where(province.Code("01")).CountX(ctx); n != 1 {
		t.Errorf("Hà Nội has %d records, want 1", n)
	}
	bt := get("83", historicFrom)
	if n := client.District.Query().Where(district.HasProvinceWith(province.ID(bt.ID))).CountX(ctx); n != 9 {
		t.Errorf("Bến Tre has %d districts, want 9", n)
	}
}

func TestDemoCounts(t *testing.T) {
	client, st := seeded(t)
	ctx := context.Background()
	t.Logf("Demo took %s: %+v", demoDB.took, st)
	tests := []struct {
		name     string
		got      int
		min, max int
	}{
		{"provinces", st.Provinces, 86, 86},
		{"districts", st.Districts, 696, 696},
		{"units", st.Units, 250, 350},
		{"officials", st.Officials, 2700, 3300},
		{"accounts", st.Accounts, 6, 6},
		{"acknowledgements", st.Acknowledgements, st.Officials * 85 / 100, st.Officials},
		{"pledges", st.Pledges, st.Officials * 5, st.Officials * 7},
		{"registrations", st.Registrations, st.Units * 5, st.Units * 7},
		{"self-assessments", st.SelfAssessments, st.Officials * 5, st.Officials * 7},
		{"cases", st.Cases, 1500, 3000},
		{"incidents", st.Incidents, 500, 1000},
		{"commendations", st.Commendations, 3000, 15000},
		{"inspections", st.Inspections, 20, 70},
		{"province rows", client.Province.Query().CountX(ctx), 86, 86},
		{"district rows", client.District.Query().CountX(ctx), 696, 696},
		{"official rows", client.Official.Query().CountX(ctx), st.Officials, st.Officials},
		{"case rows", client.CitizenCase.Query().CountX(ctx), st.Cases, st.Cases},
		{"criteria", client.Criterion.Query().CountX(ctx), 13, 13},
		{"phases", client.Phase.Query().CountX(ctx), 2, 2},
		{"items per assessment", client.SelfAssessmentItem.Query().CountX(ctx) / max(st.SelfAssessments, 1), 9, 9},
		{"case messages", client.CaseMessage.Query().CountX(ctx), 2, 500},
		{"officials who left", client.Official.Query().Where(official.ActiveToNotNil()).CountX(ctx), 20, 120},
		{"commune units", client.Unit.Query().Where(unit.LevelEQ(unit.LevelCOMMUNE)).CountX(ctx), 148, 148},
		{"trade unions", client.Unit.Query().Where(unit.KindEQ(unit.KindTRADE_UNION)).CountX(ctx), 10, 60},
		{"revoked", client.Commendation.Query().Where(commendation.StatusEQ(commendation.StatusREVOKED)).CountX(ctx), 1, 1},
		{"declined", client.Commendation.Query().Where(commendation.StatusEQ(commendation.StatusDECLINED)).CountX(ctx), 1, 1000},
		{"proposed", client.Commendation.Query().Where(commendation.StatusEQ(commendation.StatusPROPOSED)).CountX(ctx), 1, 1000},
	}
	for _, tt := range tests {
		if tt.got < tt.min || tt.got > tt.max {
			t.Errorf("%s = %d, want %d..%d", tt.name, tt.got, tt.min, tt.max)
		}
	}
	bt := client.Unit.Query().Where(unit.HasProvinceWith(province.Code(benTreCode), province.ValidFrom(historicFrom))).CountX(ctx)
	if bt != st.Units {
		t.Errorf("%d of %d units are in the old Bến Tre", bt, st.Units)
	}
}

func TestDemoIdempotent(t *testing.T) {
	client, _ := seeded(t)
	ctx := context.Background()
	before := client.CaseEvent.Query().CountX(ctx) + client.Official.Query().CountX(ctx) + client.Pledge.Query().CountX(ctx)
	st, err := Demo(ctx, client, Options{Box: testBox(t), Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if st != (Stats{}) {
		t.Errorf("second Demo created %+v, want nothing", st)
	}
	after := client.CaseEvent.Query().CountX(ctx) + client.Official.Query().CountX(ctx) + client.Pledge.Query().CountX(ctx)
	if after != before {
		t.Errorf("rows before %d, after %d", before, after)
	}
	if n := client.Campaign.Query().Where(campaign.Code(DemoCampaignCode)).CountX(ctx); n != 1 {
		t.Errorf("%d demo campaigns", n)
	}
}

// fingerprint digests rows of a demo database that must not differ between two runs.
func fingerprint(t *testing.T, client *ent.Client) (ids map[string][]string, digest string) {
	t.Helper()
	ctx := context.Background()
	ids = map[string][]string{
		"officials":   client.Official.Query().IDsX(ctx),
		"cases":       client.CitizenCase.Query().IDsX(ctx),
		"events":      client.CaseEvent.Query().IDsX(ctx),
		"incidents":   client.Incident.Query().IDsX(ctx),
		"assessments": client.SelfAssessment.Query().IDsX(ctx),
		"provinces":   client.Province.Query().IDsX(ctx),
	}
	for _, v := range ids {
		slices.Sort(v)
	}
	h := sha256.New()
	for _, c := range client.CitizenCase.Query().Order(ent.Asc(citizencase.FieldID)).AllX(ctx) {
		var who []byte
		if c.ReporterIdentity != nil {
			who = *c.ReporterIdentity
		}
		fmt.Fprintln(h, c.ID, c.TrackingCode, c.SecretHash, who, c.State, c.ReceivedAt.UnixNano(), c.Description, c.UpdatedAt.UnixNano())
	}
	for _, o := range client.Official.Query().Order(ent.Asc(official.FieldID)).AllX(ctx) {
		fmt.Fprintln(h, o.ID, o.FullName, o.EmployeeCode, o.Position, o.ActiveFrom.UnixNano(), o.CreatedAt.UnixNano())
	}
	for _, c := range client.Commendation.Query().Order(ent.Asc(commendation.FieldID)).AllX(ctx) {
		var number string
		if c.DecisionNumber != nil {
			number = *c.DecisionNumber
		}
		fmt.Fprintln(h, c.ID, c.Form, c.Status, number, c.Flagged, c.UpdatedAt.UnixNano())
	}
	return ids, fmt.Sprintf("%x", h.Sum(nil))
}

func TestDemoDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a second database")
	}
	a, _ := seeded(t)
	b := openDB(t, "seed_demo_second")
	if _, err := Demo(context.Background(), b, Options{Box: testBox(t), Now: testNow}); err != nil {
		t.Fatal(err)
	}
	idsA, digestA := fingerprint(t, a)
	idsB, digestB := fingerprint(t, b)
	for k, v := range idsA {
		if len(v) == 0 {
			t.Errorf("%s: no rows", k)
		}
		if !slices.Equal(v, idsB[k]) {
			t.Errorf("%s: ids differ between two fresh databases", k)
		}
	}
	if digestA != digestB {
		t.Errorf("row digests differ: %s vs %s", digestA, digestB)
	}
}

func TestDemoCases(t *testing.T) {
	client, _ := seeded(t)
	ctx := context.Background()
	box := testBox(t)
	cases := client.CitizenCase.Query().
		WithEvents(func(q *ent.CaseEventQuery) { q.Order(ent.Asc(caseevent.FieldOccurredAt), ent.Asc(caseevent.FieldID)) }).
		WithIncidents().WithOfficial().
		AllX(ctx)
	const alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
	codes := map[string]bool{}
	states := map[enum.CaseState]int{}
	var overdue, rated, anonymousDenunciations int
	for _, c := range cases {
		ev := c.Edges.Events
		if len(ev) == 0 || ev[0].Kind != caseevent.KindSUBMITTED || ev[0].FromState != nil {
			t.Fatalf("case %s: first event is not a submission", c.ID)
		}
		for i, e := range ev[1:] {
			if e.FromState == nil || *e.FromState != ev[i].ToState {
				t.Errorf("case %s: event %d %s from %v, previous to %s", c.ID, i+1, e.Kind, e.FromState, ev[i].ToState)
			}
			if e.OccurredAt.Before(ev[i].OccurredAt) || e.OccurredAt.After(testNow) {
				t.Errorf("case %s: event %s at %s out of order or in the future", c.ID, e.Kind, e.OccurredAt)
			}
		}
		if last := ev[len(ev)-1].ToState; c.State != last {
			t.Errorf("case %s: state %s, last event to %s", c.ID, c.State, last)
		}
		states[c.State]++
		if c.Anonymous {
			if c.Channel == enum.ChannelDenunciation {
				t.Errorf("case %s: anonymous denunciation", c.ID)
			}
			if c.ReporterIdentity != nil && len(*c.ReporterIdentity) > 0 {
				t.Errorf("case %s: anonymous with an identity", c.ID)
			}
			if c.RequestedChannel == enum.ChannelDenunciation {
				anonymousDenunciations++
			}
		} else {
			if c.ReporterIdentity == nil {
				t.Fatalf("case %s: identified without an identity", c.ID)
			}
			plain, err := box.Open(*c.ReporterIdentity, []byte(c.ID))
			if err != nil {
				t.Fatalf("case %s: identity does not open: %v", c.ID, err)
			}
			var who map[string]string
			if err := json.Unmarshal(plain, &who); err != nil || who["name"] == "" || who["phone"] == "" ||
				who["nationalId"] == "" || who["address"] == "" {
				t.Errorf("case %s: identity %s", c.ID, plain)
			}
		}
		if (c.Channel == enum.ChannelPraise) != (c.Category == nil) {
			t.Errorf("case %s: channel %s with category %v", c.ID, c.Channel, c.Category)
		}
		if len(c.TrackingCode) != 10 || strings.Trim(c.TrackingCode, alphabet) != "" || codes[c.TrackingCode] {
			t.Errorf("case %s: tracking code %q bad or repeated", c.ID, c.TrackingCode)
		}
		codes[c.TrackingCode] = true
		if len(c.SecretHash) != 64 {
			t.Errorf("case %s: secret hash %q", c.ID, c.SecretHash)
		}
		substantiated := c.Conclusion != nil && *c.Conclusion != citizencase.ConclusionUNSUBSTANTIATED
		if substantiated && c.Edges.Official != nil && len(c.Edges.Incidents) == 0 {
			t.Errorf("case %s: substantiated about an official, no incident", c.ID)
		}
		if !substantiated && len(c.Edges.Incidents) > 0 {
			t.Errorf("case %s: incident without a substantiated conclusion", c.ID)
		}
		if c.Channel == enum.ChannelDenunciation && c.AcknowledgeDueAt == nil {
			t.Errorf("case %s: denunciation without acceptance deadline", c.ID)
		}
		if c.DueAt != nil && c.DueAt.Before(testNow) && c.ClosedAt == nil && c.ConcludedAt == nil &&
			(c.State == enum.CaseAccepted || c.State == enum.CaseVerifying || c.State == enum.CaseSubmitted) {
			overdue++
		}
		if c.Rating != nil {
			rated++
			if c.State != enum.CaseClosed {
				t.Errorf("case %s: rated while %s", c.ID, c.State)
			}
		}
	}
	for _, s := range []enum.CaseState{enum.CaseSubmitted, enum.CaseAccepted, enum.CaseRejected, enum.CaseTransferred,
		enum.CaseVerifying, enum.CaseClosed, enum.CaseWithdrawn, enum.CaseDuplicate} {
		if states[s] == 0 {
			t.Errorf("no case in state %s", s)
		}
	}
	if overdue == 0 || overdue > 60 {
		t.Errorf("%d overdue open cases, want a few", overdue)
	}
	if rated == 0 || anonymousDenunciations == 0 {
		t.Errorf("rated %d, anonymous denunciations stored as feedback %d", rated, anonymousDenunciations)
	}
	t.Logf("case states: %v; overdue open: %d", states, overdue)
}

// incidentYears maps an official's id to the years they have an incident in.
func incidentYears(t *testing.T, client *ent.Client) map[string]map[int]bool {
	t.Helper()
	out := map[string]map[int]bool{}
	for _, in := range client.Incident.Query().WithOfficial().AllX(context.Background()) {
		id := in.Edges.Official.ID
		if out[id] == nil {
			out[id] = map[int]bool{}
		}
		out[id][in.Year] = true
	}
	return out
}

func TestDemoClassificationsAndCommendations(t *testing.T) {
	client, _ := seeded(t)
	ctx := context.Background()
	inc := incidentYears(t, client)
	final := map[string]enum.Classification{}
	statuses := map[int]map[selfassessment.Status]int{}
	for _, sa := range client.SelfAssessment.Query().WithOfficial().AllX(ctx) {
		o := sa.Edges.Official.ID
		if statuses[sa.Year] == nil {
			statuses[sa.Year] = map[selfassessment.Status]int{}
		}
		statuses[sa.Year][sa.Status]++
		wantScheme := selfassessment.SchemeFOUR_LEVEL
		if sa.Year >= 2026 {
			wantScheme = selfassessment.SchemeSCORE_100
			if sa.Score == nil {
				t.Errorf("assessment %s: no score under SCORE_100", sa.ID)
			}
		}
		if sa.Scheme != wantScheme {
			t.Errorf("assessment %s of %d: scheme %s", sa.ID, sa.Year, sa.Scheme)
		}
		if sa.FinalClassification == nil {
			continue
		}
		f := *sa.FinalClassification
		final[fmt.Sprint(o, sa.Year)] = f
		if inc[o][sa.Year] && (f == enum.ClassificationExcellent || f == enum.ClassificationGood) {
			t.Errorf("official %s: %s in %d despite an incident", o, f, sa.Year)
		}
	}
	for y := 2020; y <= 2025; y++ {
		if n := len(statuses[y]); n != 1 || statuses[y][selfassessment.StatusREVIEWED] == 0 {
			t.Errorf("%d: statuses %v, want all REVIEWED", y, statuses[y])
		}
	}
	for _, s := range []selfassessment.Status{selfassessment.StatusDRAFT, selfassessment.StatusSUBMITTED, selfassessment.StatusRETURNED} {
		if statuses[2026][s] == 0 {
			t.Errorf("2026: no %s assessment (%v)", s, statuses[2026])
		}
	}
	if statuses[2026][selfassessment.StatusREVIEWED] != 0 {
		t.Errorf("2026: reviewed before the window closes")
	}

	forms := map[commendation.Form]int{}
	for _, c := range client.Commendation.Query().WithOfficial().WithUnit().AllX(ctx) {
		forms[c.Form]++
		if (c.Edges.Official == nil) == (c.Edges.Unit == nil) {
			t.Errorf("commendation %s: want exactly one recipient", c.ID)
		}
		if c.Status == commendation.StatusAPPROVED && (c.DecisionNumber == nil || c.DecisionDate == nil) {
			t.Errorf("commendation %s: approved without a decision", c.ID)
		}
		if c.Status == commendation.StatusREVOKED && (c.StatusReason == nil || !c.Flagged) {
			t.Errorf("commendation %s: revoked without reason or flag", c.ID)
		}
		if c.Form != commendation.FormLAO_DONG_TIEN_TIEN {
			continue
		}
		o := c.Edges.Official
		if o == nil {
			t.Fatalf("commendation %s: LAO_DONG_TIEN_TIEN for a unit", c.ID)
		}
		f := final[fmt.Sprint(o.ID, c.Year)]
		if f != enum.ClassificationExcellent && f != enum.ClassificationGood {
			t.Errorf("LAO_DONG_TIEN_TIEN %s for %d: classification %q", c.ID, c.Year, f)
		}
		if inc[o.ID][c.Year] {
			t.Errorf("LAO_DONG_TIEN_TIEN %s for %d: official has an incident that year", c.ID, c.Year)
		}
	}
	for _, f := range []commendation.Form{commendation.FormLAO_DONG_TIEN_TIEN, commendation.FormGIAY_KHEN,
		commendation.FormBANG_KHEN, commendation.FormPUBLIC_PRAISE, commendation.FormTAP_THE_LAO_DONG_TIEN_TIEN,
		commendation.FormCHIEN_SI_THI_DUA_CO_SO} {
		if forms[f] == 0 {
			t.Errorf("no %s commendation", f)
		}
	}
}

// negativity returns, per district code ("" for the provincial units) and year, the number of
// officials with an incident per 1,000 officials in service at the end of the year (DESIGN.md §6).
func negativity(t *testing.T, client *ent.Client) map[string]map[int]float64 {
	t.Helper()
	ctx := context.Background()
	districtOf := map[string]string{}
	headcount := map[string]map[int]int{}
	officials := client.Official.Query().WithUnit(func(q *ent.UnitQuery) { q.WithDistrict() }).AllX(ctx)
	for _, o := range officials {
		dc := ""
		if d := o.Edges.Unit.Edges.District; d != nil {
			dc = d.Code
		}
		districtOf[o.ID] = dc
		if headcount[dc] == nil {
			headcount[dc] = map[int]int{}
		}
		for y := 2020; y <= 2026; y++ {
			end := yearEnd(y, testNow)
			if !o.ActiveFrom.After(end) && (o.ActiveTo == nil || !o.ActiveTo.Before(end)) {
				headcount[dc][y]++
			}
		}
	}
	out := map[string]map[int]float64{}
	for id, years := range incidentYears(t, client) {
		dc := districtOf[id]
		if out[dc] == nil {
			out[dc] = map[int]float64{}
		}
		for y := range years {
			out[dc][y] += 1000 / float64(headcount[dc][y])
		}
	}
	return out
}

func TestDemoNegativityRate(t *testing.T) {
	client, _ := seeded(t)
	rates := negativity(t, client)
	if len(rates) != 10 {
		t.Fatalf("incidents in %d scopes, want 9 districts and the provincial units", len(rates))
	}
	var falling int
	for dc, r := range rates {
		worsening := slices.Contains(worseningDistricts, dc)
		for y := 2021; y <= 2026; y++ {
			if r[y] == 0 || r[y-1] == 0 {
				t.Errorf("district %q: no incidents in %d or %d", dc, y-1, y)
				continue
			}
			reduction := 1 - r[y]/r[y-1]
			switch {
			case worsening && reduction >= 0:
				t.Errorf("district %s should worsen: %d %.1f‰ after %.1f‰", dc, y, r[y], r[y-1])
			case !worsening && reduction <= 0:
				t.Errorf("district %q should improve: %d %.1f‰ after %.1f‰", dc, y, r[y], r[y-1])
			}
		}
		if !worsening {
			falling++
		}
		t.Logf("district %-3s per 1,000: 2020 %.1f  2021 %.1f  2023 %.1f  2025 %.1f  2026 %.1f", dc, r[2020], r[2021], r[2023], r[2025], r[2026])
	}
	if falling < 7 {
		t.Errorf("negativity rate falls in %d scopes, want most", falling)
	}
}

func TestWorkingTime(t *testing.T) {
	tests := []struct {
		name string
		got  time.Time
		want time.Time
	}{
		// Friday 10:00 ICT + 8 working hours: Monday 10:00.
		{"hours over a weekend", addWorkingHours(at(day(2024, 3, 1), 10, 0), 8), at(day(2024, 3, 4), 10, 0)},
		// Evening submissions start counting the next morning.
		{"hours after close", addWorkingHours(at(day(2024, 3, 4), 20, 0), 8), at(day(2024, 3, 5), 17, 30)},
		// Seven working days from Monday 29 April 2024 skip 30 April and 1 May.
		{"days over holidays", addWorkdays(at(day(2024, 4, 29), 9, 0), 7), at(day(2024, 5, 10), 17, 30)},
	}
	for _, tt := range tests {
		if !tt.got.Equal(tt.want) {
			t.Errorf("%s: %s, want %s", tt.name, tt.got.In(ict), tt.want.In(ict))
		}
	}
}

func TestDemoAccounts(t *testing.T) {
	client, _ := seeded(t)
	ctx := context.Background()
	accounts := client.Account.Query().WithOfficial().AllX(ctx)
	byLogin := map[string]*ent.Account{}
	for _, a := range accounts {
		byLogin[a.Login] = a
		ok, err := argon2id.ComparePasswordAndHash(DemoPassword, a.PasswordHash)
		if err != nil || !ok {
			t.Errorf("%s: the demo password does not match its hash (%v)", a.Login, err)
		}
	}
	tests := []struct {
		login       string
		role        account.Role
		scope       account.ScopeKind
		wantOfficer bool
	}{
		{DemoAdmin, account.RoleADMIN, account.ScopeKindNATION, false},
		{DemoProvinceSupervisor, account.RoleSUPERVISOR, account.ScopeKindPROVINCE, false},
		{DemoDistrictSupervisor, account.RoleSUPERVISOR, account.ScopeKindDISTRICT, false},
		{DemoUnitManager, account.RoleUNIT_MANAGER, account.ScopeKindUNIT, true},
		{DemoInspector, account.RoleINSPECTOR, account.ScopeKindPROVINCE, false},
		{DemoOfficial, account.RoleOFFICIAL, account.ScopeKindUNIT, true},
	}
	for _, tt := range tests {
		a := byLogin[tt.login]
		if a == nil {
			t.Errorf("no account %q", tt.login)
			continue
		}
		if a.Role != tt.role || a.ScopeKind != tt.scope || (a.Edges.Official != nil) != tt.wantOfficer {
			t.Errorf("%s: role %s scope %s official %v", tt.login, a.Role, a.ScopeKind, a.Edges.Official != nil)
		}
	}
	off := byLogin[DemoOfficial].Edges.Official
	if n := client.Official.QueryCases(off).Where(citizencase.SubjectVisibleAtNotNil()).CountX(ctx); n == 0 {
		t.Error("the demo official has no case about them to show (under verification or past it)")
	}
	// Recusal: the unit manager is the person concerned of a case their own scope holds.
	mgr := byLogin[DemoUnitManager].Edges.Official
	if n := client.Official.QueryCases(mgr).Where(citizencase.SubjectVisibleAtNotNil(), citizencase.ChannelNEQ(enum.ChannelPraise)).CountX(ctx); n == 0 {
		t.Error("no denunciation or feedback about the demo unit manager under verification: the demo does not show recusal")
	}
	// Every case past the start of verification (praise: acceptance) is visible to its official,
	// with the notice when it names one; none before.
	for _, c := range client.CitizenCase.Query().WithEvents().WithOfficial().AllX(ctx) {
		from := caseevent.KindVERIFICATION_STARTED
		if c.Channel == enum.ChannelPraise {
			from = caseevent.KindACCEPTED
		}
		var want *time.Time
		for _, e := range c.Edges.Events {
			if e.Kind == from {
				at := e.OccurredAt
				want = &at
			}
		}
		if (want == nil) != (c.SubjectVisibleAt == nil) || (want != nil && !want.Equal(*c.SubjectVisibleAt)) {
			t.Errorf("case %s (%s, %s): visible to its official from %v, want %v", c.ID, c.Channel, c.State, c.SubjectVisibleAt, want)
		}
		needs := want != nil && c.Edges.Official != nil && c.Channel != enum.ChannelPraise
		if needs != (c.SubjectNotice != nil && len([]rune(*c.SubjectNotice)) >= 10) {
			t.Errorf("case %s (%s, %s, official %v): notice %v", c.ID, c.Channel, c.State, c.Edges.Official != nil, c.SubjectNotice)
		}
	}
	if n := client.CitizenCase.Query().Where(citizencase.HasHandlerWith(account.Login(DemoInspector))).CountX(ctx); n == 0 {
		t.Error("the demo inspector handles no case")
	}
}

// TestDemoShowsRecusalAnyDay: seeded on a day whose random cases name no case about the demo unit
// manager (6 December 2026 did), the demo still holds a denunciation about them under
// verification, so signing in as them shows recusal.
func TestDemoShowsRecusalAnyDay(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds the whole demo once more")
	}
	client := openDB(t, "seed_demo_recusal_day")
	ctx := context.Background()
	now := time.Date(2026, time.December, 6, 10, 0, 0, 0, time.UTC)
	if _, err := Demo(ctx, client, Options{Box: testBox(t), Now: now}); err != nil {
		t.Fatal(err)
	}
	mgr := client.Account.Query().Where(account.Login(DemoUnitManager)).QueryOfficial().OnlyX(ctx)
	cs := client.Official.QueryCases(mgr).Where(citizencase.SubjectVisibleAtNotNil(), citizencase.ChannelNEQ(enum.ChannelPraise),
		citizencase.StateEQ(enum.CaseVerifying)).AllX(ctx)
	if len(cs) == 0 {
		t.Fatal("no denunciation or feedback about the demo unit manager under verification on 6 December 2026")
	}
	for _, c := range cs {
		if c.SubjectNotice == nil || *c.SubjectNotice == "" || c.SubjectVisibleAt.After(now) || c.DueAt == nil || !c.DueAt.After(now) {
			t.Errorf("case %s: notice %v, visible from %v, due %v: want a notice, visible before now and not overdue", c.ID, c.SubjectNotice, c.SubjectVisibleAt, c.DueAt)
		}
	}
}

// TestDemoRecordScope: the demo stamps its records about officials itself (in bulk, sparing the
// hook a query per row) exactly as internal/recordscope's hook would.
func TestDemoRecordScope(t *testing.T) {
	client, _ := seeded(t)
	got, err := recordscope.Unstamped(context.Background(), client)
	if err != nil {
		t.Fatal(err)
	}
	for table, n := range got {
		if n != 0 {
			t.Errorf("%s: %d records stamped otherwise than the hook's rule", table, n)
		}
	}
}
