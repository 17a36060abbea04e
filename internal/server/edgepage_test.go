package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// TestNestedPagesPerParent holds the nested connections' page per parent (internal/edgepage: a
// LATERAL page per parent on PostgreSQL, a correlated one on SQLite) to the page of one parent
// asked on its own (node(id:), a plain ORDER BY ... LIMIT): for every parent, order, direction,
// page size and cursor, the nested page of many parents is the same rows in the same order, with
// the same totalCount and page info. Parents have 0 to 7 children, with ties on the order key.
func TestNestedPagesPerParent(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		ctx := authz.System(context.Background(), authz.SysTestFixture)
		day := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		levels := []unit.Level{unit.LevelPROVINCE, unit.LevelDISTRICT, unit.LevelCOMMUNE}
		var ids []string
		for p, n := range []int{0, 1, 3, 7, 5} {
			prov, err := db.Client.Province.Create().SetCode(fmt.Sprintf("P%02d", p)).SetName(fmt.Sprintf("Tỉnh %d", p)).
				SetKind(province.KindPROVINCE).SetValidFrom(day).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, prov.ID)
			for u := range n {
				// Names repeat across parents and shuffle against creation order; levels tie.
				if _, err := db.Client.Unit.Create().SetName(fmt.Sprintf("Đơn vị %d", (u*5)%7)).
					SetLevel(levels[(u+p)%3]).SetKind(unit.KindAGENCY).SetProvince(prov).Save(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
		api := testutil.NewAPI(t, db, testutil.Config(t, nil))
		t.Cleanup(func() {
			if t.Failed() {
				t.Log(api.Logs.String())
			}
		})

		const fields = `totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id name level } }`
		type page = json.RawMessage
		// pages asks every parent's page at once (the nested path) and each parent's on its own.
		pages := func(t *testing.T, args string) (map[string]string, map[string]string) {
			t.Helper()
			var many struct {
				Provinces struct {
					Edges []struct {
						Node struct {
							ID    string `json:"id"`
							Units page   `json:"units"`
						} `json:"node"`
					} `json:"edges"`
				} `json:"provinces"`
			}
			r := api.Query(t, `{ provinces(first: 100) { edges { node { id units(`+args+`) { `+fields+` } } } } }`, nil)
			r.Decode(t, &many)
			nested := map[string]string{}
			for _, e := range many.Provinces.Edges {
				nested[e.Node.ID] = string(e.Node.Units)
			}
			alone := map[string]string{}
			for _, id := range ids {
				var one struct {
					Node struct {
						Units page `json:"units"`
					} `json:"node"`
				}
				r := api.Query(t, `query($id: ID!) { node(id: $id) { ... on Province { units(`+args+`) { `+fields+` } } } }`,
					map[string]any{"id": id})
				r.Decode(t, &one)
				alone[id] = string(one.Node.Units)
			}
			return nested, alone
		}
		orders := []string{"", "orderBy: {field: NAME}", "orderBy: {field: NAME, direction: DESC}", "orderBy: {field: LEVEL}", "orderBy: {field: LEVEL, direction: DESC}"}
		for _, order := range orders {
			for _, size := range []string{"first: 1", "first: 2", "first: 6", "last: 2", "last: 3"} {
				args := size
				if order != "" {
					args += ", " + order
				}
				nested, alone := pages(t, args)
				for _, id := range ids {
					if nested[id] != alone[id] {
						t.Fatalf("units(%s) of %s:\nnested %s\nalone  %s", args, id, nested[id], alone[id])
					}
				}
				// The same with a cursor: after (or before) the first row of each parent's own page.
				for _, id := range ids {
					var p struct {
						PageInfo struct {
							StartCursor *string `json:"startCursor"`
						} `json:"pageInfo"`
					}
					if err := json.Unmarshal([]byte(alone[id]), &p); err != nil {
						t.Fatal(err)
					}
					if p.PageInfo.StartCursor == nil {
						continue
					}
					cursor := "after"
					if size[:4] == "last" {
						cursor = "before"
					}
					cargs := fmt.Sprintf("%s, %s: %q", args, cursor, *p.PageInfo.StartCursor)
					nestedC, aloneC := pages(t, cargs)

					if nestedC[id] != aloneC[id] {
						t.Fatalf("units(%s) of %s:\nnested %s\nalone  %s", cargs, id, nestedC[id], aloneC[id])
					}
				}
			}
		}
	})
}
