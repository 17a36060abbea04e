package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/server"
	"github.com/liemchinh/liemchinh/internal/store"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// publicTree is the public tree of issue 12 (internal/app/benchdata/ours-public-tree.graphql).
const publicTree = `query PublicTree($code: String!) {
  provinces(first: 1, where: {code: $code}) {
    totalCount
    edges { node { id code name
      districts(first: 20) {
        totalCount
        edges { node { id code name
          units(first: 20) { totalCount edges { node { id name level } } }
        } }
      }
    } }
  }
}`

// publicTreeStatements is what the tree costs without the cache: the provinces' count and page,
// then a page and a count per level.
const publicTreeStatements = 6

// referenceOf returns the API's public reference cache once it is up.
func referenceOf(t *testing.T, api *testutil.API) server.Watched {
	t.Helper()
	c := api.Reference
	if c == nil {
		t.Fatal("the server has no public reference cache")
	}
	if !c.WaitUp(true, time.Now().Add(30*time.Second)) {
		t.Fatal("the public reference cache did not come up")
	}
	return c
}

// tree asks query with vars on api and returns the answer and the statements it cost on db.
func tree(t *testing.T, db *testutil.DB, api *testutil.API, query string, vars map[string]any) (string, int) {
	t.Helper()
	db.Counter.Reset()
	r := api.Query(t, query, vars)
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	return string(r.Data), db.Counter.Requests()
}

// TestReferenceCacheStatements: the anonymous public tree costs its statements once, then none
// while nothing changes; a signed-in viewer, other variables, a query reaching beyond the
// reference types and REFERENCE_CACHE_SIZE=0 all read the database.
func TestReferenceCacheStatements(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		testutil.Org(t, db.Client, testutil.Shape{Provinces: 2, Districts: 2, Units: 3, Officials: 1, Pledges: 1})
		api := testutil.NewAPI(t, db, testutil.Config(t, nil))
		referenceOf(t, api)
		vars := map[string]any{"code": "T01"}
		cold, n := tree(t, db, api, publicTree, vars)
		if n != publicTreeStatements || !strings.Contains(cold, "Đơn vị 1-2-3") {
			t.Fatalf("first tree: %d statements, want %d: %s", n, publicTreeStatements, cold)
		}
		for i := range 3 {
			if hot, n := tree(t, db, api, publicTree, vars); n != 0 || hot != cold {
				t.Fatalf("tree %d: %d statements, answer equal %v", i+2, n, hot == cold)
			}
		}
		if other, n := tree(t, db, api, publicTree, map[string]any{"code": "T02"}); n != publicTreeStatements || other == cold {
			t.Fatalf("another province: %d statements", n)
		}

		user := api.SignedIn(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeNation}, "")
		for range 2 {
			if got, n := tree(t, db, user, publicTree, vars); n < publicTreeStatements || got != cold {
				t.Fatalf("signed in: %d statements (served from the anonymous cache?), same answer %v", n, got == cold)
			}
		}

		// Beyond the reference types (the viewer; campaigns change without a reference
		// notification; a fragment on an interface): never cached.
		for _, q := range []string{
			`{ units(first: 5) { edges { node { id } } } viewer { role } }`,
			`{ provinces(first: 1) { totalCount } campaigns(first: 1) { totalCount } }`,
			`{ units(first: 5) { edges { node { id ... on Node { id } } } } }`,
		} {
			tree(t, db, api, q, nil)
			if _, n := tree(t, db, api, q, nil); n == 0 {
				t.Fatalf("answered from the cache: %s", q)
			}
		}

		off := testutil.NewAPI(t, db, testutil.Config(t, map[string]string{"REFERENCE_CACHE_SIZE": "0"}))
		if off.Reference != nil {
			t.Fatal("REFERENCE_CACHE_SIZE=0 still built a cache")
		}
		for range 2 {
			if got, n := tree(t, db, off, publicTree, vars); n != publicTreeStatements || got != cold {
				t.Fatalf("without the cache: %d statements, want %d", n, publicTreeStatements)
			}
		}
	})
}

// TestReferenceChangesSeenAtOnce: with the tree cached, a unit renamed, a unit created and a
// district renamed in a transaction through the store show on the very next read: on the process
// that wrote, and on another process sharing the PostgreSQL database once it has heard the
// notification (awaited on its cache, no sleep). A rolled-back change shows nowhere.
func TestReferenceChangesSeenAtOnce(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		testutil.Org(t, db.Client, testutil.Shape{Provinces: 1, Districts: 2, Units: 2, Officials: 1, Pledges: 1})
		sys := authz.System(context.Background(), authz.SysTestFixture)
		cfg := testutil.Config(t, nil)
		writer := testutil.NewAPI(t, db, cfg)
		type process struct {
			name string
			db   *testutil.DB
			api  *testutil.API
		}
		readers := []process{{"same process", db, writer}}
		if dia == dialect.Postgres {
			other := testutil.Reopen(t, db)
			readers = append(readers, process{"other process", other, testutil.NewAPI(t, other, cfg)})
		}
		vars := map[string]any{"code": "T01"}
		n := 0
		u111 := db.Client.Unit.Query().Where(unit.Name("Đơn vị 1-1-1")).OnlyIDX(sys)
		u121 := db.Client.Unit.Query().Where(unit.Name("Đơn vị 1-2-1")).OnlyX(sys)
		u122 := db.Client.Unit.Query().Where(unit.Name("Đơn vị 1-2-2")).OnlyIDX(sys)
		changes := []struct {
			name   string
			change func(t *testing.T) string // returns what the next tree must contain
		}{
			{"unit renamed", func(t *testing.T) string {
				name := "Đổi tên " + time.Now().Format("150405.000000")
				db.Client.Unit.UpdateOneID(u111).SetName(name).ExecX(sys)
				return name
			}},
			{"unit created", func(t *testing.T) string {
				u := u121
				n++
				return db.Client.Unit.Create().SetName("Đơn vị mới " + string(rune('A'+n))).SetLevel(unit.LevelDISTRICT).
					SetKind(unit.KindAGENCY).SetProvince(u.QueryProvince().OnlyX(sys)).SetDistrict(u.QueryDistrict().OnlyX(sys)).SaveX(sys).Name
			}},
			{"district renamed in a transaction", func(t *testing.T) string {
				name := "Huyện đổi tên " + time.Now().Format("150405.000000")
				err := store.InTx(sys, db.Client, func(ctx context.Context, c *ent.Client) error {
					d := c.Unit.Query().Where(unit.ID(u122)).QueryDistrict().OnlyX(ctx)
					return c.District.UpdateOne(d).SetName(name).Exec(ctx)
				})
				if err != nil {
					t.Fatal(err)
				}
				return name
			}},
		}
		for _, reader := range readers {
			for _, c := range changes {
				t.Run(reader.name+"/"+c.name, func(t *testing.T) {
					referenceOf(t, reader.api)
					tree(t, reader.db, reader.api, publicTree, vars)
					if _, n := tree(t, reader.db, reader.api, publicTree, vars); n != 0 {
						t.Fatalf("the tree is not cached: %d statements", n)
					}
					heard := hearAll(t, readers[0].api, readers[len(readers)-1].api)
					want := c.change(t)
					heard()
					got, n := tree(t, reader.db, reader.api, publicTree, vars)
					if !strings.Contains(got, want) || n != publicTreeStatements {
						t.Fatalf("next tree after the change (%d statements) lacks %q: %s", n, want, got)
					}
				})
			}
			t.Run(reader.name+"/rolled back", func(t *testing.T) {
				referenceOf(t, reader.api)
				before, _ := tree(t, reader.db, reader.api, publicTree, vars)
				rollback := errors.New("rolled back")
				err := store.InTx(sys, db.Client, func(ctx context.Context, c *ent.Client) error {
					c.Unit.Update().Where(unit.Name("Đơn vị 1-1-2")).SetName("Không lưu").ExecX(ctx)
					return rollback
				})
				if !errors.Is(err, rollback) {
					t.Fatal(err)
				}
				if got, _ := tree(t, reader.db, reader.api, publicTree, vars); got != before || strings.Contains(got, "Không lưu") {
					t.Fatalf("a rolled-back rename shows: %s", got)
				}
			})
		}
	})
}

// hearAll returns a func that waits until the writer's cache has heard a change twice (at its
// commit, and on PostgreSQL again through the database) and the other's (when it is another
// process) once: a late notification of one change must not empty the cache during the next.
func hearAll(t *testing.T, writer, other *testutil.API) func() {
	w, o := writer.Reference, other.Reference
	ws, os := w.Seen(), o.Seen()
	return func() {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		if writer == other {
			if !w.WaitSeen(ws, deadline) {
				t.Fatal("the change was not heard")
			}
			return
		}
		if !w.WaitSeen(ws+1, deadline) || !o.WaitSeen(os, deadline) {
			t.Fatal("the change was not heard on both processes")
		}
	}
}

// TestReferenceETag: a public reference GET (a plain query, and an automatic persisted query by
// hash alone) carries an ETag and Cache-Control: no-cache; If-None-Match with it gets 304 and no
// body; after a change the tag changes and the old one gets the new tree. Signed-in GETs and
// other queries carry no ETag.
func TestReferenceETag(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		testutil.Org(t, db.Client, testutil.Shape{Provinces: 1, Districts: 1, Units: 2, Officials: 1, Pledges: 1})
		sys := authz.System(context.Background(), authz.SysTestFixture)
		api := testutil.NewAPI(t, db, testutil.Config(t, nil))
		cache := referenceOf(t, api)
		sum := sha256.Sum256([]byte(publicTree))
		hash := hex.EncodeToString(sum[:])
		ext := `{"persistedQuery":{"version":1,"sha256Hash":"` + hash + `"}}`
		if r := api.Post(t, map[string]any{"query": publicTree, "variables": map[string]any{"code": "T01"},
			"extensions": json.RawMessage(ext)}); len(r.Errors) > 0 {
			t.Fatalf("registering the persisted query: %s", r.Raw)
		}
		get := func(params url.Values, header ...string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodGet, "/query?"+params.Encode(), nil)
			for i := 0; i+1 < len(header); i += 2 {
				req.Header.Set(header[i], header[i+1])
			}
			rec := httptest.NewRecorder()
			api.Handler.ServeHTTP(rec, req)
			return rec
		}
		for _, c := range []struct {
			name   string
			params url.Values
		}{
			{"query", url.Values{"query": {publicTree}, "variables": {`{"code":"T01"}`}}},
			{"persisted query", url.Values{"extensions": {ext}, "variables": {`{"code":"T01"}`}}},
		} {
			t.Run(c.name, func(t *testing.T) {
				first := get(c.params)
				etag := first.Header().Get("ETag")
				if first.Code != http.StatusOK || etag == "" || first.Header().Get("Cache-Control") != "public, no-cache" ||
					!strings.Contains(first.Body.String(), "Đơn vị 1-1-2") {
					t.Fatalf("%d, ETag %q, Cache-Control %q: %s", first.Code, etag, first.Header().Get("Cache-Control"), first.Body)
				}
				db.Counter.Reset()
				again := get(c.params, "If-None-Match", `"other", `+etag)
				if again.Code != http.StatusNotModified || again.Body.Len() != 0 || again.Header().Get("ETag") != etag || db.Counter.Requests() != 0 {
					t.Fatalf("revalidation: %d, %d statements, ETag %q: %s", again.Code, db.Counter.Requests(), again.Header().Get("ETag"), again.Body)
				}
				name := "Đổi tên " + c.name
				db.Client.Unit.Update().Where(unit.Name("Đơn vị 1-1-2")).SetName(name).ExecX(sys)
				changed := get(c.params, "If-None-Match", etag)
				if changed.Code != http.StatusOK || changed.Header().Get("ETag") == etag || !strings.Contains(changed.Body.String(), name) {
					t.Fatalf("after a change: %d, ETag %q (was %q): %s", changed.Code, changed.Header().Get("ETag"), etag, changed.Body)
				}
				seen := cache.Seen()
				db.Client.Unit.Update().Where(unit.Name(name)).SetName("Đơn vị 1-1-2").ExecX(sys)
				if dia == dialect.Postgres && !cache.WaitSeen(seen+1, time.Now().Add(10*time.Second)) {
					// Heard twice: at the commit, and again through the database.
					t.Fatal("the change's notification never came back")
				}
			})
		}
		user := api.SignedIn(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeNation}, "")
		signedIn := get(url.Values{"query": {publicTree}, "variables": {`{"code":"T01"}`}}, "Authorization", "Bearer "+user.Token())
		if signedIn.Code != http.StatusOK || signedIn.Header().Get("ETag") != "" {
			t.Fatalf("signed-in GET: %d, ETag %q", signedIn.Code, signedIn.Header().Get("ETag"))
		}
		other := get(url.Values{"query": {`{ campaigns(first: 1) { totalCount } }`}})
		if other.Code != http.StatusOK || other.Header().Get("ETag") != "" {
			t.Fatalf("campaigns GET: %d, ETag %q: %s", other.Code, other.Header().Get("ETag"), other.Body)
		}
	})
}
