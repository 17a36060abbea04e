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

// Province is a province or centrally-run city, effective-dated: the merger of 1 July 2025 ends 63
// provinces (valid_to, successor) and starts 34, some reusing an old code, so a province is its code
// plus its validity.
type Province struct{ ent.Schema }

func (Province) Mixin() []ent.Mixin { return base(pid.Province) }

func (Province) Fields() []ent.Field {
	return []ent.Field{
		field.String("code").NotEmpty().MaxLen(8).
			Comment("Official administrative code (e.g. 83 for Bến Tre); reused across the 2025 merger, so unique only with validFrom.").
			Annotations(entgql.OrderField("CODE")),
		field.String("name").NotEmpty().MaxLen(200).
			Comment("Official Vietnamese name, e.g. Tỉnh Bến Tre.").
			Annotations(entgql.OrderField("NAME")),
		field.Enum("kind").Values("MUNICIPALITY", "PROVINCE").
			Comment("MUNICIPALITY for a centrally-run city (thành phố trực thuộc trung ương), PROVINCE otherwise (tỉnh).").
			Annotations(noFilter()),
		field.Time("valid_from").
			Comment("First day this province existed with these borders.").
			Annotations(entgql.OrderField("VALID_FROM")),
		field.Time("valid_to").Optional().Nillable().
			Comment("First day it no longer existed (null while current); 2025-07-01 for the provinces merged that day."),
	}
}

func (Province) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("predecessors", Province.Type).Comment("The provinces merged into this one.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.From("successor", Province.Type).Ref("predecessors").Unique().
			Comment("The province this one was merged into, if it ceased in a merger.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.To("districts", District.Type).Comment("Districts of the province (none after July 2025).").
			Annotations(connection()),
		edge.To("units", Unit.Type).Comment("Units of the province, at every level.").
			Annotations(connection()),
		edge.To("scoped_accounts", Account.Type).Comment("Accounts scoped to the province.").Annotations(hidden()),
		edge.To("campaigns", Campaign.Type).Comment("Campaigns issued in the province."),
	}
}

func (Province) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("code", "valid_from").Unique(),
		index.Fields("name"),
		index.Fields("valid_from"),
		index.Fields("valid_to"),
		index.Edges("successor"),
	}
}

func (Province) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A province or centrally-run city, effective-dated across the July 2025 merger."),
		entgql.QueryField().Description("Provinces and centrally-run cities, current and historical (filter on validTo to choose)."), entgql.RelayConnection(),
	}
}

// District is a district-level unit of a province; the district level was abolished on 1 July 2025,
// so every district carries validTo 2025-07-01 and stays for history.
type District struct{ ent.Schema }

func (District) Mixin() []ent.Mixin { return base(pid.District) }

func (District) Fields() []ent.Field {
	return []ent.Field{
		field.String("code").NotEmpty().MaxLen(8).
			Comment("Official administrative code (e.g. 829 for Thành phố Bến Tre).").
			Annotations(entgql.OrderField("CODE")),
		field.String("name").NotEmpty().MaxLen(200).
			Comment("Official Vietnamese name.").
			Annotations(entgql.OrderField("NAME")),
		field.String("kind").NotEmpty().MaxLen(60).
			Comment("Administrative type as officially named: Quận, Huyện, Thị xã, Thành phố.").
			Annotations(noFilter()),
		field.Time("valid_from").Comment("First day this district existed.").Annotations(noFilter()),
		field.Time("valid_to").Optional().Nillable().
			Comment("First day it no longer existed (2025-07-01: the district level was abolished)."),
	}
}

func (District) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("province", Province.Type).Ref("districts").Unique().Required().
			Comment("The province the district belongs to."),
		edge.To("units", Unit.Type).Comment("Units of the district.").Annotations(connection()),
		edge.To("scoped_accounts", Account.Type).Comment("Accounts scoped to the district.").Annotations(hidden()),
	}
}

func (District) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("code", "valid_from").Unique(),
		index.Fields("name"),
		index.Fields("valid_to"),
		index.Edges("province"),
	}
}

func (District) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A district of a province, kept for history after the district level was abolished in July 2025."),
		entgql.QueryField().Description("Districts (all ceased on 2025-07-01, kept for history)."), entgql.RelayConnection(),
	}
}

// Unit is an agency, department, public service unit, commune people's committee or grassroots
// trade union: the place officials work, in a tree.
type Unit struct{ ent.Schema }

func (Unit) Mixin() []ent.Mixin { return base(pid.Unit) }

func (Unit) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(300).
			Comment("Full Vietnamese name of the unit.").
			Annotations(entgql.OrderField("NAME")),
		field.Enum("level").Values("PROVINCE", "DISTRICT", "COMMUNE").
			Comment("Administrative level the unit works at.").
			Annotations(entgql.OrderField("LEVEL")),
		field.Enum("kind").Values("PEOPLES_COMMITTEE", "DEPARTMENT", "AGENCY", "PUBLIC_SERVICE", "TRADE_UNION").
			Comment("What the unit is: a people's committee, a department, another state agency, a public service unit (school, hospital) or a trade union."),
		field.String("code").Optional().MaxLen(20).
			Comment("Administrative code of the commune a commune-level unit serves, when it has one."),
		folded("name_folded", 300), // last: SQLite adds a last column in place
		parentKey("province_id", "province_units", "Id of the province the unit belongs to.", false),
		parentKey("district_id", "district_units", "Id of the district the unit belonged to, if any.", true),
		parentKey("parent_id", "unit_children", "Id of the unit this one reports to, if any.", true),
		field.Time("opened_on").Optional().Nillable().Annotations(noFilter()).
			Comment("First day the unit existed, when it was created through the API (null: it always has, for the figures)."),
		field.Time("closed_on").Optional().Nillable().
			Comment("First day the unit no longer existed (its officials and open cases went to its successor), if it was closed."),
	}
}

func (Unit) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("province", Province.Type).Ref("units").Unique().Required().Field("province_id").
			Comment("The province the unit belongs to."),
		edge.From("district", District.Type).Ref("units").Unique().Field("district_id").
			Comment("The district the unit belonged to, if any (none after July 2025)."),
		edge.To("children", Unit.Type).Comment("Units reporting to this one.").Annotations(connection()),
		edge.From("parent", Unit.Type).Ref("children").Unique().Field("parent_id").Comment("The unit this one reports to."),
		edge.To("officials", Official.Type).Comment("Officials working in the unit now.").
			Annotations(noFilter(), connection()),
		edge.To("emulation_registrations", EmulationRegistration.Type).
			Comment("The unit's yearly registrations for the emulation movement.").Annotations(noFilter(), connection()),
		edge.To("cases", CitizenCase.Type).Comment("Citizen cases about the unit or its officials.").
			Annotations(filteredEdge()...),
		edge.To("incidents", Incident.Type).Comment("Incidents of officials while in this unit.").
			Annotations(filteredEdge()...),
		edge.To("commendations", Commendation.Type).Comment("Commendations awarded to the unit as a collective.").
			Annotations(noFilter(), connection()),
		edge.To("inspections", Inspection.Type).Comment("Inspections of the unit.").
			Annotations(noFilter(), connection()),
		edge.To("scoped_accounts", Account.Type).Comment("Accounts scoped to the unit tree.").Annotations(hidden()),
		edge.To("absorbed", Unit.Type).Comment("The closed units whose officials and open cases this unit received.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.From("successor", Unit.Type).Ref("absorbed").Unique().
			Comment("The unit that received this one's officials and open cases when it closed.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.To("assignments", OfficialAssignment.Type).Comment("Assignments of officials to the unit, past and present.").
			Annotations(hidden()),
		edge.To("placements", UnitPlacement.Type).Comment("Where the unit sat before its dated moves (parent, district, province), oldest first.").
			Annotations(hidden()),
	}
}

func (Unit) Hooks() []ent.Hook { return []ent.Hook{foldHook("name", "name_folded")} }

func (Unit) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("name"),
		trigram("name_folded"),
		index.Fields("level"),
		index.Fields("kind"),
		index.Fields("code"),
		// A parent's page of units is a range of these (internal/edgepage).
		index.Fields("province_id", "id"),
		index.Fields("district_id", "id"),
		index.Fields("parent_id", "id"),
		index.Edges("successor"),
		index.Fields("closed_on"),
	}
}

func (Unit) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("An agency, department, public service unit, commune people's committee or trade union where officials work."),
		entgql.RelayConnection(), // Query.units is declared in graph/schema/search.graphqls (it takes search)
	}
}

// Official is one cán bộ, công chức, viên chức or contract employee.
type Official struct{ ent.Schema }

func (Official) Mixin() []ent.Mixin { return base(pid.Official) }

func (Official) Fields() []ent.Field {
	return []ent.Field{
		field.String("full_name").NotEmpty().MaxLen(200).
			Comment("Full name in Vietnamese.").
			Annotations(entgql.OrderField("FULL_NAME")),
		field.Enum("category").Values("CAN_BO", "CONG_CHUC", "VIEN_CHUC", "CONTRACT").
			Comment("CAN_BO elected or appointed official, CONG_CHUC civil servant, VIEN_CHUC public employee, CONTRACT contract staff."),
		field.String("position").MaxLen(200).Default("").
			Comment("Job title or position.").Annotations(noFilter()),
		field.String("employee_code").NotEmpty().MaxLen(40).Unique().
			Comment("Employee code, unique nationally.").
			Annotations(entgql.OrderField("EMPLOYEE_CODE")),
		field.Time("active_from").
			Comment("First day of service in the current unit's organisation.").
			Annotations(noFilter()),
		field.Time("active_to").Optional().Nillable().
			Comment("Last day of service, if the official has left."),
		folded("full_name_folded", 200), // last: SQLite adds a last column in place
		parentKey("unit_id", "unit_officials", "Id of the unit the official works in.", false),
		// Contact for activation codes and password resets (DESIGN.md §11): personal data, never in the API.
		field.String("contact_phone").Optional().MaxLen(20).Sensitive().Annotations(hidden()).
			Comment("Registered mobile phone (E.164), for activation and recovery codes."),
		field.String("contact_email").Optional().MaxLen(254).Sensitive().Annotations(hidden()).
			Comment("Registered e-mail address, for activation and recovery codes."),
		field.Enum("leave_reason").Values("RETIREMENT", "RESIGNATION", "DISMISSAL", "DEATH", "OTHER").Optional().Nillable().
			Annotations(noFilter()).
			Comment("Why the official left (with activeTo): RETIREMENT, RESIGNATION, DISMISSAL, DEATH or OTHER."),
	}
}

func (Official) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("unit", Unit.Type).Ref("officials").Unique().Required().Field("unit_id").
			Comment("The unit the official works in."),
		edge.To("account", Account.Type).Unique().
			Comment("The official's sign-in account, if any.").Annotations(hidden()),
		edge.To("acknowledgements", Acknowledgement.Type).
			Comment("The official's acknowledgements of campaigns.").Annotations(noFilter(), connection()),
		edge.To("pledges", Pledge.Type).Comment("The official's yearly pledges, withdrawn ones included.").
			Annotations(noFilter(), connection()),
		edge.To("self_assessments", SelfAssessment.Type).Comment("The official's self-assessments.").
			Annotations(filteredEdge()...),
		edge.To("incidents", Incident.Type).Comment("Substantiated negative practices of the official.").
			Annotations(filteredEdge()...),
		edge.To("commendations", Commendation.Type).Comment("Commendations of the official.").
			Annotations(noFilter(), connection()),
		edge.To("cases", CitizenCase.Type).Comment("Citizen cases about the official.").
			Annotations(filteredEdge()...),
		edge.To("assignments", OfficialAssignment.Type).
			Comment("The official's assignments to units, oldest first: where they worked from which day (history of transfers).").
			Annotations(noFilter(), connection()),
	}
}

func (Official) Hooks() []ent.Hook { return []ent.Hook{foldHook("full_name", "full_name_folded")} }

func (Official) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("full_name"),
		trigram("full_name_folded"),
		index.Fields("category"),
		index.Fields("active_to"),
		index.Fields("unit_id", "id"), // a unit's page of officials is a range (internal/edgepage)
	}
}

func (Official) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("An official, civil servant, public employee or contract employee of a unit."),
		entgql.RelayConnection(), // Query.officials is declared in graph/schema/search.graphqls (it takes search)
	}
}

// Account is a sign-in identity of an official, unit manager, supervisor, inspector or administrator.
// Citizens need none. Its GraphQL surface arrives with sign-in (issue 3).
type Account struct{ ent.Schema }

func (Account) Mixin() []ent.Mixin { return base(pid.Account) }

func (Account) Fields() []ent.Field {
	return []ent.Field{
		field.String("login").NotEmpty().MaxLen(200).Unique().
			Comment("Login name: a phone number or an e-mail address, stored in lower case.").
			Annotations(entgql.OrderField("LOGIN")),
		field.String("password_hash").Sensitive().Optional().
			Comment("argon2id hash of the password; empty until a provisioned account is activated (no password signs in).").Annotations(hidden()),
		field.Enum("role").Values("OFFICIAL", "UNIT_MANAGER", "SUPERVISOR", "INSPECTOR", "ADMIN").
			Comment("The one role of the account: OFFICIAL, UNIT_MANAGER, SUPERVISOR, INSPECTOR or ADMIN.").
			Annotations(entgql.OrderField("ROLE")),
		field.Enum("scope_kind").Values("UNIT", "DISTRICT", "PROVINCE", "NATION").
			Comment("What the account's scope is: a unit with its sub-units, a district, a province or the nation."),
		field.Bool("disabled").Default(false).Comment("A disabled account cannot sign in."),
		field.Time("last_login_at").Optional().Nillable().Comment("When the account last signed in.").
			Annotations(noFilter()),
		field.Time("password_changed_at").Optional().Nillable().Comment("When the password was last set.").
			Annotations(noFilter()),
		field.String("official_id").Optional().Nillable().Annotations(hidden()).
			Comment("Id of the linked official."),
		field.String("scope_unit_id").Optional().Nillable().Annotations(hidden()).Comment("Id of the scope unit."),
		field.String("scope_district_id").Optional().Nillable().Annotations(hidden()).Comment("Id of the scope district."),
		field.String("scope_province_id").Optional().Nillable().Annotations(hidden()).Comment("Id of the scope province."),
		field.Int("token_version").Default(0).NonNegative().
			Comment("Raised when the password, role or scope changes or the account is disabled: access tokens of an older version stop working at once.").
			Annotations(hidden()),
		field.Bool("must_change_password").Default(false).
			Comment("The password was set by someone else (an administrator): until it is changed, a sign-in gives a session that may only change it.").
			Annotations(noFilter()),
		field.String("identity_hash").Optional().Nillable().MaxLen(64).Unique().Sensitive().
			Comment("Keyed hash (HMAC-SHA256 under a key derived from REPORTER_KEY) of the verified OpenID Connect claim linked to the account; never the claim itself.").
			Annotations(hidden()),
	}
}

func (Account) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("official", Official.Type).Ref("account").Unique().Field("official_id").
			Comment("The official this account belongs to (officials and unit managers).").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.From("scope_unit", Unit.Type).Ref("scoped_accounts").Unique().Field("scope_unit_id").
			Comment("Scope unit, when the scope is a unit with its sub-units."),
		edge.From("scope_district", District.Type).Ref("scoped_accounts").Unique().Field("scope_district_id").
			Comment("Scope district."),
		edge.From("scope_province", Province.Type).Ref("scoped_accounts").Unique().Field("scope_province_id").
			Comment("Scope province."),
		edge.To("reviewed_assessments", SelfAssessment.Type).Comment("Self-assessments the account reviewed.").Annotations(hidden()),
		edge.To("handled_cases", CitizenCase.Type).Comment("Cases assigned to the account to handle.").Annotations(hidden()),
		edge.To("case_events", CaseEvent.Type).Comment("Case events the account caused.").Annotations(hidden()),
		edge.To("case_messages", CaseMessage.Type).Comment("Case messages the account wrote.").Annotations(hidden()),
		edge.To("proposed_commendations", Commendation.Type).Comment("Commendations the account proposed.").Annotations(hidden()),
		edge.To("recorded_inspections", Inspection.Type).Comment("Inspections the account recorded.").Annotations(hidden()),
		edge.To("closed_reviews", Review.Type).Comment("Annual reviews the account closed.").Annotations(hidden()),
		edge.To("audit_events", AuditEvent.Type).Comment("Audit entries of the account's actions.").Annotations(hidden()),
		edge.To("refresh_tokens", RefreshToken.Type).Comment("The account's refresh tokens.").Annotations(hidden()),
		edge.To("activation_codes", ActivationCode.Type).Comment("The account's one-time activation and reset codes.").Annotations(hidden()),
	}
}

func (Account) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("role"),
		index.Fields("disabled"),
		index.Fields("scope_kind"),
		index.Edges("scope_unit"),
		index.Edges("scope_district"),
		index.Edges("scope_province"),
	}
}

func (Account) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A sign-in identity with one role and one scope (officials, unit managers, supervisors, inspectors, administrators; citizens need none)."),
		entgql.QueryField().Description("Accounts: an administrator sees all, anyone else only their own."),
		entgql.RelayConnection(),
	}
}

// RefreshToken is one opaque refresh token (stored as its SHA-256). Tokens of one sign-in form a
// family: each refresh spends a token and issues the next; presenting a spent token again revokes
// the whole family (it was stolen, or replayed).
type RefreshToken struct{ ent.Schema }

func (RefreshToken) Mixin() []ent.Mixin { return base(pid.RefreshToken) }

func (RefreshToken) Fields() []ent.Field {
	return []ent.Field{
		field.String("token_hash").NotEmpty().MaxLen(64).Unique().Immutable().Sensitive().
			Comment("SHA-256 of the token, hex."),
		field.String("family").NotEmpty().MaxLen(40).Immutable().Comment("Id shared by the tokens of one sign-in."),
		field.Time("expires_at").Immutable().Comment("When the token stops working if unused."),
		field.Time("used_at").Optional().Nillable().Comment("When the token was spent on a refresh."),
		field.Time("revoked_at").Optional().Nillable().Comment("When the token's family was revoked."),
	}
}

func (RefreshToken) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).Ref("refresh_tokens").Unique().Required().Immutable().
			Comment("The account signed in.").
			Annotations(noFilter()),
	}
}

func (RefreshToken) Indexes() []ent.Index {
	return []ent.Index{index.Fields("family"), index.Edges("account"), index.Fields("expires_at")}
}

func (RefreshToken) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("A refresh token of a sign-in."), hidden()}
}

// IdempotencyKey remembers a creating or submitting mutation by the key its client generated, so
// that a retry returns the first result and writes nothing. A key belongs to one account (or, for
// anonymous citizens, one client) and one operation.
type IdempotencyKey struct{ ent.Schema }

func (IdempotencyKey) Mixin() []ent.Mixin { return base(pid.IdempotencyKey) }

func (IdempotencyKey) Fields() []ent.Field {
	return []ent.Field{
		field.String("owner").NotEmpty().MaxLen(80).Immutable().
			Comment("Who the key belongs to: an account id, or a client for anonymous calls."),
		field.String("operation").NotEmpty().MaxLen(60).Immutable().Comment("The mutation, e.g. pledgeSign."),
		field.String("key").NotEmpty().MaxLen(100).Immutable().Comment("The client's key."),
		field.String("request_hash").NotEmpty().MaxLen(64).Immutable().
			Comment("SHA-256 of the request's input: the same key with another input is a conflict."),
		field.String("claim").NotEmpty().MaxLen(40).Immutable().
			Comment("Random token of the request that claimed the key (tells the claimant from a retry)."),
		field.String("result_id").Optional().MaxLen(40).Comment("Id of the object the first request produced."),
		field.Bytes("result_sealed").Optional().Nillable().Sensitive().
			Comment("A secret of the first result (a citizen's case secret), sealed, so a retry can show it again."),
		field.Text("result_receipt").Optional().Nillable().
			Comment("The signed receipt the first request answered (a compact JWS), so a retry answers the same bytes."),
	}
}

func (IdempotencyKey) Indexes() []ent.Index {
	return []ent.Index{index.Fields("owner", "operation", "key").Unique(), index.Fields("created_at")}
}

func (IdempotencyKey) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("A client-generated key of a mutation, for safe retries."), hidden()}
}

// PartnerKey is an api_key an administrator issued to a partner app, with which the app submits
// feedback through Open311 GeoReport v2 (POST requests). Only its hash is kept.
type PartnerKey struct{ ent.Schema }

func (PartnerKey) Mixin() []ent.Mixin { return base(pid.PartnerKey) }

func (PartnerKey) Fields() []ent.Field {
	return []ent.Field{
		field.String("partner").NotEmpty().MaxLen(100).Immutable().Comment("The partner app's name."),
		field.String("key_hash").NotEmpty().MaxLen(64).Unique().Immutable().Sensitive().
			Comment("SHA-256 of the api_key, hex."),
		field.String("issued_by").NotEmpty().MaxLen(40).Immutable().Comment("Id of the administrator's account that issued it."),
		field.Time("revoked_at").Optional().Nillable().Comment("When an administrator revoked it."),
	}
}

func (PartnerKey) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("An Open311 api_key of a partner app."), hidden()}
}
