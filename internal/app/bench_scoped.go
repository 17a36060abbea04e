package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/internal/auth"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/loadtest"
	"github.com/liemchinh/liemchinh/internal/seed"
	"github.com/liemchinh/liemchinh/internal/store"
)

// benchScopedLists are the root connections a supervisor lists in their scope: the first page and
// its totalCount, as the app's list screens ask.
var benchScopedLists = []string{"officials", "acknowledgements", "pledges", "selfAssessments",
	"emulationRegistrations", "cases", "incidents", "commendations"}

// benchUnitSupervisor is the account benchScoped signs in as for a unit's scope; the national
// seed has supervisors of the nation and of each province only, so the bench adds it once.
const benchUnitSupervisor = "bench.unit.supervisor"

// benchScoped times every root connection's first page and totalCount as the supervisor of the
// province with the most officials and of the commune people's committee with the most officials
// in its tree (DESIGN.md §8: a supervisor sees their scope), through h.
func benchScoped(ctx context.Context, h http.Handler, db *store.DB, iterations, warmup int, stdout io.Writer) error {
	_, province, commune, officials, err := benchTargets(ctx, db)
	if err != nil {
		return err
	}
	var code string
	if err := db.SQL.QueryRowContext(ctx, `SELECT code FROM provinces WHERE id = `+placeholder(db),
		province.scope["provinceId"]).Scan(&code); err != nil {
		return err
	}
	if err := benchUnitAccount(ctx, db, commune.scope["unitId"].(string)); err != nil {
		return err
	}
	provinceToken, err := benchLogin(ctx, h, seed.NationalProvinceSupervisor(code))
	if err != nil {
		return err
	}
	unitToken, err := benchLogin(ctx, h, benchUnitSupervisor)
	if err != nil {
		return err
	}
	type q struct {
		label, token, query string
		times               []time.Duration
		total, page         int
	}
	var queries []*q
	for _, scope := range []struct{ label, token string }{{"province", provinceToken}, {"unit", unitToken}} {
		for _, list := range benchScopedLists {
			queries = append(queries, &q{label: list + " " + scope.label, token: scope.token,
				query: fmt.Sprintf(`{ %s(first: 20) { totalCount edges { node { id } } } }`, list)})
		}
	}
	fmt.Fprintf(stdout, "bench scoped: %s, %d officials, %d rounds after %d warm-up\n  province: %s, as %s\n  unit:     %s, as %s\n",
		db.Dialect, officials, iterations, warmup, province.label, seed.NationalProvinceSupervisor(code), commune.label, benchUnitSupervisor)
	for round := range warmup + iterations {
		for _, x := range queries {
			var out map[string]struct {
				TotalCount int
				Edges      []struct{ Node struct{ ID string } }
			}
			start := time.Now()
			if err := benchPost(ctx, h, x.token, x.query, nil, &out); err != nil {
				return fmt.Errorf("%s: %w", x.label, err)
			}
			if round >= warmup {
				x.times = append(x.times, time.Since(start))
			}
			for _, v := range out {
				x.total, x.page = v.TotalCount, len(v.Edges)
			}
		}
	}
	fmt.Fprintf(stdout, "  %-32s %10s %5s %9s %9s %9s %9s\n", "first page + totalCount", "totalCount", "page", "median", "p90", "p99", "max")
	var worst time.Duration
	for _, x := range queries {
		slices.Sort(x.times)
		med := loadtest.Percentile(x.times, 0.5)
		worst = max(worst, med)
		fmt.Fprintf(stdout, "  %-32s %10d %5d %9s %9s %9s %9s\n", x.label, x.total, x.page, ms(med),
			ms(loadtest.Percentile(x.times, 0.9)), ms(loadtest.Percentile(x.times, 0.99)), ms(x.times[len(x.times)-1]))
	}
	fmt.Fprintf(stdout, "slowest median %s (target < 100 ms): %s\n", ms(worst),
		map[bool]string{true: "met", false: "NOT met"}[worst < 100*time.Millisecond])
	return nil
}

// benchUnitAccount adds benchUnitSupervisor, scoped to the unit, unless it exists.
func benchUnitAccount(ctx context.Context, db *store.DB, unitID string) error {
	sys := authz.System(ctx, authz.SysSeed)
	a, err := db.Client.Account.Query().Where(account.Login(benchUnitSupervisor)).Only(sys)
	switch {
	case err == nil:
		if a.ScopeKind == account.ScopeKindUNIT && a.ScopeUnitID != nil && *a.ScopeUnitID == unitID {
			return nil
		}
		return db.Client.Account.UpdateOne(a).SetRole(account.RoleSUPERVISOR).SetScopeKind(account.ScopeKindUNIT).
			SetScopeUnitID(unitID).Exec(sys)
	case !ent.IsNotFound(err):
		return err
	}
	hash, err := auth.HashPassword(ctx, seed.DemoPassword)
	if err != nil {
		return err
	}
	return db.Client.Account.Create().SetLogin(benchUnitSupervisor).SetPasswordHash(hash).
		SetRole(account.RoleSUPERVISOR).SetScopeKind(account.ScopeKindUNIT).SetScopeUnitID(unitID).
		SetPasswordChangedAt(time.Now()).Exec(sys)
}
