package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/liemchinh/liemchinh/internal/pid"
)

// ProgressCounter is one maintained aggregate behind `progress`: the sum of a figure (key) over a
// scope's records for a year. internal/progress keeps it in step with the records in the same
// transaction as every change; it is split into a few shards so that concurrent writers to one
// scope (the nation, a province) rarely wait on the same row. Never exposed through GraphQL.
type ProgressCounter struct{ ent.Schema }

func (ProgressCounter) Fields() []ent.Field {
	return []ent.Field{
		field.String("scope").NotEmpty().MaxLen(48).Comment("Scope key: nation, province id, district id or unit id (the unit with its sub-units)."),
		field.Int("year").Comment("Year of the figure."),
		field.String("key").NotEmpty().MaxLen(64).Comment("Which figure, e.g. headcount or case.channel.PRAISE."),
		field.Int("shard").NonNegative().Comment("Shard of the row; a figure is the sum over its shards."),
		field.Int64("value").Comment("The shard's share of the figure."),
	}
}

func (ProgressCounter) Indexes() []ent.Index {
	return []ent.Index{index.Fields("scope", "year", "key", "shard").Unique()}
}

func (ProgressCounter) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A maintained aggregate behind progress: a figure of a scope and year, in shards."),
		entgql.Skip(entgql.SkipAll),
	}
}

// ProgressClock records the day the counters' current year is reckoned at ("today" is the
// reference date of the current year's headcount); internal/progress moves it forward.
type ProgressClock struct{ ent.Schema }

func (ProgressClock) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(32).Unique().Comment("Which clock (one: counters)."),
		field.String("as_of").NotEmpty().MaxLen(10).Comment("The day (YYYY-MM-DD, Vietnam time) the counters are reckoned at."),
	}
}

func (ProgressClock) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("The day the maintained progress counters are reckoned at."),
		entgql.Skip(entgql.SkipAll),
	}
}

// Review is a closed annual review: a scope's figures of a year frozen as an immutable snapshot.
// Closing again makes a new version with a reason; earlier versions stay readable.
type Review struct{ ent.Schema }

func (Review) Mixin() []ent.Mixin { return base(pid.Review) }

func (Review) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("scope_kind").Values("UNIT", "DISTRICT", "PROVINCE", "NATION").Immutable().
			Comment("What the reviewed scope is."),
		field.String("scope_id").Optional().Immutable().MaxLen(40).Annotations(hidden()).
			Comment("Id of the reviewed unit, district or province; empty for the nation."),
		field.String("scope_name").Immutable().MaxLen(300).Annotations(noFilter()).
			Comment("Name of the reviewed scope when the review was closed."),
		field.Int("year").Immutable().Range(2000, 2100).Comment("The year reviewed.").
			Annotations(entgql.OrderField("YEAR")),
		field.Int("version").Immutable().Positive().Comment("1 for the first closing; each closing again adds one.").
			Annotations(noFilter()),
		field.String("reason").Optional().Nillable().Immutable().MaxLen(2000).Annotations(noFilter()).
			Comment("Why the review was closed again (required from version 2)."),
		field.Time("closed_at").Immutable().Comment("When the review was closed.").
			Annotations(entgql.OrderField("CLOSED_AT"), noFilter()),
		field.Bytes("figures").Immutable().Annotations(hidden()).
			Comment("The frozen figures, as JSON."),
		field.String("unit_id").Optional().Immutable().MaxLen(40).Annotations(hidden()).
			Comment("Unit of the scope (for unit scopes), for the scope filters."),
		field.String("district_id").Optional().Immutable().MaxLen(40).Annotations(hidden()).
			Comment("District of the scope (for district scopes)."),
		field.String("province_id").Optional().Immutable().MaxLen(40).Annotations(hidden()).
			Comment("Province of the scope (for province, district and unit scopes)."),
	}
}

func (Review) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("closed_by", Account.Type).Ref("closed_reviews").Unique().Immutable().
			Comment("Who closed it.").Annotations(hidden()),
	}
}

func (Review) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("scope_kind", "scope_id", "year", "version").Unique(),
		index.Fields("year"),
		index.Fields("scope_kind"),
		index.Fields("closed_at"),
		index.Fields("unit_id"),
		index.Fields("district_id"),
		index.Fields("province_id"),
		index.Edges("closed_by"),
	}
}

func (Review) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A closed annual review: a scope's figures of a year, frozen; each closing is a new version."),
		entgql.QueryField().Description("Closed annual reviews in the viewer's scope, every version."),
		entgql.RelayConnection(),
	}
}
