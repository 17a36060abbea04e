package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/testutil"
)

// nestedQuery is the foundation issue's query: five levels of connections with totalCount at each.
const nestedQuery = `query Nested($n: Int!) {
  provinces(first: $n, orderBy: {field: CODE}) {
    totalCount
    edges { node { id code name
      districts(first: $n) {
        totalCount
        edges { node { id code name
          units(first: $n) {
            totalCount
            edges { node { id name level
              officials(first: $n) {
                totalCount
                edges { node { id fullName category
                  pledges(first: $n) {
                    totalCount
                    edges { node { id year status } }
                  } } }
              } } }
          } } }
      } } }
  }
}`

type conn[T any] struct {
	TotalCount int `json:"totalCount"`
	Edges      []struct {
		Node T `json:"node"`
	} `json:"edges"`
}

// warmAccount makes sure the account cache holds the API's viewer, so that a statement count
// does not depend on which request came first.
func warmAccount(t *testing.T, api *testutil.API) {
	t.Helper()
	if r := api.Query(t, `{ viewer { role } }`, nil); len(r.Errors) > 0 {
		t.Fatalf("viewer: %s", r.Raw)
	}
}

type nestedResult struct {
	Provinces conn[struct {
		ID        string `json:"id"`
		Code      string `json:"code"`
		Districts conn[struct {
			ID    string `json:"id"`
			Units conn[struct {
				ID        string `json:"id"`
				Officials conn[struct {
					ID      string `json:"id"`
					Pledges conn[struct {
						ID   string `json:"id"`
						Year int    `json:"year"`
					}] `json:"pledges"`
				}] `json:"officials"`
			}] `json:"units"`
		}] `json:"districts"`
	}] `json:"provinces"`
}

// TestNestedQueryStatements proves there is no N+1: the five-level query costs one statement per
// level plus one count per level, whatever the page size, and none for the signed-in viewer's
// account once the account cache holds it (TestAccountCache: a change of the account still stops
// the next request at once).
func TestNestedQueryStatements(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		testutil.Org(t, db.Client, testutil.Shape{Provinces: 4, Districts: 4, Units: 4, Officials: 4, Pledges: 4})
		api := testutil.NewAPI(t, db, testutil.Config(t, nil)).
			SignedIn(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeNation}, "")
		for _, n := range []int{1, 2, 3, 4} {
			t.Run(fmt.Sprintf("first %d", n), func(t *testing.T) {
				warmAccount(t, api)
				db.Counter.Reset()
				resp := api.Query(t, nestedQuery, map[string]any{"n": n})
				statements := db.Counter.Requests()
				var got nestedResult
				resp.Decode(t, &got)
				if statements != 10 {
					t.Errorf("nested query cost %d SQL statements, want 10 (5 levels + 5 counts, the viewer's account cached)", statements)
				}
				leaves := 0
				if got.Provinces.TotalCount != 4 || len(got.Provinces.Edges) != n {
					t.Fatalf("provinces: total %d, page %d", got.Provinces.TotalCount, len(got.Provinces.Edges))
				}
				for _, p := range got.Provinces.Edges {
					if p.Node.Districts.TotalCount != 4 || len(p.Node.Districts.Edges) != n {
						t.Fatalf("districts of %s: total %d, page %d", p.Node.Code, p.Node.Districts.TotalCount, len(p.Node.Districts.Edges))
					}
					for _, d := range p.Node.Districts.Edges {
						for _, u := range d.Node.Units.Edges {
							if u.Node.Officials.TotalCount != 4 {
								t.Fatalf("officials total %d", u.Node.Officials.TotalCount)
							}
							for _, o := range u.Node.Officials.Edges {
								if o.Node.Pledges.TotalCount != 4 {
									t.Fatalf("pledges total %d", o.Node.Pledges.TotalCount)
								}
								leaves += len(o.Node.Pledges.Edges)
							}
						}
					}
				}
				if want := n * n * n * n * n; leaves != want {
					t.Errorf("got %d pledges, want %d", leaves, want)
				}
			})
		}
	})
}

func TestPageSizes(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		testutil.Org(t, db.Client, testutil.Shape{Provinces: 1, Districts: 1, Units: 1, Officials: 130})
		api := testutil.NewAPI(t, db, testutil.Config(t, nil)).
			SignedIn(t, db, authz.RoleAdmin, authz.Scope{Kind: authz.ScopeNation}, "")
		tests := []struct {
			name     string
			query    string
			vars     map[string]any
			wantLen  int
			wantCode string
		}{
			{"root default page", `{ officials { totalCount edges { node { id } } } }`, nil, 20, ""},
			{"root explicit page", `{ officials(first: 100) { edges { node { id } } } }`, nil, 100, ""},
			{"root too large", `{ officials(first: 500) { edges { node { id } } } }`, nil, 0, "GRAPHQL_VALIDATION_FAILED"},
			{"root negative", `{ officials(first: -1) { edges { node { id } } } }`, nil, 0, "GRAPHQL_VALIDATION_FAILED"},
			{"last too large", `{ officials(last: 101) { edges { node { id } } } }`, nil, 0, "GRAPHQL_VALIDATION_FAILED"},
			{"variable too large", `query($n: Int) { officials(first: $n) { edges { node { id } } } }`, map[string]any{"n": 500}, 0, "BAD_USER_INPUT"},
			{"variable null gets default", `query($n: Int) { officials(first: $n) { edges { node { id } } } }`, map[string]any{"n": nil}, 20, ""},
			{"variable ok", `query($n: Int) { officials(first: $n) { edges { node { id } } } }`, map[string]any{"n": 7}, 7, ""},
			{"last via variable", `query($n: Int) { officials(last: $n) { edges { node { id } } } }`, map[string]any{"n": 3}, 3, ""},
			{"nested default page", `{ units { edges { node { officials { edges { node { id } } } } } } }`, nil, 20, ""},
			{"nested too large", `{ units { edges { node { officials(first: 1000) { edges { node { id } } } } } } }`, nil, 0, "GRAPHQL_VALIDATION_FAILED"},
			{"fragment default page", `{ units { edges { node { ...U } } } } fragment U on Unit { officials { edges { node { id } } } }`, nil, 20, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				resp := api.Query(t, tt.query, tt.vars)
				if tt.wantCode != "" {
					if resp.Code() != tt.wantCode {
						t.Fatalf("code %q, want %q: %s", resp.Code(), tt.wantCode, resp.Raw)
					}
					if !strings.Contains(resp.Errors[0].Message, "100") {
						t.Fatalf("message does not say the maximum: %q", resp.Errors[0].Message)
					}
					return
				}
				if len(resp.Errors) > 0 {
					t.Fatalf("errors: %s", resp.Raw)
				}
				ids := regexp.MustCompile(`"id":"off_`).FindAll(resp.Raw, -1)
				if len(ids) != tt.wantLen {
					t.Fatalf("got %d officials, want %d", len(ids), tt.wantLen)
				}
			})
		}
	})
}

func TestPageSizeMessageLanguage(t *testing.T) {
	db := testutil.Open(t, "sqlite3")
	api := testutil.NewAPI(t, db, testutil.Config(t, nil))
	q := `query($n: Int) { units(first: $n) { totalCount } }`
	vi := api.Query(t, q, map[string]any{"n": 101})
	en := api.Query(t, q, map[string]any{"n": 101}, "Accept-Language", "en-GB,en;q=0.9")
	if vi.Code() != "BAD_USER_INPUT" || !strings.Contains(vi.Errors[0].Message, "phải từ 0 đến 100") {
		t.Fatalf("vietnamese: %s", vi.Raw)
	}
	if en.Code() != "BAD_USER_INPUT" || !strings.Contains(en.Errors[0].Message, "must be between 0 and 100") {
		t.Fatalf("english: %s", en.Raw)
	}
}

func TestNodeAndFilters(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		testutil.Org(t, db.Client, testutil.Shape{Provinces: 3, Districts: 2, Units: 2, Officials: 2, Pledges: 1})
		api := testutil.NewAPI(t, db, testutil.Config(t, nil))

		var provs struct {
			Provinces conn[struct{ ID, Code, Name string }] `json:"provinces"`
		}
		api.Query(t, `{ provinces(where: {code: "T02"}) { totalCount edges { node { id code name } } } }`, nil).Decode(t, &provs)
		if provs.Provinces.TotalCount != 1 || provs.Provinces.Edges[0].Node.Code != "T02" {
			t.Fatalf("where code: %+v", provs)
		}
		provID := provs.Provinces.Edges[0].Node.ID
		if !regexp.MustCompile(`^prv_[0-9a-z]{26}$`).MatchString(provID) {
			t.Fatalf("id %q is not opaque", provID)
		}
		var dists struct {
			Districts conn[struct{ ID, Code string }] `json:"districts"`
		}
		api.Query(t, `{ districts(where: {code: "T03-02"}) { totalCount edges { node { id code } } } }`, nil).Decode(t, &dists)
		if dists.Districts.TotalCount != 1 || dists.Districts.Edges[0].Node.Code != "T03-02" {
			t.Fatalf("district where code: %+v", dists)
		}

		var node struct {
			Node struct {
				Typename string `json:"__typename"`
				Code     string `json:"code"`
			} `json:"node"`
			Nodes []*struct {
				Typename string `json:"__typename"`
			} `json:"nodes"`
		}
		api.Query(t, `query($id: ID!, $d: ID!) { node(id: $id) { __typename ... on Province { code } }
			nodes(ids: [$id, $d]) { __typename } }`,
			map[string]any{"id": provID, "d": dists.Districts.Edges[0].Node.ID}).Decode(t, &node)
		if node.Node.Typename != "Province" || node.Node.Code != "T02" {
			t.Fatalf("node: %+v", node)
		}
		if len(node.Nodes) != 2 || node.Nodes[0].Typename != "Province" || node.Nodes[1].Typename != "District" {
			t.Fatalf("nodes: %+v", node.Nodes)
		}

		for _, id := range []string{"1", "prv_", "xyz_01jc8zzzzzzzzzzzzzzzzzzzzz", "prv_01jc8zzzzzzzzzzzzzzzzzzzzz", "acc_01jc8zzzzzzzzzzzzzzzzzzzzz"} {
			resp := api.Query(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id})
			if resp.Code() != "NOT_FOUND" {
				t.Errorf("node(%q): code %q, want NOT_FOUND: %s", id, resp.Code(), resp.Raw)
			}
		}
	})
}

func TestOperationLimits(t *testing.T) {
	db := testutil.Open(t, "sqlite3")
	api := testutil.NewAPI(t, db, testutil.Config(t, map[string]string{"GRAPHQL_COMPLEXITY_LIMIT": "5000", "GRAPHQL_DEPTH_LIMIT": "8"}))
	complex := `{ provinces(first: 100) { edges { node { districts(first: 100) { edges { node { id } } } } } } }`
	if r := api.Query(t, complex, nil, "Accept-Language", "en"); r.Code() != "BAD_USER_INPUT" || !strings.Contains(string(r.Raw), "complexity") {
		t.Fatalf("complex query not refused: %s", r.Raw)
	}
	deep := `{ units(first: 1) { edges { node { parent { parent { parent { parent { parent { id } } } } } } } } }`
	if r := api.Query(t, deep, nil); r.Code() != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(r.Errors[0].Message, "levels deep") {
		t.Fatalf("deep query not refused: %s", r.Raw)
	}
	if r := api.Query(t, `{ units(first: 1) { totalCount } }`, nil); len(r.Errors) > 0 {
		t.Fatalf("small query refused: %s", r.Raw)
	}
}

func TestTransportsAndProbes(t *testing.T) {
	db := testutil.Open(t, "sqlite3")
	api := testutil.NewAPI(t, db, testutil.Config(t, nil))

	get := httptest.NewRequest(http.MethodGet, "/query?query="+strings.ReplaceAll("{ units(first: 1) { totalCount } }", " ", "%20"), nil)
	if r := api.Do(t, get); r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("GET query: %d %s", r.Status, r.Raw)
	}

	// Automatic persisted queries: the hash alone is unknown first, then known.
	query := `{ provinces(first: 1) { totalCount } }`
	hash := sha256Hex(query)
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
	if r := api.Post(t, map[string]any{"extensions": ext}); r.Code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("unknown hash: %s", r.Raw)
	}
	if r := api.Post(t, map[string]any{"query": query, "extensions": ext}); len(r.Errors) > 0 {
		t.Fatalf("register: %s", r.Raw)
	}
	if r := api.Post(t, map[string]any{"extensions": ext}); len(r.Errors) > 0 || !strings.Contains(string(r.Data), "totalCount") {
		t.Fatalf("known hash: %s", r.Raw)
	}

	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/": 200} {
		rec := httptest.NewRecorder()
		api.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != want {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, want)
		}
	}
	db.Close()
	rec := httptest.NewRecorder()
	api.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("readyz with the database closed: %d, want 503", rec.Code)
	}
}

func TestProductionSurface(t *testing.T) {
	db := testutil.Open(t, "sqlite3")
	cfg := testutil.Config(t, nil)
	cfg.Env = "production"
	api := testutil.NewAPI(t, db, cfg)
	if r := api.Query(t, `{ __schema { types { name } } }`, nil); r.Code() != "FORBIDDEN" {
		t.Fatalf("introspection answered in production: %s", r.Raw)
	}
	if r := api.Query(t, `{ provinc { id } }`, nil); len(r.Errors) == 0 || strings.Contains(r.Errors[0].Message, "Did you mean") {
		t.Fatalf("suggestions in production: %s", r.Raw)
	}
	rec := httptest.NewRecorder()
	api.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("GraphiQL served in production: %d", rec.Code)
	}
}

func TestCORS(t *testing.T) {
	db := testutil.Open(t, "sqlite3")
	api := testutil.NewAPI(t, db, testutil.Config(t, map[string]string{"CORS_ALLOWED_ORIGINS": "https://app.liemchinh.vn"}))
	for origin, allowed := range map[string]bool{"https://app.liemchinh.vn": true, "https://evil.example": false} {
		req := httptest.NewRequest(http.MethodOptions, "/query", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
		rec := httptest.NewRecorder()
		api.Handler.ServeHTTP(rec, req)
		got := rec.Header().Get("Access-Control-Allow-Origin") == origin
		if got != allowed {
			t.Errorf("origin %s: allowed %v, want %v", origin, got, allowed)
		}
	}
}

// TestBoundedOperations: with one operation at a time, concurrent queries are all answered, in
// turn, through the real handler.
func TestBoundedOperations(t *testing.T) {
	db := testutil.Open(t, "sqlite3")
	testutil.Org(t, db.Client, testutil.Shape{Provinces: 1, Districts: 2, Units: 2, Officials: 2, Pledges: 1})
	api := testutil.NewAPI(t, db, testutil.Config(t, map[string]string{"MAX_CONCURRENT_OPERATIONS": "1", "REFERENCE_CACHE_SIZE": "0"}))
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := api.Query(t, `query($n: Int) { provinces(first: $n) { totalCount edges { node { districts { totalCount } } } } }`, map[string]any{"n": 1 + i%3})
			if r.Status != 200 || len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"totalCount":1`) {
				t.Errorf("query %d: %d %s", i, r.Status, r.Raw)
			}
		}()
	}
	wg.Wait()
}

// wideNestedQuery is the national nested read's shape with a page size per level.
const wideNestedQuery = `query Wide($p: Int!, $d: Int!, $u: Int!, $o: Int!, $l: Int!) {
  provinces(first: $p, orderBy: {field: CODE}) {
    totalCount
    edges { node { code
      districts(first: $d) { totalCount edges { node { id
        units(first: $u) { totalCount edges { node { id
          officials(first: $o) { totalCount edges { node { id
            pledges(first: $l) { totalCount edges { node { id } } } } } } } } } } } } } } } }`

// TestNestedQueryStatementsScoped holds the nested read of a province supervisor to the same
// statements as a national one's, two per level whatever the page size of each level, with the
// viewer's scope applied at every level and in every count: the officials and pledges of the
// other provinces are neither listed nor counted.
func TestNestedQueryStatementsScoped(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		testutil.Org(t, db.Client, testutil.Shape{Provinces: 3, Districts: 2, Units: 3, Officials: 4, Pledges: 3})
		own, err := db.Client.Province.Query().Where(province.Code("T02")).OnlyID(authz.System(t.Context(), authz.SysTestFixture))
		if err != nil {
			t.Fatal(err)
		}
		api := testutil.NewAPI(t, db, testutil.Config(t, nil)).
			SignedIn(t, db, authz.RoleSupervisor, authz.Scope{Kind: authz.ScopeProvince, ID: own}, "")
		type page = map[string]any
		for _, vars := range []page{
			{"p": 3, "d": 2, "u": 3, "o": 4, "l": 3},
			{"p": 3, "d": 1, "u": 2, "o": 1, "l": 1},
			{"p": 2, "d": 20, "u": 5, "o": 5, "l": 3},
		} {
			warmAccount(t, api)
			db.Counter.Reset()
			resp := api.Query(t, wideNestedQuery, vars)
			if statements := db.Counter.Requests(); statements != 10 {
				t.Errorf("%v: %d SQL statements, want 10 (5 levels + 5 counts, the viewer's account cached)", vars, statements)
			}
			var got struct {
				Provinces conn[struct {
					Code      string
					Districts conn[struct {
						Units conn[struct {
							Officials conn[struct {
								Pledges conn[struct{ ID string }]
							}]
						}]
					}]
				}]
			}
			resp.Decode(t, &got)
			for _, p := range got.Provinces.Edges {
				for _, d := range p.Node.Districts.Edges {
					for _, u := range d.Node.Units.Edges {
						officials := u.Node.Officials
						if p.Node.Code != "T02" {
							if officials.TotalCount != 0 || len(officials.Edges) != 0 {
								t.Fatalf("%v: %s's unit shows %d of %d officials outside the viewer's province",
									vars, p.Node.Code, len(officials.Edges), officials.TotalCount)
							}
							continue
						}
						if want := min(4, vars["o"].(int)); officials.TotalCount != 4 || len(officials.Edges) != want {
							t.Fatalf("%v: officials total %d, page %d, want 4 and %d", vars, officials.TotalCount, len(officials.Edges), want)
						}
						for _, o := range officials.Edges {
							if want := min(3, vars["l"].(int)); o.Node.Pledges.TotalCount != 3 || len(o.Node.Pledges.Edges) != want {
								t.Fatalf("%v: pledges total %d, page %d, want 3 and %d", vars, o.Node.Pledges.TotalCount, len(o.Node.Pledges.Edges), want)
							}
						}
					}
				}
			}
		}
	})
}
