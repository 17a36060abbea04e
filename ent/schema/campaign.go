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

// Campaign is one issuer's plan for the campaign (e.g. Plan 153/KH-LĐLĐ); phases and criteria are
// data, so another province's or year's plan is configuration, not code.
type Campaign struct{ ent.Schema }

func (Campaign) Mixin() []ent.Mixin { return base(pid.Campaign) }

func (Campaign) Fields() []ent.Field {
	return []ent.Field{
		field.String("code").NotEmpty().MaxLen(60).Unique().
			Comment("Stable code of the campaign, e.g. KH-153-LDLD-BEN-TRE.").
			Annotations(entgql.OrderField("CODE")),
		field.String("plan_number").NotEmpty().MaxLen(60).
			Comment("Number of the plan as issued, e.g. 153/KH-LĐLĐ.").Annotations(noFilter()),
		field.String("issuer").NotEmpty().MaxLen(300).
			Comment("Who issued the plan, e.g. Liên đoàn Lao động tỉnh Bến Tre.").Annotations(noFilter()),
		field.String("title_vi").NotEmpty().MaxLen(500).Comment("Title in Vietnamese.").Annotations(noFilter()),
		field.String("title_en").NotEmpty().MaxLen(500).Comment("Title in English.").Annotations(noFilter()),
		field.Text("summary_vi").Default("").Comment("Purpose and content in Vietnamese.").Annotations(noFilter()),
		field.Text("summary_en").Default("").Comment("Purpose and content in English.").Annotations(noFilter()),
		field.Time("issued_on").Comment("Date the plan was issued.").
			Annotations(entgql.OrderField("ISSUED_ON"), noFilter()),
	}
}

func (Campaign) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("province", Province.Type).Ref("campaigns").Unique().
			Comment("Province the issuer works in, if the plan is provincial.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.To("phases", Phase.Type).Comment("Phases of the campaign, in order."),
		edge.To("criteria", Criterion.Type).Comment("Criteria of the campaign and its emulation movement."),
		edge.To("acknowledgements", Acknowledgement.Type).Comment("Officials' acknowledgements of the campaign.").
			Annotations(noFilter(), connection()),
		edge.To("pledges", Pledge.Type).Comment("Pledges signed under the campaign.").Annotations(noFilter(), connection()),
		edge.To("emulation_registrations", EmulationRegistration.Type).
			Comment("Units' registrations for the emulation movement.").Annotations(noFilter(), connection()),
		edge.To("self_assessments", SelfAssessment.Type).Comment("Self-assessments under the campaign.").
			Annotations(noFilter(), connection()),
		edge.To("commendations", Commendation.Type).Comment("Commendations linked to the campaign.").
			Annotations(noFilter(), connection()),
		edge.To("inspections", Inspection.Type).Comment("Inspections carried out for the campaign.").
			Annotations(noFilter(), connection()),
	}
}

func (Campaign) Indexes() []ent.Index {
	return []ent.Index{index.Fields("issued_on"), index.Edges("province")}
}

func (Campaign) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("An issuer's plan for the campaign, with its phases and criteria."),
		entgql.QueryField().Description("Campaigns: each issuer's plan with its phases and criteria."), entgql.RelayConnection(),
	}
}

// Phase is a stage of a campaign with its target.
type Phase struct{ ent.Schema }

func (Phase) Mixin() []ent.Mixin { return base(pid.Phase) }

func (Phase) Fields() []ent.Field {
	return []ent.Field{
		field.Int("number").Positive().Comment("1 for the first phase, and so on."),
		field.String("title_vi").NotEmpty().MaxLen(500).Comment("Title in Vietnamese."),
		field.String("title_en").NotEmpty().MaxLen(500).Comment("Title in English."),
		field.Int("start_year").Comment("First year of the phase."),
		field.Int("end_year").Optional().Nillable().Comment("Last year of the phase; null for a phase that goes on."),
		field.Int("review_year").Optional().Nillable().Comment("Year of the phase's final review (tổng kết), if any."),
		field.Enum("target_metric").Values("AWARENESS_RATE", "NEGATIVITY_REDUCTION").
			Comment("The metric the phase's target is about."),
		field.Float("target_min").Comment("Lower end of the target band (1.0 = 100%)."),
		field.Float("target_max").Comment("Upper end of the target band."),
	}
}

func (Phase) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("campaign", Campaign.Type).Ref("phases").Unique().Required().Comment("The campaign."),
	}
}

func (Phase) Indexes() []ent.Index {
	return []ent.Index{index.Fields("number").Edges("campaign").Unique(), index.Edges("campaign")}
}

func (Phase) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A stage of a campaign with its target band."),
		entgql.Skip(entgql.SkipWhereInput),
	}
}

// Criterion is one content item of the campaign or its emulation movement: a prohibition (the five
// "no"s), an individual virtue, or collective content.
type Criterion struct{ ent.Schema }

func (Criterion) Mixin() []ent.Mixin { return base(pid.Criterion) }

func (Criterion) Fields() []ent.Field {
	return []ent.Field{
		field.String("code").NotEmpty().MaxLen(60).Comment("Stable code, e.g. NO_CORRUPTION."),
		field.Enum("kind").Values("INDIVIDUAL_PROHIBITION", "INDIVIDUAL_VIRTUE", "COLLECTIVE_CAMPAIGN", "COLLECTIVE_EMULATION").
			Comment("Whether the criterion is an individual prohibition, an individual virtue, or collective campaign or emulation content."),
		field.String("title_vi").NotEmpty().MaxLen(500).Comment("Title in Vietnamese."),
		field.String("title_en").NotEmpty().MaxLen(500).Comment("Title in English."),
		field.Int("position").Default(0).Comment("Display order within the campaign."),
	}
}

func (Criterion) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("campaign", Campaign.Type).Ref("criteria").Unique().Required().Comment("The campaign."),
		edge.To("items", SelfAssessmentItem.Type).Comment("Self-assessment items about this criterion.").
			Annotations(hidden()),
	}
}

func (Criterion) Indexes() []ent.Index {
	return []ent.Index{index.Fields("code").Edges("campaign").Unique(), index.Edges("campaign")}
}

func (Criterion) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A content item of the campaign or its emulation movement."),
		entgql.Skip(entgql.SkipWhereInput),
	}
}
