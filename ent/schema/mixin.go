// Package schema holds the hand-written ent schemas of the campaign's data model: fields, edges,
// indexes and GraphQL annotations. Everything else under ent/ is generated from it.
package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
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

// noFilter keeps a field out of the generated where input: only indexed fields are filterable.
func noFilter() entgql.Annotation { return entgql.Skip(entgql.SkipWhereInput) }

// hidden keeps a field or edge out of the GraphQL API altogether.
func hidden() entgql.Annotation { return entgql.Skip(entgql.SkipAll) }

// connection makes a to-many edge a Relay connection.
func connection() entgql.Annotation { return entgql.RelayConnection() }
