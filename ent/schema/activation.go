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

// ActivationCode is a one-time code that sets an account's password (DESIGN.md §11): issued when
// the account is provisioned, again by a manager in scope, or for a self-service reset. Only its
// keyed hash is kept; it works once, before it expires, and a newer code of the account ends it.
type ActivationCode struct{ ent.Schema }

func (ActivationCode) Mixin() []ent.Mixin { return base(pid.ActivationCode) }

func (ActivationCode) Fields() []ent.Field {
	return []ent.Field{
		field.String("code_hash").NotEmpty().MaxLen(64).Unique().Immutable().Sensitive().
			Comment("HMAC-SHA256 of the code under a server key, hex."),
		field.Enum("purpose").Values("ACTIVATION", "RESET").Immutable().
			Comment("ACTIVATION (provisioning, or a manager's new code) or RESET (self-service)."),
		field.Time("expires_at").Immutable().Comment("When the code stops working if unused."),
		field.Time("used_at").Optional().Nillable().Comment("When the code was spent, or ended by a newer one."),
		field.String("account_id").Immutable().Comment("Id of the account the code sets the password of."),
		field.String("issued_by").Optional().MaxLen(40).Immutable().
			Comment("Id of the account that issued it (empty for provisioning by the system or a self-service reset)."),
	}
}

func (ActivationCode) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).Ref("activation_codes").Unique().Required().Immutable().
			Field("account_id").Comment("The account."),
	}
}

func (ActivationCode) Indexes() []ent.Index {
	return []ent.Index{index.Fields("account_id", "used_at"), index.Fields("expires_at")}
}

func (ActivationCode) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("A one-time activation or password reset code (its hash)."), hidden()}
}

// ActivationSheet is the printable list of a unit's new activation codes, kept sealed
// (AES-256-GCM under REPORTER_KEY) until the unit's manager or a supervisor in scope downloads it
// once; the codes are then erased.
type ActivationSheet struct{ ent.Schema }

func (ActivationSheet) Mixin() []ent.Mixin { return base(pid.ActivationSheet) }

func (ActivationSheet) Fields() []ent.Field {
	return []ent.Field{
		field.String("unit_id").NotEmpty().MaxLen(40).Immutable().
			Comment("Id of the unit whose officials' codes the sheet holds."),
		field.Int("accounts").NonNegative().Immutable().Comment("How many codes the sheet holds.").
			Annotations(noFilter()),
		field.Bytes("sealed").Optional().Nillable().Sensitive().
			Comment("The codes, sealed; erased once downloaded.").Annotations(hidden()),
		field.Time("expires_at").Immutable().Comment("When the codes it holds expire.").Annotations(noFilter()),
		field.Time("downloaded_at").Optional().Nillable().Comment("When it was downloaded (it can be only once)."),
		field.String("downloaded_by").Optional().MaxLen(40).Comment("Id of the account that downloaded it.").
			Annotations(hidden()),
		field.String("issued_by").Optional().MaxLen(40).Immutable().Comment("Id of the account that provisioned.").
			Annotations(hidden()),
		field.String("provisioning_id").Optional().Nillable().MaxLen(40).Immutable().Annotations(hidden()).
			Comment("Id of the provisioning run that made it (null for sheets made before runs were recorded)."),
	}
}

func (ActivationSheet) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("provisioning", AccountProvisioning.Type).Ref("sheets").Unique().Immutable().Field("provisioning_id").
			Comment("The provisioning run that made it."),
	}
}

func (ActivationSheet) Indexes() []ent.Index {
	return []ent.Index{index.Fields("unit_id", "id"), index.Fields("provisioning_id")}
}

func (ActivationSheet) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A unit's printable activation codes, sealed until downloaded once."),
		entgql.QueryField().Description("Activation sheets of the units in the viewer's scope (unit managers, supervisors, administrators)."),
		entgql.RelayConnection(),
	}
}

// AccountProvisioning is one run of accountsProvision for a scope (DESIGN.md §11): queued by the
// mutation with its job, then worked in batches of whole units, each batch committing its
// accounts, codes, sheets and the run's progress together, so that an interrupted run resumes
// where it stopped and never issues an account twice.
type AccountProvisioning struct{ ent.Schema }

func (AccountProvisioning) Mixin() []ent.Mixin { return base(pid.AccountProvisioning) }

func (AccountProvisioning) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("scope_kind").Values("UNIT", "DISTRICT", "PROVINCE").Immutable().
			Comment("What the provisioned scope is: a unit with its sub-units, a district or a province."),
		field.String("scope_id").NotEmpty().MaxLen(40).Immutable().Comment("Id of the unit, district or province provisioned."),
		field.String("province_id").NotEmpty().MaxLen(40).Immutable().Annotations(hidden()).
			Comment("Province of the scope (who may read the run, and which runs may overlap it)."),
		field.String("district_id").Optional().MaxLen(40).Immutable().Annotations(hidden()).
			Comment("District of the scope: the district itself, or a unit's district (empty otherwise)."),
		field.String("unit_id").Optional().MaxLen(40).Immutable().Annotations(hidden()).
			Comment("The unit, for a unit's scope (empty otherwise)."),
		field.Bool("send").Immutable().Annotations(noFilter()).
			Comment("Whether codes also go to the officials' registered phone or e-mail (SHEET_AND_SEND)."),
		field.Enum("status").Values("QUEUED", "RUNNING", "DONE", "FAILED").Default("QUEUED").
			Comment("QUEUED (waiting for its job, or for another attempt), RUNNING, DONE, or FAILED (could not finish: the accounts made so far are kept; a new run adds the others)."),
		field.String("requested_by").Optional().MaxLen(40).Immutable().Annotations(hidden()).
			Comment("Account that asked for the run (empty from the command line)."),
		field.Int("officials").Default(0).Annotations(noFilter()).
			Comment("Officials in service in the scope without an account when the run (or its last attempt) started, plus those it already handled."),
		field.Int("units").Default(0).Annotations(noFilter()).Comment("Units with officials to provision."),
		field.Int("units_done").Default(0).Annotations(noFilter()).Comment("Units done so far: the progress of a running run."),
		field.Int("created").Default(0).Annotations(noFilter()).Comment("Accounts created so far."),
		field.Int("skipped").Default(0).Annotations(noFilter()).Comment("Officials left without an account (their login is taken)."),
		field.Int("sent").Default(0).Annotations(noFilter()).Comment("Codes queued to registered phones or e-mails."),
		field.Int("sheet_count").Default(0).Annotations(noFilter()).Comment("Activation sheets made (one per unit and batch)."),
		field.String("cursor").Optional().MaxLen(40).Annotations(hidden()).
			Comment("The last unit done (units are worked in the order of their ids): where an interrupted run resumes."),
		field.Bytes("skipped_list").Optional().Annotations(hidden()).
			Comment("The first officials left without an account, as JSON (employee code, reason)."),
		field.String("failure").Optional().MaxLen(500).Annotations(noFilter()).
			Comment("Why the last attempt did not finish (QUEUED: it will go on), or why the run failed."),
		field.Time("started_at").Optional().Nillable().Annotations(noFilter()).Comment("When it started running."),
		field.Time("finished_at").Optional().Nillable().Annotations(noFilter()).Comment("When it finished."),
	}
}

func (AccountProvisioning) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("sheets", ActivationSheet.Type).Annotations(connection()).
			Comment("The activation sheets the run made, one per unit (and batch) with new accounts."),
	}
}

func (AccountProvisioning) Indexes() []ent.Index {
	return []ent.Index{index.Fields("province_id", "status"), index.Fields("status")}
}

func (AccountProvisioning) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A run of accountsProvision for a scope, with its progress and outcome."),
		entgql.QueryField().Description("Provisioning runs of the scopes the viewer may provision (supervisors and administrators)."),
		entgql.RelayConnection(), entgql.Skip(entgql.SkipWhereInput),
	}
}
