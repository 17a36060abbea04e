package progress_test

import (
	"testing"

	"github.com/liemchinh/liemchinh/internal/testutil"
)

// BenchmarkProgress times the progress query through the HTTP handler for the nation and for a
// unit (go test ./internal/progress -run '^$' -bench Progress). At national scale, use
// `liemchinh bench progress` on a database loaded by `liemchinh seed --national`.
func BenchmarkProgress(b *testing.B) {
	for _, dia := range testutil.Dialects() {
		db := testutil.Open(b, dia)
		cfg := testutil.Config(b, nil)
		api := testutil.NewAPI(b, db, cfg)
		w := testutil.NewWorld(b, db, cfg)
		tok, _ := api.Login(b, w.Logins["admin"], testutil.Password)
		admin := api.As(tok)
		for _, sc := range []struct {
			name  string
			scope map[string]any
		}{{"nation", map[string]any{"national": true}}, {"unit", map[string]any{"unitId": w.A.ChildUnit}}} {
			b.Run(dia+"/"+sc.name, func(b *testing.B) {
				vars := map[string]any{"scope": sc.scope, "year": 2025}
				for b.Loop() {
					var got progressAnswer
					admin.Query(b, progressQuery, vars).Decode(b, &got)
				}
			})
		}
	}
}
