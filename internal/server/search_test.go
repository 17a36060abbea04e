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

// searchWorld is the database, API and World the search tests start from, and a fixture context.
func searchWorld(t *testing.T, dia string) (*testutil.DB, *testutil.API, *testutil.World, context.Context) {
	t.Helper()
	db := testutil.Open(t, dia)
	cfg := testutil.Config(t, nil)
	return db, testutil.NewAPI(t, db, cfg), testutil.NewWorld(t, db, cfg), authz.System(context.Background(), authz.SysTestFixture)
}

func TestSearchFoldsVietnamese(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db, api, w, ctx := searchWorld(t, dia)
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
		// Punctuation separates words in names as in queries: before, the stored form kept "-" and ","
		// and these searches found nothing.
		for name, searches := range map[string][]string{
			"Bệnh viện Sản - Nhi":             {"san nhi", "Sản-Nhi", "benh vien san nhi", "nhi"},
			"Sở Văn hóa, Thể thao và Du lịch": {"van hoa the thao", "hoa, the", "the thao va du lich"},
		} {
			if err := db.Client.Unit.UpdateOneID(w.A.OtherUnit).SetName(name).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			for _, s := range searches {
				if got := searchNames(t, admin, "units", "name", s); !slices.Equal(got, []string{name}) {
					t.Errorf("units(search: %q) = %q, want %q", s, got, name)
				}
			}
		}
	})
}

func TestCaseSearchByTrackingCode(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db, api, w, ctx := searchWorld(t, dia)
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

// TestOfficialSearchCounts: a search's totalCount and pageInfo come from the name keys
// (internal/namesearch), which follow every rename and transfer, honour the viewer's scope (an
// official counts only themself) and every shape of query that asks for them; a where filter
// falls back to counting officials.
func TestOfficialSearchCounts(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db, api, w, ctx := searchWorld(t, dia)
		day := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		var ids []string
		for i, u := range []string{w.A.ChildUnit, w.A.OtherUnit, w.A.ParentUnit, w.B.ChildUnit} {
			o, err := db.Client.Official.Create().SetFullName("Lê Quý Đôn").SetCategory(official.CategoryCONG_CHUC).
				SetEmployeeCode(fmt.Sprintf("C-%d", i)).SetActiveFrom(day).SetUnitID(u).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, o.ID)
		}
		admin := api.SignedIn(t, db, authz.RoleAdmin, authz.Scope{Kind: authz.ScopeNation}, "")
		supervisor := api.SignedIn(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeProvince, ID: w.A.Province}, "")
		self := api.SignedIn(t, db, authz.RoleOfficial, authz.Scope{Kind: authz.ScopeUnit, ID: w.A.ChildUnit}, ids[0])

		type page struct {
			TotalCount int
			PageInfo   struct{ HasNextPage, HasPreviousPage bool }
			Edges      []struct{ Node struct{ ID string } }
		}
		ask := func(a *testutil.API, query string, vars map[string]any) page {
			t.Helper()
			var out struct{ Officials page }
			a.Query(t, query, vars).Decode(t, &out)
			return out.Officials
		}
		counts := func(a *testutil.API, search string) (int, int) {
			t.Helper()
			p := ask(a, `query($q: String) { officials(search: $q, first: 100) { totalCount edges { node { id } } } }`,
				map[string]any{"q": search})
			return p.TotalCount, len(p.Edges)
		}
		for _, c := range []struct {
			name   string
			api    *testutil.API
			search string
			want   int
		}{
			{"admin", admin, "quy don", 4},
			{"province supervisor", supervisor, "le quy", 3},
			{"the official themself", self, "don", 1},
			{"nothing", admin, "quy le", 0},
		} {
			if total, edges := counts(c.api, c.search); total != c.want || edges != c.want {
				t.Errorf("%s, %q: totalCount %d, %d edges; want %d", c.name, c.search, total, edges, c.want)
			}
		}

		// Count only, pageInfo only, through a fragment, and pages: each as the officials' own count.
		vars := map[string]any{"q": "lê quý đôn"}
		if p := ask(admin, `query($q: String) { officials(search: $q) { totalCount } }`, vars); p.TotalCount != 4 {
			t.Errorf("totalCount alone: %d", p.TotalCount)
		}
		if p := ask(admin, `query($q: String) { officials(search: $q, first: 2) { pageInfo { hasNextPage } } }`, vars); !p.PageInfo.HasNextPage {
			t.Errorf("pageInfo alone, first 2 of 4: no next page")
		}
		if p := ask(admin, `query($q: String) { officials(search: $q, first: 3) { ...c edges { node { id } } } }
			fragment c on OfficialConnection { totalCount pageInfo { hasNextPage } }`, vars); p.TotalCount != 4 || len(p.Edges) != 3 || !p.PageInfo.HasNextPage {
			t.Errorf("through a fragment, first 3: %+v", p)
		}
		if p := ask(admin, `query($q: String) { officials(search: $q, first: 4) { totalCount pageInfo { hasNextPage } edges { node { id } } } }`, vars); p.TotalCount != 4 || len(p.Edges) != 4 || p.PageInfo.HasNextPage {
			t.Errorf("first 4 of 4: %+v", p)
		}
		// Walking the pages two by two gives the whole list in id order, whether the keys pick the
		// page (default order, forward) or the officials are sorted (orderBy, backward).
		walk := func(a *testutil.API, query string) []string {
			t.Helper()
			var ids []string
			var cursor any
			for range 10 {
				var out struct {
					Officials struct {
						PageInfo struct {
							HasNextPage bool
							EndCursor   *string
						}
						Edges []struct{ Node struct{ ID string } }
					}
				}
				a.Query(t, query, map[string]any{"q": "le quy don", "after": cursor}).Decode(t, &out)
				for _, e := range out.Officials.Edges {
					ids = append(ids, e.Node.ID)
				}
				if !out.Officials.PageInfo.HasNextPage {
					return ids
				}
				cursor = *out.Officials.PageInfo.EndCursor
			}
			t.Fatalf("no last page after 10 pages: %q", ids)
			return nil
		}
		for _, a := range []*testutil.API{admin, supervisor} {
			var all struct {
				Officials struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
			a.Query(t, `query($q: String) { officials(search: $q, first: 100) { edges { node { id } } } }`,
				map[string]any{"q": "le quy don"}).Decode(t, &all)
			var want []string
			for _, e := range all.Officials.Edges {
				want = append(want, e.Node.ID)
			}
			if !slices.IsSorted(want) || len(want) < 3 {
				t.Fatalf("the whole list is not in id order, or too short to page: %q", want)
			}
			if got := walk(a, `query($q: String, $after: Cursor) { officials(search: $q, first: 2, after: $after) {
				pageInfo { hasNextPage endCursor } edges { node { id } } } }`); !slices.Equal(got, want) {
				t.Errorf("pages of 2 in id order: %q, want %q", got, want)
			}
			got := walk(a, `query($q: String, $after: Cursor) { officials(search: $q, first: 2, after: $after, orderBy: {field: FULL_NAME}) {
				pageInfo { hasNextPage endCursor } edges { node { id } } } }`)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("pages of 2 by name: %q, want %q", got, want)
			}
		}

		// A where filter counts the officials themselves.
		if p := ask(supervisor, `query($q: String, $u: ID!) { officials(search: $q, where: {hasUnitWith: {id: $u}}) { totalCount edges { node { id } } } }`,
			map[string]any{"q": "don", "u": w.A.OtherUnit}); p.TotalCount != 1 || len(p.Edges) != 1 {
			t.Errorf("with where: %+v", p)
		}

		// A rename and a transfer out of province A: the keys follow, in the count as in the page.
		if err := db.Client.Official.UpdateOneID(ids[1]).SetFullName("Lê Quý Đông").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if err := db.Client.Official.UpdateOneID(ids[2]).SetUnitID(w.B.OtherUnit).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if total, edges := counts(supervisor, "le quy don"); total != 2 || edges != 2 {
			t.Errorf("after a rename and a transfer, supervisor of A: totalCount %d, %d edges; want 2 (Đông matches the prefix, the transferred official is gone)", total, edges)
		}
		if total, _ := counts(admin, "le quy dong"); total != 1 {
			t.Errorf("after the rename: %d officials named Lê Quý Đông, want 1", total)
		}
		if err := db.Client.Official.DeleteOneID(ids[3]).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if total, edges := counts(admin, "quy don"); total != 3 || edges != 3 {
			t.Errorf("after a delete: totalCount %d, %d edges; want 3", total, edges)
		}
	})
}
