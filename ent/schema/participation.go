package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/internal/pid"
)

// Acknowledgement records that an official has read and understood a campaign (the phase-1 metric).
// Once per official and campaign.
type Acknowledgement struct{ ent.Schema }

func (Acknowledgement) Mixin() []ent.Mixin { return base(pid.Acknowledgement) }

func (Acknowledgement) Fields() []ent.Field {
	return append([]ent.Field{
		field.Time("acknowledged_at").Immutable().Comment("When the official acknowledged the campaign.").
			Annotations(entgql.OrderField("ACKNOWLEDGED_AT")),
	}, recordScopeFields()...)
}

func (Acknowledgement) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("official", Official.Type).Ref("acknowledgements").Unique().Required().Immutable().
			Comment("The official.").
			Annotations(noFilter()),
		edge.From("campaign", Campaign.Type).Ref("acknowledgements").Unique().Required().Immutable().
			Comment("The campaign acknowledged."),
	}
}

func (Acknowledgement) Indexes() []ent.Index {
	return append([]ent.Index{
		index.Edges("official", "campaign").Unique(),
		index.Edges("campaign"),
		index.Fields("acknowledged_at"),
	}, recordScopeIndexes()...)
}

func (Acknowledgement) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("An official's confirmation of having read and understood a campaign."),
		entgql.QueryField().Description("Officials' acknowledgements of campaigns."), entgql.RelayConnection(),
	}
}

// Pledge is an official's signed yearly pledge to the five "no"s. At most one signed pledge per
// official, campaign and year; withdrawal is recorded, never deleted, and frees the year for a new one.
type Pledge struct{ ent.Schema }

func (Pledge) Mixin() []ent.Mixin { return base(pid.Pledge) }

func (Pledge) Fields() []ent.Field {
	return append([]ent.Field{
		field.Int("year").Immutable().Range(2000, 2100).Comment("The year pledged for.").
			Annotations(entgql.OrderField("YEAR")),
		field.Enum("status").Values("SIGNED", "WITHDRAWN").Default("SIGNED").
			Comment("SIGNED while in force, WITHDRAWN once withdrawn."),
		field.Time("signed_at").Immutable().Comment("When the official signed.").
			Annotations(entgql.OrderField("SIGNED_AT")),
		field.Time("withdrawn_at").Optional().Nillable().Comment("When the pledge was withdrawn.").
			Annotations(noFilter()),
		field.String("withdrawal_reason").Optional().Nillable().MaxLen(2000).
			Comment("Why the pledge was withdrawn.").Annotations(noFilter()),
	}, recordScopeFields()...)
}

func (Pledge) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("official", Official.Type).Ref("pledges").Unique().Required().Immutable().
			Comment("The official who signed.").
			Annotations(noFilter()),
		edge.From("campaign", Campaign.Type).Ref("pledges").Unique().Required().Immutable().
			Comment("The campaign pledged under."),
	}
}

func (Pledge) Indexes() []ent.Index {
	return append([]ent.Index{
		// One pledge in force per official, campaign and year; withdrawn ones stay beside it.
		index.Fields("year").Edges("official", "campaign").Unique().
			Annotations(entsql.IndexWhere("status = 'SIGNED'")),
		index.Edges("official"),
		index.Edges("campaign"),
		index.Fields("year", "status"),
		index.Fields("status"),
		index.Fields("signed_at"),
	}, recordScopeIndexes()...)
}

func (Pledge) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("An official's signed yearly pledge to the five prohibitions of the campaign."),
		entgql.QueryField().Description("Officials' yearly pledges, withdrawn ones included."), entgql.RelayConnection(),
	}
}

// EmulationRegistration is a unit's (collective) yearly registration for the emulation movement.
type EmulationRegistration struct{ ent.Schema }

func (EmulationRegistration) Mixin() []ent.Mixin { return base(pid.EmulationRegistration) }

func (EmulationRegistration) Fields() []ent.Field {
	return []ent.Field{
		field.Int("year").Immutable().Range(2000, 2100).Comment("The year registered for.").
			Annotations(entgql.OrderField("YEAR")),
		field.Text("goals").Comment("The unit's goals for the year, as registered.").Annotations(noFilter()),
		field.Time("registered_at").Immutable().Comment("When the unit registered.").Annotations(noFilter()),
	}
}

func (EmulationRegistration) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("unit", Unit.Type).Ref("emulation_registrations").Unique().Required().Immutable().
			Comment("The unit registering."),
		edge.From("campaign", Campaign.Type).Ref("emulation_registrations").Unique().Required().Immutable().
			Comment("The campaign whose emulation movement the unit joins."),
	}
}

func (EmulationRegistration) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("year").Edges("unit", "campaign").Unique(),
		index.Edges("unit"),
		index.Edges("campaign"),
	}
}

func (EmulationRegistration) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A unit's yearly registration for the emulation movement, with its goals."),
		entgql.QueryField().Description("Units' yearly registrations for the emulation movement."), entgql.RelayConnection(),
	}
}

// SelfAssessment is an official's self-assessment for a period (a year by default) and its review.
type SelfAssessment struct{ ent.Schema }

func (SelfAssessment) Mixin() []ent.Mixin { return base(pid.SelfAssessment) }

func (SelfAssessment) Fields() []ent.Field {
	return append([]ent.Field{
		field.Int("year").Immutable().Range(2000, 2100).Comment("Year of the period assessed.").
			Annotations(entgql.OrderField("YEAR")),
		field.Enum("period_kind").Values("YEAR", "QUARTER", "MONTH").Default("YEAR").Immutable().
			Comment("Length of the period assessed.").Annotations(noFilter()),
		field.Int("period").Immutable().Range(0, 12).Default(0).
			Comment("0 for a year, 1-4 for a quarter, 1-12 for a month.").Annotations(noFilter()),
		field.Enum("scheme").Values("FOUR_LEVEL", "SCORE_100").
			Comment("FOUR_LEVEL: Decree 90/2020 as amended by 48/2023. SCORE_100: Decree 335/2025, from 2026 (90 and over EXCELLENT, 70 GOOD, 50 COMPLETED).").
			Annotations(noFilter()),
		field.Int("score").Optional().Nillable().Range(0, 100).
			Comment("Self-scored points under SCORE_100.").Annotations(noFilter()),
		field.Enum("proposed_classification").GoType(enum.Classification("")).Optional().Nillable().
			Comment("The classification the official proposes for themself.").
			Annotations(entgql.Type("Classification")),
		field.Enum("final_classification").GoType(enum.Classification("")).Optional().Nillable().
			Comment("The classification set by the reviewer.").
			Annotations(entgql.Type("Classification")),
		field.Enum("status").Values("DRAFT", "SUBMITTED", "RETURNED", "REVIEWED").Default("DRAFT").
			Comment("DRAFT -> SUBMITTED -> (RETURNED -> SUBMITTED)* -> REVIEWED."),
		field.Text("summary").Default("").Comment("The official's own summary of the period.").Annotations(noFilter()),
		field.Time("submitted_at").Optional().Nillable().Comment("When last submitted.").
			Annotations(entgql.OrderField("SUBMITTED_AT"), noFilter()),
		field.Time("reviewed_at").Optional().Nillable().Comment("When reviewed.").Annotations(noFilter()),
		field.Text("review_comment").Optional().Nillable().Comment("The reviewer's comment.").Annotations(noFilter()),
		field.Bool("not_rated").Default(false).
			Comment("Set by the review when the official worked fewer than 6 months in the year: not rated, no classification.").
			Annotations(noFilter()),
		field.Time("flagged_at").Optional().Nillable().
			Comment("When an incident of the year established after an EXCELLENT or GOOD review flagged the assessment for a new review (Decree 48/2023); cleared by that review.").
			Annotations(noFilter()),
		field.Text("flag_reason").Optional().Nillable().
			Comment("Why the assessment was flagged: the incident established after the review.").
			Annotations(noFilter()),
		officialID("official_self_assessments", "Id of the official assessing themself.", false),
	}, recordScopeFields()...)
}

func (SelfAssessment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("official", Official.Type).Ref("self_assessments").Unique().Required().Immutable().Field("official_id").
			Comment("The official assessing themself.").
			Annotations(noFilter()),
		edge.From("campaign", Campaign.Type).Ref("self_assessments").Unique().Required().Immutable().
			Comment("The campaign whose criteria are assessed."),
		edge.To("items", SelfAssessmentItem.Type).Comment("One item per criterion assessed.").
			Annotations(noFilter()),
		edge.From("reviewer", Account.Type).Ref("reviewed_assessments").Unique().
			Comment("The account that reviewed the assessment.").Annotations(hidden()),
	}
}

func (SelfAssessment) Indexes() []ent.Index {
	return append([]ent.Index{
		index.Fields("year", "period_kind", "period").Edges("official", "campaign").Unique(),
		index.Edges("official"),
		index.Edges("campaign"),
		index.Edges("reviewer"),
		index.Fields("year", "status"),
		index.Fields("status"),
		index.Fields("final_classification"),
		index.Fields("submitted_at"),
		index.Fields("proposed_classification"),
	}, recordScopeIndexes()...)
}

func (SelfAssessment) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("An official's self-assessment for a period, and its review."),
		entgql.QueryField().Description("Officials' self-assessments and their reviews."), entgql.RelayConnection(),
	}
}

// SelfAssessmentItem is one criterion of a self-assessment: a prohibition kept or breached, or a
// virtue rated 1 to 5.
type SelfAssessmentItem struct{ ent.Schema }

func (SelfAssessmentItem) Mixin() []ent.Mixin { return base(pid.SelfAssessmentItem) }

func (SelfAssessmentItem) Fields() []ent.Field {
	return []ent.Field{
		field.Bool("kept").Optional().Nillable().Comment("For a prohibition: true if kept, false if breached."),
		field.Int("rating").Optional().Nillable().Range(1, 5).Comment("For a virtue: the self-rating, 1 to 5."),
		field.String("note").Default("").MaxLen(2000).Comment("The official's note on this criterion."),
	}
}

func (SelfAssessmentItem) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("assessment", SelfAssessment.Type).Ref("items").Unique().Required().Immutable().
			Comment("The self-assessment.").
			Annotations(noFilter()),
		edge.From("criterion", Criterion.Type).Ref("items").Unique().Required().Immutable().
			Comment("The criterion assessed."),
	}
}

func (SelfAssessmentItem) Indexes() []ent.Index {
	return []ent.Index{
		index.Edges("assessment", "criterion").Unique(),
		index.Edges("criterion"),
	}
}

func (SelfAssessmentItem) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("One criterion of a self-assessment."),
		entgql.Skip(entgql.SkipWhereInput),
	}
}
