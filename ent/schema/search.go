package schema

import (
	"context"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
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

// OfficialNameKey is one word start of an official's name: for "nguyen van an", the keys "nguyen van
// an", "van an" and "an", each with the official and their unit. A search for words at word starts
// is then a prefix range on one index that also holds what the count and the scope filter need, so
// PostgreSQL answers both from the index alone (a trigram index could not: it rechecks every
// candidate row). Derived data, kept by internal/namesearch on every write of an official; never in
// the API.
type OfficialNameKey struct{ ent.Schema }

func (OfficialNameKey) Fields() []ent.Field {
	return []ent.Field{
		field.String("key").MaxLen(200).Immutable().Comment("A suffix of the name's search form starting at a word."),
		field.String("official_id").Immutable().Comment("The official."),
		field.String("unit_id").Comment("The official's unit, for the scope filter."),
		field.Int("overlap").Immutable().NonNegative().
			Comment("How many characters the key shares at its start with a longer word start of the same name: a query no longer than that matched the official already, so counting keys with overlap < length(query) counts each official once."),
	}
}

func (OfficialNameKey) Indexes() []ent.Index {
	return []ent.Index{
		// varchar_pattern_ops: PostgreSQL serves LIKE 'prefix%' from it whatever the database's
		// collation; the other columns make the count an index-only scan without DISTINCT.
		index.Fields("key", "overlap", "unit_id", "official_id").Annotations(entsql.OpClassColumn("key", "varchar_pattern_ops")),
		index.Fields("official_id"),
	}
}

func (OfficialNameKey) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Table("official_name_keys"),
		entgql.Skip(entgql.SkipAll),
		schema.Comment("Word starts of officials' names, for search (derived, kept by internal/namesearch)."),
	}
}
