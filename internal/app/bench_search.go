package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/liemchinh/liemchinh/internal/loadtest"
	"github.com/liemchinh/liemchinh/internal/seed"
	"github.com/liemchinh/liemchinh/internal/store"
)

const benchOfficialsSearch = `query($q: String!) { officials(search: $q, first: 20) {
  totalCount edges { node { fullName } } } }`

const benchUnitsSearch = `query($q: String!) { units(search: $q, first: 20) {
  totalCount edges { node { name } } } }`

const benchCasesSearch = `query($q: String!) { cases(search: $q, first: 20) {
  totalCount edges { node { id state } } } }`

// benchSearch times the search queries through the real handler, as national.admin and as the
// supervisor of the province with the most officials: a whole name, the commonest family name
// (hundreds of thousands of matches, so totalCount is the costly part), a common name prefix, a
// rarer one, a unit name and a tracking code.
func benchSearch(ctx context.Context, h http.Handler, db *store.DB, iterations, warmup int, stdout io.Writer) error {
	_, province, _, officials, err := benchTargets(ctx, db)
	if err != nil {
		return err
	}
	var code, tracking string
	if err := db.SQL.QueryRowContext(ctx, `SELECT code FROM provinces WHERE id = `+placeholder(db)+``,
		province.scope["provinceId"]).Scan(&code); err != nil {
		return err
	}
	if err := db.SQL.QueryRowContext(ctx, `SELECT tracking_code FROM cases ORDER BY id LIMIT 1`).Scan(&tracking); err != nil {
		return fmt.Errorf("no case: %w", err)
	}
	admin, err := benchLogin(ctx, h, seed.NationalAdmin)
	if err != nil {
		return err
	}
	supervisor, err := benchLogin(ctx, h, seed.NationalProvinceSupervisor(code))
	if err != nil {
		return err
	}
	type q struct {
		label, token, query, search string
		times                       []time.Duration
		total                       int64
	}
	queries := []*q{
		{label: "officials 'Nguyễn Văn Vinh' admin", token: admin, query: benchOfficialsSearch, search: "Nguyễn Văn Vinh"},
		{label: "officials 'nguyen' admin", token: admin, query: benchOfficialsSearch, search: "nguyen"},
		{label: "officials 'nguyen van' admin", token: admin, query: benchOfficialsSearch, search: "nguyen van"},
		{label: "officials 'nguyen van' province", token: supervisor, query: benchOfficialsSearch, search: "nguyen van"},
		{label: "officials 'Trần Thị H' admin", token: admin, query: benchOfficialsSearch, search: "Trần Thị H"},
		{label: "officials 'tran thi h' province", token: supervisor, query: benchOfficialsSearch, search: "tran thi h"},
		{label: "units 'uy ban' admin", token: admin, query: benchUnitsSearch, search: "uy ban"},
		{label: "cases tracking code admin", token: admin, query: benchCasesSearch, search: tracking},
	}
	fmt.Fprintf(stdout, "bench search: %s, %d officials, %d rounds after %d warm-up; province supervisor: %s\n",
		db.Dialect, officials, iterations, warmup, province.label)
	for round := range warmup + iterations {
		for _, x := range queries {
			var out map[string]struct{ TotalCount int64 }
			start := time.Now()
			if err := benchPost(ctx, h, x.token, x.query, map[string]any{"q": x.search}, &out); err != nil {
				return fmt.Errorf("%s: %w", x.label, err)
			}
			if round >= warmup {
				x.times = append(x.times, time.Since(start))
			}
			for _, v := range out {
				x.total = v.TotalCount
			}
		}
	}
	fmt.Fprintf(stdout, "  %-36s %10s %9s %9s %9s %9s\n", "query", "totalCount", "median", "p90", "p99", "max")
	for _, x := range queries {
		slices.Sort(x.times)
		fmt.Fprintf(stdout, "  %-36s %10d %9s %9s %9s %9s\n", x.label, x.total, ms(loadtest.Percentile(x.times, 0.5)),
			ms(loadtest.Percentile(x.times, 0.9)), ms(loadtest.Percentile(x.times, 0.99)), ms(x.times[len(x.times)-1]))
	}
	return nil
}

func placeholder(db *store.DB) string {
	if db.Dialect == "postgres" {
		return "$1"
	}
	return "?"
}
