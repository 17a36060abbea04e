package server_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// Finding things (issue 11 item 6), through the HTTP handler on both databases: search folds
// Vietnamese (case, diacritics, đ) and matches at word starts, within the viewer's scope; staff
// find a case by its tracking code, officials cannot, and the person concerned never finds a case
// about them; filtering on requestedChannel cannot tell the person concerned what is masked.

func searchNames(t *testing.T, api *testutil.API, field, name, search string) []string {
	t.Helper()
	var out map[string]struct {
		TotalCount int
		Edges      []struct{ Node map[string]any }
	}
	api.Query(t, fmt.Sprintf(`query($q: String) { %s(search: $q, first: 100) { totalCount edges { node { %s } } } }`, field, name),
		map[string]any{"q": search}).Decode(t, &out)
	var names []string
	for _, e := range out[field].Edges {
		names = append(names, e.Node[name].(string))
	}
	if out[field].TotalCount != len(names) {
		t.Errorf("%s(search: %q): totalCount %d, %d edges", field, search, out[field].TotalCount, len(names))
	}
	slices.Sort(names)
	return names
}

func TestSearchFoldsVietnamese(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, nil)
		api := testutil.NewAPI(t, db, cfg)
		w := testutil.NewWorld(t, db, cfg)
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		day := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		names := map[string]string{} // full name -> side
		for i, n := range []struct{ name, unit, side string }{
			{"Nguyễn Văn An", w.A.ChildUnit, "A"},
			{"Nguyễn Văn Anh", w.A.OtherUnit, "A"},
			{"Đặng Thị Loan", w.A.ChildUnit, "A"},
			{"Trần Văn Đức", w.A.ParentUnit, "A"},
			{"Nguyễn Văn An", w.B.ChildUnit, "B"},
		} {
			_, err := db.Client.Official.Create().SetFullName(n.name).SetCategory(official.CategoryCONG_CHUC).
				SetEmployeeCode(fmt.Sprintf("S-%d", i)).SetActiveFrom(day).SetUnitID(n.unit).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			names[n.name] = n.side
		}
		// A unit renamed after creation: the hook keeps the folded copy on update too.
		if err := db.Client.Unit.UpdateOneID(w.A.OtherUnit).SetName("Ủy ban nhân dân Phường Bến Tre").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		admin := api.SignedIn(t, db, authz.RoleAdmin, authz.Scope{Kind: authz.ScopeNation}, "")
		supervisor := api.SignedIn(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeProvince, ID: w.A.Province}, "")

		for _, c := range []struct {
			api    *testutil.API
			search string
			want   []string
		}{
			{admin, "nguyen van a", []string{"Nguyễn Văn An", "Nguyễn Văn An", "Nguyễn Văn Anh"}},
			{admin, "NGUYỄN VĂN AN", []string{"Nguyễn Văn An", "Nguyễn Văn An", "Nguyễn Văn Anh"}},
			{admin, "  Nguyen   VAN  an ", []string{"Nguyễn Văn An", "Nguyễn Văn An", "Nguyễn Văn Anh"}},
			{admin, "van anh", []string{"Nguyễn Văn Anh"}},
			{admin, "dang", []string{"Đặng Thị Loan"}},
			{admin, "Đặng", []string{"Đặng Thị Loan"}},
			{admin, "duc", []string{"Trần Văn Đức"}},
			{admin, "an", []string{"Nguyễn Văn An", "Nguyễn Văn An", "Nguyễn Văn Anh"}}, // not Loan: word starts only
			{admin, "oan", nil},
			{admin, "100%_", nil}, // LIKE's wildcards are not wildcards
			// The province supervisor of A does not find B's Nguyễn Văn An.
			{supervisor, "nguyen van an", []string{"Nguyễn Văn An", "Nguyễn Văn Anh"}},
		} {
			got := searchNames(t, c.api, "officials", "fullName", c.search)
			if !slices.Equal(got, c.want) {
				t.Errorf("officials(search: %q) = %q, want %q", c.search, got, c.want)
			}
		}
		for _, s := range []string{"ben tre", "BẾN TRE", "Ben Tre", "phuong ben", "uy ban"} {
			if got := searchNames(t, admin, "units", "name", s); !slices.Equal(got, []string{"Ủy ban nhân dân Phường Bến Tre"}) {
				t.Errorf("units(search: %q) = %q", s, got)
			}
		}
		if got := searchNames(t, admin, "units", "name", "tre ben"); got != nil {
			t.Errorf("units(search: \"tre ben\") = %q: words match in order", got)
		}
	})
}

func TestCaseSearchByTrackingCode(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, nil)
		api := testutil.NewAPI(t, db, cfg)
		w := testutil.NewWorld(t, db, cfg)
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		caseA, err := db.Client.CitizenCase.Get(ctx, w.A.Records["Case"])
		if err != nil {
			t.Fatal(err)
		}
		caseB, err := db.Client.CitizenCase.Get(ctx, w.B.Records["Case"])
		if err != nil {
			t.Fatal(err)
		}
		// A case about the unit manager's own official, visible to them (under verification).
		aboutManager, err := db.Client.CitizenCase.Create().SetTrackingCode("MGRCASE234").SetSecretHash("x").
			SetChannel(enum.ChannelFeedback).SetRequestedChannel(enum.ChannelDenunciation).SetDescription("x").
			SetAnonymous(true).SetState(enum.CaseVerifying).SetReceivedAt(time.Now()).SetSubjectVisibleAt(time.Now().Add(-time.Hour)).
			SetUnitID(w.A.ParentUnit).SetOfficialID(w.A.Manager).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		find := func(api *testutil.API, search string) ([]string, string) {
			t.Helper()
			r := api.Query(t, `query($q: String) { cases(search: $q) { edges { node { id } } } }`, map[string]any{"q": search})
			if len(r.Errors) > 0 {
				return nil, r.Code()
			}
			var out struct {
				Cases struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
			r.Decode(t, &out)
			var ids []string
			for _, e := range out.Cases.Edges {
				ids = append(ids, e.Node.ID)
			}
			return ids, ""
		}
		as := func(role string) *testutil.API {
			access, _ := api.Login(t, w.Logins[role], testutil.Password)
			return api.As(access)
		}
		inspector := as("inspector")
		// Typed as read over the phone: lower case, spaces, dashes.
		lower := "trk-" + caseA.TrackingCode[3:]
		if ids, code := find(inspector, lower); code != "" || !slices.Equal(ids, []string{caseA.ID}) {
			t.Errorf("inspector finds %q: %v %s, want %s", lower, ids, code, caseA.ID)
		}
		if ids, code := find(inspector, caseB.TrackingCode); code != "" || len(ids) != 0 {
			t.Errorf("inspector of A finds B's case: %v %s", ids, code)
		}
		if ids, _ := find(as("admin"), caseB.TrackingCode); !slices.Equal(ids, []string{caseB.ID}) {
			t.Errorf("admin finds B's case: %v", ids)
		}
		// An official (here the person concerned, who reads the case) cannot search cases at all.
		if ids, code := find(as("official"), caseA.TrackingCode); code != "FORBIDDEN" || ids != nil {
			t.Errorf("official searching cases: %v %q, want FORBIDDEN", ids, code)
		}
		// The unit manager is the person concerned of aboutManager: they never find it by its code,
		// though a colleague of the same role and scope does.
		manager := as("unitManager")
		if ids, code := find(manager, aboutManager.TrackingCode); code != "" || len(ids) != 0 {
			t.Errorf("the person concerned finds the case about them by its code: %v %s", ids, code)
		}
		control := api.SignedIn(t, db, authz.RoleUnitManager, authz.Scope{Kind: authz.ScopeUnit, ID: w.A.ParentUnit}, w.A.Staff)
		if ids, _ := find(control, aboutManager.TrackingCode); !slices.Equal(ids, []string{aboutManager.ID}) {
			t.Errorf("a colleague does not find the case by its code: %v", ids)
		}

		// requestedChannel: staff filter on it; the person concerned, for whom it is masked, learns
		// nothing by filtering (the case about them is left out, as for anonymous).
		filter := func(api *testutil.API, ch string) []string {
			t.Helper()
			var out struct {
				Cases struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
			api.Query(t, `query($c: Channel) { cases(where: {requestedChannel: $c}) { edges { node { id } } } }`,
				map[string]any{"c": ch}).Decode(t, &out)
			var ids []string
			for _, e := range out.Cases.Edges {
				ids = append(ids, e.Node.ID)
			}
			return ids
		}
		if ids := filter(control, "DENUNCIATION"); !slices.Contains(ids, aboutManager.ID) {
			t.Errorf("staff filtering requestedChannel DENUNCIATION miss the anonymous denunciation: %v", ids)
		}
		if ids := filter(control, "FEEDBACK"); slices.Contains(ids, aboutManager.ID) {
			t.Errorf("requestedChannel FEEDBACK matches a denunciation: %v", ids)
		}
		for _, ch := range []string{"DENUNCIATION", "FEEDBACK"} {
			if ids := filter(manager, ch); slices.Contains(ids, aboutManager.ID) {
				t.Errorf("the person concerned filtering requestedChannel %s finds the case about them: %v", ch, ids)
			}
		}
	})
}
