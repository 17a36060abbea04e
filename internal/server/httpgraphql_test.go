package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/liemchinh/liemchinh/internal/testutil"
)

// TestGraphQLOverHTTP checks the answers of GraphQL over HTTP
// (https://graphql.github.io/graphql-over-http/draft/) for each kind of failure and each Accept:
// a request error is 200 for application/json (and no Accept) and 4xx for
// application/graphql-response+json, never with a "data" entry; a request that is not GraphQL
// (no query, a batch, not JSON) is 400 whatever the Accept. Each is answered within a second.
func TestGraphQLOverHTTP(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		api := testutil.NewAPI(t, db, testutil.Config(t, nil))
		const (
			plain   = "application/json"
			gqlResp = "application/graphql-response+json"
		)
		type want struct {
			json, gql int    // status with application/json (and no Accept), with graphql-response+json
			code      string // first error's extensions.code, "" for none
			data      bool   // whether "data" is in the answer
		}
		get := func(vars ...string) string {
			q := url.Values{}
			for i := 0; i+1 < len(vars); i += 2 {
				q.Set(vars[i], vars[i+1])
			}
			return q.Encode()
		}
		bigBatch := "[" + strings.Repeat(`{"query":"{ provinces { totalCount } }"},`, 10000) + `{"query":"{ __typename }"}]`
		tests := []struct {
			name        string
			method      string
			contentType string
			body        string // POST body, or GET query string
			want        want
		}{
			{"success", "POST", plain, `{"query":"{ provinces { totalCount } }"}`, want{200, 200, "", true}},
			{"field error keeps data", "POST", plain, `{"query":"{ provinces { totalCount } officials { totalCount } }"}`,
				want{200, 200, "UNAUTHENTICATED", true}},
			{"parse error", "POST", plain, `{"query":"{ provinces { totalCount "}`, want{200, 400, "GRAPHQL_PARSE_FAILED", false}},
			{"validation error", "POST", plain, `{"query":"{ provincez { totalCount } }"}`, want{200, 400, "GRAPHQL_VALIDATION_FAILED", false}},
			{"variable of the wrong type", "POST", plain, `{"query":"query($n: Int) { provinces(first: $n) { totalCount } }","variables":{"n":"ten"}}`,
				want{200, 400, "BAD_USER_INPUT", false}},
			{"variable Time not a time", "POST", plain, `{"query":"query($t: Time) { provinces(where: {validFromGT: $t}) { totalCount } }","variables":{"t":"yesterday"}}`,
				want{200, 400, "BAD_USER_INPUT", false}},
			{"literal enum unknown", "POST", plain, `{"query":"{ provinces(orderBy: {field: NOPE}) { totalCount } }"}`, want{200, 400, "BAD_USER_INPUT", false}},
			{"unknown operation name", "POST", plain, `{"query":"query A { __typename }","operationName":"B"}`, want{200, 400, "GRAPHQL_VALIDATION_FAILED", false}},
			{"no query", "POST", plain, `{"variables":{}}`, want{400, 400, "BAD_REQUEST", false}},
			{"empty query", "POST", plain, `{"query":"  "}`, want{400, 400, "BAD_REQUEST", false}},
			{"batch", "POST", plain, `[{"query":"{ __typename }"},{"query":"{ __typename }"}]`, want{400, 400, "BAD_REQUEST", false}},
			{"batch of 10,001", "POST", plain, bigBatch, want{400, 400, "BAD_REQUEST", false}},
			{"not JSON", "POST", plain, `query { __typename }`, want{400, 400, "BAD_REQUEST", false}},
			{"variables not an object", "POST", plain, `{"query":"{ __typename }","variables":"x"}`, want{400, 400, "BAD_REQUEST", false}},
			{"not application/json", "POST", "text/plain", `{"query":"{ __typename }"}`, want{415, 415, "BAD_REQUEST", false}},
			{"GET success", "GET", "", get("query", "{ provinces { totalCount } }"), want{200, 200, "", true}},
			{"GET with variables", "GET", "", get("query", "query($n: Int) { provinces(first: $n) { totalCount } }", "variables", `{"n":1}`),
				want{200, 200, "", true}},
			{"GET parse error", "GET", "", get("query", "{ provinces {"), want{200, 400, "GRAPHQL_PARSE_FAILED", false}},
			{"GET variable coercion", "GET", "", get("query", "query($t: Time) { provinces(where: {validFromGT: $t}) { totalCount } }", "variables", `{"t":"soon"}`),
				want{200, 400, "BAD_USER_INPUT", false}},
			{"GET no query", "GET", "", get(), want{400, 400, "BAD_REQUEST", false}},
			{"GET bad variables", "GET", "", get("query", "{ __typename }", "variables", "{x"), want{400, 400, "BAD_REQUEST", false}},
			{"GET mutation", "GET", "", get("query", "mutation { __typename }"), want{405, 405, "BAD_REQUEST", false}},
			{"PUT", "PUT", plain, `{"query":"{ __typename }"}`, want{405, 405, "BAD_REQUEST", false}},
		}
		for _, tt := range tests {
			for _, accept := range []string{"", plain, gqlResp, "application/graphql-response+json, application/json;q=0.9"} {
				t.Run(tt.name+"/accept "+accept, func(t *testing.T) {
					var req *http.Request
					if tt.method == "GET" {
						req = httptest.NewRequest(http.MethodGet, "/query?"+tt.body, nil)
					} else {
						req = httptest.NewRequest(tt.method, "/query", bytes.NewBufferString(tt.body))
						req.Header.Set("Content-Type", tt.contentType)
					}
					if accept != "" {
						req.Header.Set("Accept", accept)
					}
					rec := httptest.NewRecorder()
					start := time.Now()
					api.Handler.ServeHTTP(rec, req)
					if took := time.Since(start); took > time.Second {
						t.Fatalf("answered in %s, want under 1 s", took)
					}
					status, media := tt.want.json, plain
					if strings.HasPrefix(accept, gqlResp) {
						status, media = tt.want.gql, gqlResp
					}
					var body struct{ Errors []testutil.GQLError }
					var keys map[string]json.RawMessage // "data": null is there, a missing data is not
					if json.Unmarshal(rec.Body.Bytes(), &body) != nil || json.Unmarshal(rec.Body.Bytes(), &keys) != nil {
						t.Fatalf("not JSON: %d %s", rec.Code, rec.Body)
					}
					_, hasData := keys["data"]
					code := ""
					if len(body.Errors) > 0 {
						code, _ = body.Errors[0].Extensions["code"].(string)
						if body.Errors[0].Message == "" {
							t.Fatalf("an error without a message: %s", rec.Body)
						}
					}
					if rec.Code != status || code != tt.want.code || hasData != tt.want.data {
						t.Fatalf("got %d %s, want %d code %q data %v", rec.Code, rec.Body, status, tt.want.code, tt.want.data)
					}
					if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, media) {
						t.Fatalf("Content-Type %q, want %s", ct, media)
					}
					if allow := rec.Header().Get("Allow"); tt.want.json == http.StatusMethodNotAllowed && !strings.Contains(allow, "POST") {
						t.Fatalf("405 with Allow %q", allow)
					}
				})
			}
		}
		if strings.Contains(api.Logs.String(), `"level":"ERROR"`) {
			t.Fatalf("bad requests logged errors:\n%s", api.Logs)
		}
	})
}

// A request whose context ended before execution (the client left, a deadline passed) still gets
// a coded answer, never an empty body (gqlgen's transports wrote "null").
func TestGraphQLOverHTTPEndedContext(t *testing.T) {
	db := testutil.Open(t, "sqlite3")
	api := testutil.NewAPI(t, db, testutil.Config(t, nil))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/query", strings.NewReader(`{"query":"{ __typename }"}`))
	req.Header.Set("Content-Type", "application/json")
	r := api.Do(t, req)
	if r.Code() == "" || r.Data != nil {
		t.Fatalf("got %d %s, want a coded error and no data", r.Status, r.Raw)
	}
}
