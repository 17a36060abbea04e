package server_test

import (
	"testing"

	"github.com/liemchinh/liemchinh/internal/testutil"
)

// Viewer.notifications has first but no last: it is capped at 100 like every connection, and
// its default page is 20.
func TestNotificationsPageSize(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, nil)
		api := testutil.NewAPI(t, db, cfg)
		w := testutil.NewWorld(t, db, cfg)
		access, _ := api.Login(t, w.Logins["official"], testutil.Password)
		official := api.As(access)

		if r := official.Query(t, `{ viewer { notifications(first: 101) { totalCount } } }`, nil); r.Code() != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("first: 101: %s", r.Raw)
		}
		if r := official.Query(t, `query($n: Int) { viewer { notifications(first: $n) { totalCount } } }`,
			map[string]any{"n": 1000000}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("first: $n = 1000000: %s", r.Raw)
		}
		var ok struct {
			Viewer struct{ Notifications struct{ TotalCount int } }
		}
		official.Query(t, `{ viewer { notifications(first: 100) { totalCount } } }`, nil).Decode(t, &ok)
		official.Query(t, `{ viewer { notifications { totalCount } } }`, nil).Decode(t, &ok)
	})
}
