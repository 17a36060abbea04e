package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/internal/pid"
)

// Incident is a substantiated negative practice by an official, from a case's conclusion or an
// inspection's findings; incidents drive the negativity rate.
type Incident struct{ ent.Schema }

func (Incident) Mixin() []ent.Mixin { return base(pid.Incident) }

func (Incident) Fields() []ent.Field {
	return []ent.Field{
		field.Int("year").Immutable().Range(2000, 2100).Comment("Year of the conduct (the year it counts in).").
			Annotations(entgql.OrderField("YEAR")),
		field.Enum("category").GoType(enum.Category("")).Immutable().Comment("Which prohibition was breached.").
			Annotations(entgql.Type("Category")),
		field.Time("occurred_on").Immutable().Comment("When the conduct happened.").
			Annotations(entgql.OrderField("OCCURRED_ON"), noFilter()),
		field.Enum("source").Values("CASE", "INSPECTION").Immutable().
			Comment("Whether a case's conclusion or an inspection established it."),
		field.Text("summary").Immutable().Comment("What was established.").Annotations(noFilter()),
		officialID("official_incidents", "Id of the official concerned.", false),
	}
}

func (Incident) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("official", Official.Type).Ref("incidents").Unique().Required().Immutable().Field("official_id").
			Comment("The official concerned.").
			Annotations(noFilter()),
		edge.From("unit", Unit.Type).Ref("incidents").Unique().Required().Immutable().
			Comment("The official's unit at the time."),
		edge.From("case", CitizenCase.Type).Ref("incidents").Unique().Immutable().
			Comment("The case whose conclusion established it.").
			Annotations(noFilter()),
		edge.From("inspection", Inspection.Type).Ref("incidents").Unique().Immutable().
			Comment("The inspection that found it.").
			Annotations(noFilter()),
	}
}

func (Incident) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("year").Edges("official"),
		index.Edges("official"),
		index.Fields("year").Edges("unit"),
		index.Edges("unit"),
		index.Fields("occurred_on"),
		index.Edges("case"),
		index.Edges("inspection"),
		index.Fields("category"),
		index.Fields("source"),
	}
}

func (Incident) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A substantiated negative practice by an official."),
		entgql.QueryField().Description("Substantiated negative practices by officials."), entgql.RelayConnection(),
	}
}

// Commendation is an award or public praise for an official or a unit.
type Commendation struct{ ent.Schema }

func (Commendation) Mixin() []ent.Mixin { return base(pid.Commendation) }

func (Commendation) Fields() []ent.Field {
	return append([]ent.Field{
		field.Enum("form").Values("GIAY_KHEN", "BANG_KHEN", "LAO_DONG_TIEN_TIEN", "CHIEN_SI_THI_DUA_CO_SO",
			"TAP_THE_LAO_DONG_TIEN_TIEN", "PUBLIC_PRAISE").
			Comment("GIAY_KHEN certificate of merit, BANG_KHEN, the titles LAO_DONG_TIEN_TIEN, CHIEN_SI_THI_DUA_CO_SO, TAP_THE_LAO_DONG_TIEN_TIEN, or PUBLIC_PRAISE."),
		field.Enum("level").Values("CENTRAL", "PROVINCE", "DISTRICT", "UNIT").
			Comment("Level of the issuing authority."),
		field.Int("year").Range(2000, 2100).Comment("Year the commendation is for.").
			Annotations(entgql.OrderField("YEAR")),
		field.String("decision_number").Optional().Nillable().MaxLen(60).
			Comment("Number of the decision, once approved.").Annotations(noFilter()),
		field.Time("decision_date").Optional().Nillable().Comment("Date of the decision.").
			Annotations(entgql.OrderField("DECISION_DATE")),
		field.Text("reason").Comment("Why it is proposed or awarded.").Annotations(noFilter()),
		field.Enum("status").Values("PROPOSED", "APPROVED", "DECLINED", "REVOKED").Default("PROPOSED").
			Comment("PROPOSED -> APPROVED or DECLINED; an approved award can be REVOKED."),
		field.String("status_reason").Optional().Nillable().MaxLen(2000).
			Comment("Why it was declined or revoked.").Annotations(noFilter()),
		field.Bool("flagged").Default(false).
			Comment("Set when an incident in the award's year was later established: the award is to be reviewed for revocation."),
	}, recordScopeFields()...)
}

func (Commendation) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("official", Official.Type).Ref("commendations").Unique().
			Comment("The official commended, if an individual.").
			Annotations(noFilter()),
		edge.From("unit", Unit.Type).Ref("commendations").Unique().
			Comment("The unit commended, if a collective."),
		edge.From("campaign", Campaign.Type).Ref("commendations").Unique().
			Comment("The campaign the commendation is linked to."),
		edge.From("proposed_by", Account.Type).Ref("proposed_commendations").Unique().
			Comment("Who proposed it.").Annotations(hidden()),
	}
}

func (Commendation) Indexes() []ent.Index {
	return append([]ent.Index{
		index.Fields("year").Edges("official"),
		index.Edges("official"),
		index.Fields("year").Edges("unit"),
		index.Edges("unit"),
		index.Edges("campaign"),
		index.Edges("proposed_by"),
		index.Fields("form"),
		index.Fields("level"),
		index.Fields("status"),
		index.Fields("flagged"),
		index.Fields("decision_date"),
	}, recordScopeIndexes()...)
}

func (Commendation) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("An award or public praise for an official or a unit."),
		entgql.QueryField().Description("Commendations of officials and units."), entgql.RelayConnection(),
	}
}

// Inspection is a supervisor's inspection of a unit.
type Inspection struct{ ent.Schema }

func (Inspection) Mixin() []ent.Mixin { return base(pid.Inspection) }

func (Inspection) Fields() []ent.Field {
	return []ent.Field{
		field.Time("inspected_on").Comment("Date of the inspection.").
			Annotations(entgql.OrderField("INSPECTED_ON")),
		field.Strings("inspectors").Comment("Names of the inspectors.").Annotations(noFilter()),
		field.Text("findings").Comment("What the inspection found.").Annotations(noFilter()),
	}
}

func (Inspection) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("unit", Unit.Type).Ref("inspections").Unique().Required().Comment("The unit inspected."),
		edge.From("campaign", Campaign.Type).Ref("inspections").Unique().Comment("The campaign inspected for.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.To("incidents", Incident.Type).Comment("Incidents the inspection found.").
			Annotations(noFilter()),
		edge.From("recorded_by", Account.Type).Ref("recorded_inspections").Unique().
			Comment("Who recorded it.").Annotations(hidden()),
	}
}

func (Inspection) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("inspected_on").Edges("unit"),
		index.Edges("unit"),
		index.Edges("campaign"),
		index.Edges("recorded_by"),
		index.Fields("inspected_on"),
	}
}

func (Inspection) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A supervisor's inspection of a unit, with findings and the incidents found."),
		entgql.QueryField().Description("Inspections of units."), entgql.RelayConnection(),
	}
}

// AuditEvent records a state-changing action or a read of protected data: who, what, when, why.
type AuditEvent struct{ ent.Schema }

func (AuditEvent) Mixin() []ent.Mixin { return base(pid.AuditEvent) }

func (AuditEvent) Fields() []ent.Field {
	return []ent.Field{
		field.String("action").NotEmpty().MaxLen(100).Immutable().Comment("What was done, e.g. login, accountCreate or caseReporterRead."),
		field.String("object_type").MaxLen(60).Immutable().Comment("Type of the object acted on.").Annotations(noFilter()),
		field.String("object_id").MaxLen(40).Immutable().Comment("Id of the object acted on."),
		field.String("summary").Default("").MaxLen(2000).Immutable().Comment("Short description, without personal data.").
			Annotations(noFilter()),
		field.String("reason").Optional().Nillable().MaxLen(2000).Immutable().Comment("Reason given, where one is required.").
			Annotations(noFilter()),
		field.String("client_ip").Default("").MaxLen(64).Immutable().Comment("Address the request came from.").
			Annotations(noFilter()),
		field.Time("occurred_at").Immutable().Comment("When it happened.").
			Annotations(entgql.OrderField("OCCURRED_AT")),
	}
}

func (AuditEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("actor", Account.Type).Ref("audit_events").Unique().Immutable().
			Comment("Who acted; null for the system.").
			Annotations(noFilter()),
	}
}

func (AuditEvent) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("occurred_at"),
		index.Fields("object_id"),
		index.Fields("action"),
		index.Edges("actor"),
	}
}

func (AuditEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("An entry of the audit log: who did what to which object, when and why."),
		entgql.QueryField().Description("The audit log, newest first by default; administrators only."),
		entgql.RelayConnection(),
	}
}
