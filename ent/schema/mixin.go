// Package schema holds the hand-written ent schemas of the campaign's data model: fields, edges,
// indexes and GraphQL annotations. Everything else under ent/ is generated from it.
package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"

	"github.com/liemchinh/liemchinh/internal/pid"
)

// idMixin gives a type its opaque, prefixed id (see internal/pid).
type idMixin struct {
	mixin.Schema
	prefix string
}

func (m idMixin) Fields() []ent.Field {
	p := m.prefix
	return []ent.Field{
		field.String("id").
			Immutable().
			NotEmpty().
			MaxLen(40).
			DefaultFunc(func() string { return pid.New(p) }).
			Comment("Opaque, globally unique id of the object."),
	}
}

// timeMixin records when a row was created and last changed.
type timeMixin struct{ mixin.Schema }

func (timeMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Immutable().Default(time.Now).
			Comment("When the record was created.").
			Annotations(noFilter()),
		field.Time("updated_at").Default(time.Now).UpdateDefault(time.Now).
			Comment("When the record was last changed.").
			Annotations(noFilter()),
	}
}

// base is the mixin set of every type: id and times.
func base(prefix string) []ent.Mixin { return []ent.Mixin{idMixin{prefix: prefix}, timeMixin{}} }

// officialID is the foreign key of an edge to the official as a field, so that where inputs filter
// on it (officialID, officialIDIn; ent/describe.go keeps only those two) without a join. It keeps
// the column name ent gave the edge (column), and stays out of the object type: the edge is there.
// Optional for an edge that may be unset (and may change), immutable otherwise.
func officialID(column, comment string, optional bool) ent.Field {
	f := field.String("official_id").StorageKey(column).Comment(comment).Annotations(entgql.Skip(entgql.SkipType))
	if optional {
		return f.Optional()
	}
	return f.Immutable()
}

// parentKey is the foreign key of an edge to a parent as a field, under the column name ent gave
// the edge, so that an index can lead with it: (parent, id) lets a nested page read only the
// rows it keeps. Out of the GraphQL API (the edge is there); optional for an edge that may be unset.
func parentKey(name, column, comment string, optional bool) ent.Field {
	f := field.String(name).StorageKey(column).Comment(comment).Annotations(hidden())
	if optional {
		return f.Optional().Nillable()
	}
	return f
}

// noFilter keeps a field out of the generated where input: only indexed fields are filterable.
func noFilter() entgql.Annotation { return entgql.Skip(entgql.SkipWhereInput) }

// hidden keeps a field or edge out of the GraphQL API altogether.
func hidden() entgql.Annotation { return entgql.Skip(entgql.SkipAll) }

// connection makes a to-many edge a Relay connection.
func connection() entgql.Annotation { return entgql.RelayConnection() }

// EdgeWhere is the annotation of filteredEdge, read by the schema hook in ent/describe.go.
type EdgeWhere struct{}

// Name implements schema.Annotation.
func (EdgeWhere) Name() string { return "EdgeWhere" }

// filteredEdge makes a to-many edge a Relay connection that takes a where argument on its own rows
// (eager-loaded and paginated per parent like any edge) without the hasX/hasXWith predicates entgql
// would add beside it to the parent's where input: those are a SQL subquery the read filters never
// see (authz.PublicTypes), so ent/describe.go removes them from the schema.
func filteredEdge() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), EdgeWhere{}}
}
