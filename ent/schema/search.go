package schema

import (
	"context"

	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/liemchinh/liemchinh/internal/fold"
)

// folded is the search form of a name (fold.Query: lower case, no diacritics, words separated by
// single spaces); it is never set by hand: foldHook keeps it, and migrations backfilled it.
func folded(name string, max int) ent.Field {
	return field.String(name).MaxLen(max).Default("").
		Comment("Search form of the name (lower case, no diacritics, đ as d, punctuation as spaces), kept by a hook.").
		Annotations(hidden())
}

// trigram indexes a folded column for substring search: a pg_trgm GIN index on PostgreSQL (LIKE
// '%...%' uses it), a plain index on SQLite, whose embedded databases are small enough to scan.
func trigram(column string) ent.Index {
	return index.Fields(column).Annotations(
		entsql.IndexTypes(map[string]string{dialect.Postgres: "GIN"}),
		entsql.OpClass("gin_trgm_ops"),
	)
}

// foldHook sets the search form whenever a mutation sets the name, in one place for every writer.
func foldHook(source, target string) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if v, ok := m.Field(source); ok {
				if s, ok := v.(string); ok {
					if err := m.SetField(target, fold.Query(s)); err != nil {
						return nil, err
					}
				}
			}
			return next.Mutate(ctx, m)
		})
	}
}
