-- +goose Up
-- create "provinces" table
CREATE TABLE "provinces" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "code" character varying NOT NULL, "name" character varying NOT NULL, "kind" character varying NOT NULL, "valid_from" timestamptz NOT NULL, "valid_to" timestamptz NULL, "province_predecessors" character varying NULL, PRIMARY KEY ("id"), CONSTRAINT "provinces_provinces_predecessors" FOREIGN KEY ("province_predecessors") REFERENCES "provinces" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- create index "province_code_valid_from" to table: "provinces"
CREATE UNIQUE INDEX "province_code_valid_from" ON "provinces" ("code", "valid_from");
-- create index "province_name" to table: "provinces"
CREATE INDEX "province_name" ON "provinces" ("name");
-- create index "province_province_predecessors" to table: "provinces"
CREATE INDEX "province_province_predecessors" ON "provinces" ("province_predecessors");
-- create index "province_valid_from" to table: "provinces"
CREATE INDEX "province_valid_from" ON "provinces" ("valid_from");
-- create index "province_valid_to" to table: "provinces"
CREATE INDEX "province_valid_to" ON "provinces" ("valid_to");
-- create "idempotency_keys" table
CREATE TABLE "idempotency_keys" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "owner" character varying NOT NULL, "operation" character varying NOT NULL, "key" character varying NOT NULL, "request_hash" character varying NOT NULL, "claim" character varying NOT NULL, "result_id" character varying NULL, "result_sealed" bytea NULL, PRIMARY KEY ("id"));
-- create index "idempotencykey_created_at" to table: "idempotency_keys"
CREATE INDEX "idempotencykey_created_at" ON "idempotency_keys" ("created_at");
-- create index "idempotencykey_owner_operation_key" to table: "idempotency_keys"
CREATE UNIQUE INDEX "idempotencykey_owner_operation_key" ON "idempotency_keys" ("owner", "operation", "key");
-- create "districts" table
CREATE TABLE "districts" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "code" character varying NOT NULL, "name" character varying NOT NULL, "kind" character varying NOT NULL, "valid_from" timestamptz NOT NULL, "valid_to" timestamptz NULL, "province_districts" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "districts_provinces_districts" FOREIGN KEY ("province_districts") REFERENCES "provinces" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- create index "district_code_valid_from" to table: "districts"
CREATE UNIQUE INDEX "district_code_valid_from" ON "districts" ("code", "valid_from");
-- create index "district_name" to table: "districts"
CREATE INDEX "district_name" ON "districts" ("name");
-- create index "district_province_districts" to table: "districts"
CREATE INDEX "district_province_districts" ON "districts" ("province_districts");
-- create index "district_valid_to" to table: "districts"
CREATE INDEX "district_valid_to" ON "districts" ("valid_to");
-- create "units" table
CREATE TABLE "units" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "name" character varying NOT NULL, "level" character varying NOT NULL, "kind" character varying NOT NULL, "code" character varying NULL, "district_units" character varying NULL, "province_units" character varying NOT NULL, "unit_children" character varying NULL, PRIMARY KEY ("id"), CONSTRAINT "units_districts_units" FOREIGN KEY ("district_units") REFERENCES "districts" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "units_provinces_units" FOREIGN KEY ("province_units") REFERENCES "provinces" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "units_units_children" FOREIGN KEY ("unit_children") REFERENCES "units" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- create index "unit_code" to table: "units"
CREATE INDEX "unit_code" ON "units" ("code");
-- create index "unit_district_units" to table: "units"
CREATE INDEX "unit_district_units" ON "units" ("district_units");
-- create index "unit_kind" to table: "units"
CREATE INDEX "unit_kind" ON "units" ("kind");
-- create index "unit_level" to table: "units"
CREATE INDEX "unit_level" ON "units" ("level");
-- create index "unit_name" to table: "units"
CREATE INDEX "unit_name" ON "units" ("name");
-- create index "unit_province_units" to table: "units"
CREATE INDEX "unit_province_units" ON "units" ("province_units");
-- create index "unit_unit_children" to table: "units"
CREATE INDEX "unit_unit_children" ON "units" ("unit_children");
-- create "officials" table
CREATE TABLE "officials" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "full_name" character varying NOT NULL, "category" character varying NOT NULL, "position" character varying NOT NULL DEFAULT '', "employee_code" character varying NOT NULL, "active_from" timestamptz NOT NULL, "active_to" timestamptz NULL, "unit_officials" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "officials_units_officials" FOREIGN KEY ("unit_officials") REFERENCES "units" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- create index "official_active_to" to table: "officials"
CREATE INDEX "official_active_to" ON "officials" ("active_to");
-- create index "official_category" to table: "officials"
CREATE INDEX "official_category" ON "officials" ("category");
-- create index "official_full_name" to table: "officials"
CREATE INDEX "official_full_name" ON "officials" ("full_name");
-- create index "official_unit_officials" to table: "officials"
CREATE INDEX "official_unit_officials" ON "officials" ("unit_officials");
-- create index "officials_employee_code_key" to table: "officials"
CREATE UNIQUE INDEX "officials_employee_code_key" ON "officials" ("employee_code");
-- create "accounts" table
CREATE TABLE "accounts" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "login" character varying NOT NULL, "password_hash" character varying NOT NULL, "role" character varying NOT NULL, "scope_kind" character varying NOT NULL, "disabled" boolean NOT NULL DEFAULT false, "last_login_at" timestamptz NULL, "password_changed_at" timestamptz NULL, "token_version" bigint NOT NULL DEFAULT 0, "scope_district_id" character varying NULL, "official_id" character varying NULL, "scope_province_id" character varying NULL, "scope_unit_id" character varying NULL, PRIMARY KEY ("id"), CONSTRAINT "accounts_districts_scoped_accounts" FOREIGN KEY ("scope_district_id") REFERENCES "districts" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "accounts_officials_account" FOREIGN KEY ("official_id") REFERENCES "officials" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "accounts_provinces_scoped_accounts" FOREIGN KEY ("scope_province_id") REFERENCES "provinces" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "accounts_units_scoped_accounts" FOREIGN KEY ("scope_unit_id") REFERENCES "units" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- create index "account_disabled" to table: "accounts"
CREATE INDEX "account_disabled" ON "accounts" ("disabled");
-- create index "account_role" to table: "accounts"
CREATE INDEX "account_role" ON "accounts" ("role");
-- create index "account_scope_district_id" to table: "accounts"
CREATE INDEX "account_scope_district_id" ON "accounts" ("scope_district_id");
-- create index "account_scope_kind" to table: "accounts"
CREATE INDEX "account_scope_kind" ON "accounts" ("scope_kind");
-- create index "account_scope_province_id" to table: "accounts"
CREATE INDEX "account_scope_province_id" ON "accounts" ("scope_province_id");
-- create index "account_scope_unit_id" to table: "accounts"
CREATE INDEX "account_scope_unit_id" ON "accounts" ("scope_unit_id");
-- create index "accounts_login_key" to table: "accounts"
CREATE UNIQUE INDEX "accounts_login_key" ON "accounts" ("login");
-- create index "accounts_official_id_key" to table: "accounts"
CREATE UNIQUE INDEX "accounts_official_id_key" ON "accounts" ("official_id");
-- create "campaigns" table
CREATE TABLE "campaigns" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "code" character varying NOT NULL, "plan_number" character varying NOT NULL, "issuer" character varying NOT NULL, "title_vi" character varying NOT NULL, "title_en" character varying NOT NULL, "summary_vi" text NOT NULL DEFAULT '', "summary_en" text NOT NULL DEFAULT '', "issued_on" timestamptz NOT NULL, "province_campaigns" character varying NULL, PRIMARY KEY ("id"), CONSTRAINT "campaigns_provinces_campaigns" FOREIGN KEY ("province_campaigns") REFERENCES "provinces" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- create index "campaign_issued_on" to table: "campaigns"
CREATE INDEX "campaign_issued_on" ON "campaigns" ("issued_on");
-- create index "campaign_province_campaigns" to table: "campaigns"
CREATE INDEX "campaign_province_campaigns" ON "campaigns" ("province_campaigns");
-- create index "campaigns_code_key" to table: "campaigns"
CREATE UNIQUE INDEX "campaigns_code_key" ON "campaigns" ("code");
-- create "acknowledgements" table
CREATE TABLE "acknowledgements" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "acknowledged_at" timestamptz NOT NULL, "campaign_acknowledgements" character varying NOT NULL, "official_acknowledgements" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "acknowledgements_campaigns_acknowledgements" FOREIGN KEY ("campaign_acknowledgements") REFERENCES "campaigns" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "acknowledgements_officials_acknowledgements" FOREIGN KEY ("official_acknowledgements") REFERENCES "officials" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- create index "acknowledgement_acknowledged_at" to table: "acknowledgements"
CREATE INDEX "acknowledgement_acknowledged_at" ON "acknowledgements" ("acknowledged_at");
-- create index "acknowledgement_campaign_acknowledgements" to table: "acknowledgements"
CREATE INDEX "acknowledgement_campaign_acknowledgements" ON "acknowledgements" ("campaign_acknowledgements");
-- create index "acknowledgement_official_ackno_32df3fed8ef22c7f1ba36561e2a9cb93" to table: "acknowledgements"
CREATE UNIQUE INDEX "acknowledgement_official_ackno_32df3fed8ef22c7f1ba36561e2a9cb93" ON "acknowledgements" ("official_acknowledgements", "campaign_acknowledgements");
-- create "audit_events" table
CREATE TABLE "audit_events" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "action" character varying NOT NULL, "object_type" character varying NOT NULL, "object_id" character varying NOT NULL, "summary" character varying NOT NULL DEFAULT '', "reason" character varying NULL, "client_ip" character varying NOT NULL DEFAULT '', "occurred_at" timestamptz NOT NULL, "account_audit_events" character varying NULL, PRIMARY KEY ("id"), CONSTRAINT "audit_events_accounts_audit_events" FOREIGN KEY ("account_audit_events") REFERENCES "accounts" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- create index "auditevent_account_audit_events" to table: "audit_events"
CREATE INDEX "auditevent_account_audit_events" ON "audit_events" ("account_audit_events");
-- create index "auditevent_action" to table: "audit_events"
CREATE INDEX "auditevent_action" ON "audit_events" ("action");
-- create index "auditevent_object_id" to table: "audit_events"
CREATE INDEX "auditevent_object_id" ON "audit_events" ("object_id");
-- create index "auditevent_occurred_at" to table: "audit_events"
CREATE INDEX "auditevent_occurred_at" ON "audit_events" ("occurred_at");
-- create "cases" table
CREATE TABLE "cases" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "tracking_code" character varying NOT NULL, "secret_hash" character varying NOT NULL, "channel" character varying NOT NULL, "requested_channel" character varying NOT NULL, "category" character varying NULL, "description" text NOT NULL, "incident_date" timestamptz NULL, "place" character varying NULL, "anonymous" boolean NOT NULL, "reporter_identity" bytea NULL, "reporter_verified" boolean NOT NULL DEFAULT false, "state" character varying NOT NULL DEFAULT 'SUBMITTED', "conclusion" character varying NULL, "received_at" timestamptz NOT NULL, "acknowledge_due_at" timestamptz NULL, "due_at" timestamptz NULL, "complexity" character varying NULL, "extension_count" bigint NOT NULL DEFAULT 0, "accepted_at" timestamptz NULL, "concluded_at" timestamptz NULL, "closed_at" timestamptz NULL, "rating" bigint NULL, "account_handled_cases" character varying NULL, "citizen_case_duplicates" character varying NULL, "citizen_case_transferred_to" character varying NULL, "official_cases" character varying NULL, "unit_cases" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "cases_accounts_handled_cases" FOREIGN KEY ("account_handled_cases") REFERENCES "accounts" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "cases_cases_duplicates" FOREIGN KEY ("citizen_case_duplicates") REFERENCES "cases" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "cases_officials_cases" FOREIGN KEY ("official_cases") REFERENCES "officials" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "cases_units_cases" FOREIGN KEY ("unit_cases") REFERENCES "units" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "cases_units_transferred_to" FOREIGN KEY ("citizen_case_transferred_to") REFERENCES "units" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- create index "cases_tracking_code_key" to table: "cases"
CREATE UNIQUE INDEX "cases_tracking_code_key" ON "cases" ("tracking_code");
-- create index "citizencase_account_handled_cases" to table: "cases"
CREATE INDEX "citizencase_account_handled_cases" ON "cases" ("account_handled_cases");
-- create index "citizencase_anonymous" to table: "cases"
CREATE INDEX "citizencase_anonymous" ON "cases" ("anonymous");
-- create index "citizencase_category" to table: "cases"
CREATE INDEX "citizencase_category" ON "cases" ("category");
-- create index "citizencase_channel" to table: "cases"
CREATE INDEX "citizencase_channel" ON "cases" ("channel");
-- create index "citizencase_citizen_case_duplicates" to table: "cases"
CREATE INDEX "citizencase_citizen_case_duplicates" ON "cases" ("citizen_case_duplicates");
-- create index "citizencase_citizen_case_transferred_to" to table: "cases"
CREATE INDEX "citizencase_citizen_case_transferred_to" ON "cases" ("citizen_case_transferred_to");
-- create index "citizencase_conclusion" to table: "cases"
CREATE INDEX "citizencase_conclusion" ON "cases" ("conclusion");
-- create index "citizencase_due_at" to table: "cases"
CREATE INDEX "citizencase_due_at" ON "cases" ("due_at");
-- create index "citizencase_official_cases" to table: "cases"
CREATE INDEX "citizencase_official_cases" ON "cases" ("official_cases");
-- create index "citizencase_received_at" to table: "cases"
CREATE INDEX "citizencase_received_at" ON "cases" ("received_at");
-- create index "citizencase_state" to table: "cases"
CREATE INDEX "citizencase_state" ON "cases" ("state");
-- create index "citizencase_unit_cases" to table: "cases"
CREATE INDEX "citizencase_unit_cases" ON "cases" ("unit_cases");
-- create "case_events" table
CREATE TABLE "case_events" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "kind" character varying NOT NULL, "from_state" character varying NULL, "to_state" character varying NOT NULL, "actor_kind" character varying NOT NULL, "note" text NOT NULL DEFAULT '', "public" boolean NOT NULL DEFAULT true, "occurred_at" timestamptz NOT NULL, "account_case_events" character varying NULL, "citizen_case_events" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "case_events_accounts_case_events" FOREIGN KEY ("account_case_events") REFERENCES "accounts" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "case_events_cases_events" FOREIGN KEY ("citizen_case_events") REFERENCES "cases" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- create index "caseevent_account_case_events" to table: "case_events"
CREATE INDEX "caseevent_account_case_events" ON "case_events" ("account_case_events");
-- create index "caseevent_citizen_case_events" to table: "case_events"
CREATE INDEX "caseevent_citizen_case_events" ON "case_events" ("citizen_case_events");
-- create index "caseevent_kind" to table: "case_events"
CREATE INDEX "caseevent_kind" ON "case_events" ("kind");
-- create index "caseevent_occurred_at" to table: "case_events"
CREATE INDEX "caseevent_occurred_at" ON "case_events" ("occurred_at");
-- create "case_messages" table
CREATE TABLE "case_messages" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "direction" character varying NOT NULL, "body" text NOT NULL, "sent_at" timestamptz NOT NULL, "account_case_messages" character varying NULL, "citizen_case_messages" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "case_messages_accounts_case_messages" FOREIGN KEY ("account_case_messages") REFERENCES "accounts" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "case_messages_cases_messages" FOREIGN KEY ("citizen_case_messages") REFERENCES "cases" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- create index "casemessage_account_case_messages" to table: "case_messages"
CREATE INDEX "casemessage_account_case_messages" ON "case_messages" ("account_case_messages");
-- create index "casemessage_citizen_case_messages" to table: "case_messages"
CREATE INDEX "casemessage_citizen_case_messages" ON "case_messages" ("citizen_case_messages");
-- create index "casemessage_direction" to table: "case_messages"
CREATE INDEX "casemessage_direction" ON "case_messages" ("direction");
-- create index "casemessage_sent_at" to table: "case_messages"
CREATE INDEX "casemessage_sent_at" ON "case_messages" ("sent_at");
-- create "commendations" table
CREATE TABLE "commendations" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "form" character varying NOT NULL, "level" character varying NOT NULL, "year" bigint NOT NULL, "decision_number" character varying NULL, "decision_date" timestamptz NULL, "reason" text NOT NULL, "status" character varying NOT NULL DEFAULT 'PROPOSED', "status_reason" character varying NULL, "flagged" boolean NOT NULL DEFAULT false, "account_proposed_commendations" character varying NULL, "campaign_commendations" character varying NULL, "official_commendations" character varying NULL, "unit_commendations" character varying NULL, PRIMARY KEY ("id"), CONSTRAINT "commendations_accounts_proposed_commendations" FOREIGN KEY ("account_proposed_commendations") REFERENCES "accounts" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "commendations_campaigns_commendations" FOREIGN KEY ("campaign_commendations") REFERENCES "campaigns" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "commendations_officials_commendations" FOREIGN KEY ("official_commendations") REFERENCES "officials" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "commendations_units_commendations" FOREIGN KEY ("unit_commendations") REFERENCES "units" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- create index "commendation_account_proposed_commendations" to table: "commendations"
CREATE INDEX "commendation_account_proposed_commendations" ON "commendations" ("account_proposed_commendations");
-- create index "commendation_campaign_commendations" to table: "commendations"
CREATE INDEX "commendation_campaign_commendations" ON "commendations" ("campaign_commendations");
-- create index "commendation_decision_date" to table: "commendations"
CREATE INDEX "commendation_decision_date" ON "commendations" ("decision_date");
-- create index "commendation_flagged" to table: "commendations"
CREATE INDEX "commendation_flagged" ON "commendations" ("flagged");
-- create index "commendation_form" to table: "commendations"
CREATE INDEX "commendation_form" ON "commendations" ("form");
-- create index "commendation_level" to table: "commendations"
CREATE INDEX "commendation_level" ON "commendations" ("level");
-- create index "commendation_official_commendations" to table: "commendations"
CREATE INDEX "commendation_official_commendations" ON "commendations" ("official_commendations");
-- create index "commendation_status" to table: "commendations"
CREATE INDEX "commendation_status" ON "commendations" ("status");
-- create index "commendation_unit_commendations" to table: "commendations"
CREATE INDEX "commendation_unit_commendations" ON "commendations" ("unit_commendations");
-- create index "commendation_year_official_commendations" to table: "commendations"
CREATE INDEX "commendation_year_official_commendations" ON "commendations" ("year", "official_commendations");
-- create index "commendation_year_unit_commendations" to table: "commendations"
CREATE INDEX "commendation_year_unit_commendations" ON "commendations" ("year", "unit_commendations");
-- create "criterions" table
CREATE TABLE "criterions" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "code" character varying NOT NULL, "kind" character varying NOT NULL, "title_vi" character varying NOT NULL, "title_en" character varying NOT NULL, "position" bigint NOT NULL DEFAULT 0, "campaign_criteria" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "criterions_campaigns_criteria" FOREIGN KEY ("campaign_criteria") REFERENCES "campaigns" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- create index "criterion_campaign_criteria" to table: "criterions"
CREATE INDEX "criterion_campaign_criteria" ON "criterions" ("campaign_criteria");
-- create index "criterion_code_campaign_criteria" to table: "criterions"
CREATE UNIQUE INDEX "criterion_code_campaign_criteria" ON "criterions" ("code", "campaign_criteria");
-- create "emulation_registrations" table
CREATE TABLE "emulation_registrations" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "year" bigint NOT NULL, "goals" text NOT NULL, "registered_at" timestamptz NOT NULL, "campaign_emulation_registrations" character varying NOT NULL, "unit_emulation_registrations" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "emulation_registrations_campaigns_emulation_registrations" FOREIGN KEY ("campaign_emulation_registrations") REFERENCES "campaigns" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "emulation_registrations_units_emulation_registrations" FOREIGN KEY ("unit_emulation_registrations") REFERENCES "units" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- create index "emulationregistration_campaign_emulation_registrations" to table: "emulation_registrations"
CREATE INDEX "emulationregistration_campaign_emulation_registrations" ON "emulation_registrations" ("campaign_emulation_registrations");
-- create index "emulationregistration_unit_emulation_registrations" to table: "emulation_registrations"
CREATE INDEX "emulationregistration_unit_emulation_registrations" ON "emulation_registrations" ("unit_emulation_registrations");
-- create index "emulationregistration_year_uni_c15db3af2157f133c2fc9e12d46bf702" to table: "emulation_registrations"
CREATE UNIQUE INDEX "emulationregistration_year_uni_c15db3af2157f133c2fc9e12d46bf702" ON "emulation_registrations" ("year", "unit_emulation_registrations", "campaign_emulation_registrations");
-- create "evidences" table
CREATE TABLE "evidences" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "content_type" character varying NOT NULL, "size" bigint NOT NULL, "sha256" character varying NOT NULL, "storage_key" character varying NOT NULL, "uploaded_at" timestamptz NOT NULL, "citizen_case_evidence" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "evidences_cases_evidence" FOREIGN KEY ("citizen_case_evidence") REFERENCES "cases" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- create index "evidence_citizen_case_evidence" to table: "evidences"
CREATE INDEX "evidence_citizen_case_evidence" ON "evidences" ("citizen_case_evidence");
-- create "inspections" table
CREATE TABLE "inspections" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "inspected_on" timestamptz NOT NULL, "inspectors" jsonb NOT NULL, "findings" text NOT NULL, "account_recorded_inspections" character varying NULL, "campaign_inspections" character varying NULL, "unit_inspections" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "inspections_accounts_recorded_inspections" FOREIGN KEY ("account_recorded_inspections") REFERENCES "accounts" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "inspections_campaigns_inspections" FOREIGN KEY ("campaign_inspections") REFERENCES "campaigns" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "inspections_units_inspections" FOREIGN KEY ("unit_inspections") REFERENCES "units" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- create index "inspection_account_recorded_inspections" to table: "inspections"
CREATE INDEX "inspection_account_recorded_inspections" ON "inspections" ("account_recorded_inspections");
-- create index "inspection_campaign_inspections" to table: "inspections"
CREATE INDEX "inspection_campaign_inspections" ON "inspections" ("campaign_inspections");
-- create index "inspection_inspected_on" to table: "inspections"
CREATE INDEX "inspection_inspected_on" ON "inspections" ("inspected_on");
-- create index "inspection_inspected_on_unit_inspections" to table: "inspections"
CREATE INDEX "inspection_inspected_on_unit_inspections" ON "inspections" ("inspected_on", "unit_inspections");
-- create index "inspection_unit_inspections" to table: "inspections"
CREATE INDEX "inspection_unit_inspections" ON "inspections" ("unit_inspections");
-- create "incidents" table
CREATE TABLE "incidents" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "year" bigint NOT NULL, "category" character varying NOT NULL, "occurred_on" timestamptz NOT NULL, "source" character varying NOT NULL, "summary" text NOT NULL, "citizen_case_incidents" character varying NULL, "inspection_incidents" character varying NULL, "official_incidents" character varying NOT NULL, "unit_incidents" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "incidents_cases_incidents" FOREIGN KEY ("citizen_case_incidents") REFERENCES "cases" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "incidents_inspections_incidents" FOREIGN KEY ("inspection_incidents") REFERENCES "inspections" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "incidents_officials_incidents" FOREIGN KEY ("official_incidents") REFERENCES "officials" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "incidents_units_incidents" FOREIGN KEY ("unit_incidents") REFERENCES "units" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- create index "incident_category" to table: "incidents"
CREATE INDEX "incident_category" ON "incidents" ("category");
-- create index "incident_citizen_case_incidents" to table: "incidents"
CREATE INDEX "incident_citizen_case_incidents" ON "incidents" ("citizen_case_incidents");
-- create index "incident_inspection_incidents" to table: "incidents"
CREATE INDEX "incident_inspection_incidents" ON "incidents" ("inspection_incidents");
-- create index "incident_occurred_on" to table: "incidents"
CREATE INDEX "incident_occurred_on" ON "incidents" ("occurred_on");
-- create index "incident_official_incidents" to table: "incidents"
CREATE INDEX "incident_official_incidents" ON "incidents" ("official_incidents");
-- create index "incident_source" to table: "incidents"
CREATE INDEX "incident_source" ON "incidents" ("source");
-- create index "incident_unit_incidents" to table: "incidents"
CREATE INDEX "incident_unit_incidents" ON "incidents" ("unit_incidents");
-- create index "incident_year_official_incidents" to table: "incidents"
CREATE INDEX "incident_year_official_incidents" ON "incidents" ("year", "official_incidents");
-- create index "incident_year_unit_incidents" to table: "incidents"
CREATE INDEX "incident_year_unit_incidents" ON "incidents" ("year", "unit_incidents");
-- create "phases" table
CREATE TABLE "phases" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "number" bigint NOT NULL, "title_vi" character varying NOT NULL, "title_en" character varying NOT NULL, "start_year" bigint NOT NULL, "end_year" bigint NULL, "review_year" bigint NULL, "target_metric" character varying NOT NULL, "target_min" double precision NOT NULL, "target_max" double precision NOT NULL, "campaign_phases" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "phases_campaigns_phases" FOREIGN KEY ("campaign_phases") REFERENCES "campaigns" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- create index "phase_campaign_phases" to table: "phases"
CREATE INDEX "phase_campaign_phases" ON "phases" ("campaign_phases");
-- create index "phase_number_campaign_phases" to table: "phases"
CREATE UNIQUE INDEX "phase_number_campaign_phases" ON "phases" ("number", "campaign_phases");
-- create "pledges" table
CREATE TABLE "pledges" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "year" bigint NOT NULL, "status" character varying NOT NULL DEFAULT 'SIGNED', "signed_at" timestamptz NOT NULL, "withdrawn_at" timestamptz NULL, "withdrawal_reason" character varying NULL, "campaign_pledges" character varying NOT NULL, "official_pledges" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "pledges_campaigns_pledges" FOREIGN KEY ("campaign_pledges") REFERENCES "campaigns" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "pledges_officials_pledges" FOREIGN KEY ("official_pledges") REFERENCES "officials" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- create index "pledge_campaign_pledges" to table: "pledges"
CREATE INDEX "pledge_campaign_pledges" ON "pledges" ("campaign_pledges");
-- create index "pledge_official_pledges" to table: "pledges"
CREATE INDEX "pledge_official_pledges" ON "pledges" ("official_pledges");
-- create index "pledge_signed_at" to table: "pledges"
CREATE INDEX "pledge_signed_at" ON "pledges" ("signed_at");
-- create index "pledge_status" to table: "pledges"
CREATE INDEX "pledge_status" ON "pledges" ("status");
-- create index "pledge_year_official_pledges_campaign_pledges" to table: "pledges"
CREATE UNIQUE INDEX "pledge_year_official_pledges_campaign_pledges" ON "pledges" ("year", "official_pledges", "campaign_pledges") WHERE ((status)::text = 'SIGNED'::text);
-- create index "pledge_year_status" to table: "pledges"
CREATE INDEX "pledge_year_status" ON "pledges" ("year", "status");
-- create "refresh_tokens" table
CREATE TABLE "refresh_tokens" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "token_hash" character varying NOT NULL, "family" character varying NOT NULL, "expires_at" timestamptz NOT NULL, "used_at" timestamptz NULL, "revoked_at" timestamptz NULL, "account_refresh_tokens" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "refresh_tokens_accounts_refresh_tokens" FOREIGN KEY ("account_refresh_tokens") REFERENCES "accounts" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- create index "refresh_tokens_token_hash_key" to table: "refresh_tokens"
CREATE UNIQUE INDEX "refresh_tokens_token_hash_key" ON "refresh_tokens" ("token_hash");
-- create index "refreshtoken_account_refresh_tokens" to table: "refresh_tokens"
CREATE INDEX "refreshtoken_account_refresh_tokens" ON "refresh_tokens" ("account_refresh_tokens");
-- create index "refreshtoken_expires_at" to table: "refresh_tokens"
CREATE INDEX "refreshtoken_expires_at" ON "refresh_tokens" ("expires_at");
-- create index "refreshtoken_family" to table: "refresh_tokens"
CREATE INDEX "refreshtoken_family" ON "refresh_tokens" ("family");
-- create "self_assessments" table
CREATE TABLE "self_assessments" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "year" bigint NOT NULL, "period_kind" character varying NOT NULL DEFAULT 'YEAR', "period" bigint NOT NULL DEFAULT 0, "scheme" character varying NOT NULL, "score" bigint NULL, "proposed_classification" character varying NULL, "final_classification" character varying NULL, "status" character varying NOT NULL DEFAULT 'DRAFT', "summary" text NOT NULL DEFAULT '', "submitted_at" timestamptz NULL, "reviewed_at" timestamptz NULL, "review_comment" text NULL, "not_rated" boolean NOT NULL DEFAULT false, "account_reviewed_assessments" character varying NULL, "campaign_self_assessments" character varying NOT NULL, "official_self_assessments" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "self_assessments_accounts_reviewed_assessments" FOREIGN KEY ("account_reviewed_assessments") REFERENCES "accounts" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "self_assessments_campaigns_self_assessments" FOREIGN KEY ("campaign_self_assessments") REFERENCES "campaigns" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "self_assessments_officials_self_assessments" FOREIGN KEY ("official_self_assessments") REFERENCES "officials" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- create index "selfassessment_account_reviewed_assessments" to table: "self_assessments"
CREATE INDEX "selfassessment_account_reviewed_assessments" ON "self_assessments" ("account_reviewed_assessments");
-- create index "selfassessment_campaign_self_assessments" to table: "self_assessments"
CREATE INDEX "selfassessment_campaign_self_assessments" ON "self_assessments" ("campaign_self_assessments");
-- create index "selfassessment_final_classification" to table: "self_assessments"
CREATE INDEX "selfassessment_final_classification" ON "self_assessments" ("final_classification");
-- create index "selfassessment_official_self_assessments" to table: "self_assessments"
CREATE INDEX "selfassessment_official_self_assessments" ON "self_assessments" ("official_self_assessments");
-- create index "selfassessment_proposed_classification" to table: "self_assessments"
CREATE INDEX "selfassessment_proposed_classification" ON "self_assessments" ("proposed_classification");
-- create index "selfassessment_status" to table: "self_assessments"
CREATE INDEX "selfassessment_status" ON "self_assessments" ("status");
-- create index "selfassessment_submitted_at" to table: "self_assessments"
CREATE INDEX "selfassessment_submitted_at" ON "self_assessments" ("submitted_at");
-- create index "selfassessment_year_period_kin_04b504c2dd9fee0be5835dc4a6c766af" to table: "self_assessments"
CREATE UNIQUE INDEX "selfassessment_year_period_kin_04b504c2dd9fee0be5835dc4a6c766af" ON "self_assessments" ("year", "period_kind", "period", "official_self_assessments", "campaign_self_assessments");
-- create index "selfassessment_year_status" to table: "self_assessments"
CREATE INDEX "selfassessment_year_status" ON "self_assessments" ("year", "status");
-- create "self_assessment_items" table
CREATE TABLE "self_assessment_items" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "kept" boolean NULL, "rating" bigint NULL, "note" character varying NOT NULL DEFAULT '', "criterion_items" character varying NOT NULL, "self_assessment_items" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "self_assessment_items_criterions_items" FOREIGN KEY ("criterion_items") REFERENCES "criterions" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "self_assessment_items_self_assessments_items" FOREIGN KEY ("self_assessment_items") REFERENCES "self_assessments" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- create index "selfassessmentitem_criterion_items" to table: "self_assessment_items"
CREATE INDEX "selfassessmentitem_criterion_items" ON "self_assessment_items" ("criterion_items");
-- create index "selfassessmentitem_self_assessment_items_criterion_items" to table: "self_assessment_items"
CREATE UNIQUE INDEX "selfassessmentitem_self_assessment_items_criterion_items" ON "self_assessment_items" ("self_assessment_items", "criterion_items");
-- create "uploads" table
CREATE TABLE "uploads" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "token_hash" character varying NOT NULL, "content_type" character varying NOT NULL, "size" bigint NOT NULL, "sha256" character varying NOT NULL, "status" character varying NOT NULL DEFAULT 'PENDING', "storage_key" character varying NULL, "stored_size" bigint NULL, "owner" character varying NOT NULL, "expires_at" timestamptz NOT NULL, "citizen_case_uploads" character varying NULL, PRIMARY KEY ("id"), CONSTRAINT "uploads_cases_uploads" FOREIGN KEY ("citizen_case_uploads") REFERENCES "cases" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- create index "upload_citizen_case_uploads" to table: "uploads"
CREATE INDEX "upload_citizen_case_uploads" ON "uploads" ("citizen_case_uploads");
-- create index "upload_expires_at" to table: "uploads"
CREATE INDEX "upload_expires_at" ON "uploads" ("expires_at");
-- create index "uploads_token_hash_key" to table: "uploads"
CREATE UNIQUE INDEX "uploads_token_hash_key" ON "uploads" ("token_hash");

-- +goose Down
-- reverse: create index "uploads_token_hash_key" to table: "uploads"
DROP INDEX "uploads_token_hash_key";
-- reverse: create index "upload_expires_at" to table: "uploads"
DROP INDEX "upload_expires_at";
-- reverse: create index "upload_citizen_case_uploads" to table: "uploads"
DROP INDEX "upload_citizen_case_uploads";
-- reverse: create "uploads" table
DROP TABLE "uploads";
-- reverse: create index "selfassessmentitem_self_assessment_items_criterion_items" to table: "self_assessment_items"
DROP INDEX "selfassessmentitem_self_assessment_items_criterion_items";
-- reverse: create index "selfassessmentitem_criterion_items" to table: "self_assessment_items"
DROP INDEX "selfassessmentitem_criterion_items";
-- reverse: create "self_assessment_items" table
DROP TABLE "self_assessment_items";
-- reverse: create index "selfassessment_year_status" to table: "self_assessments"
DROP INDEX "selfassessment_year_status";
-- reverse: create index "selfassessment_year_period_kin_04b504c2dd9fee0be5835dc4a6c766af" to table: "self_assessments"
DROP INDEX "selfassessment_year_period_kin_04b504c2dd9fee0be5835dc4a6c766af";
-- reverse: create index "selfassessment_submitted_at" to table: "self_assessments"
DROP INDEX "selfassessment_submitted_at";
-- reverse: create index "selfassessment_status" to table: "self_assessments"
DROP INDEX "selfassessment_status";
-- reverse: create index "selfassessment_proposed_classification" to table: "self_assessments"
DROP INDEX "selfassessment_proposed_classification";
-- reverse: create index "selfassessment_official_self_assessments" to table: "self_assessments"
DROP INDEX "selfassessment_official_self_assessments";
-- reverse: create index "selfassessment_final_classification" to table: "self_assessments"
DROP INDEX "selfassessment_final_classification";
-- reverse: create index "selfassessment_campaign_self_assessments" to table: "self_assessments"
DROP INDEX "selfassessment_campaign_self_assessments";
-- reverse: create index "selfassessment_account_reviewed_assessments" to table: "self_assessments"
DROP INDEX "selfassessment_account_reviewed_assessments";
-- reverse: create "self_assessments" table
DROP TABLE "self_assessments";
-- reverse: create index "refreshtoken_family" to table: "refresh_tokens"
DROP INDEX "refreshtoken_family";
-- reverse: create index "refreshtoken_expires_at" to table: "refresh_tokens"
DROP INDEX "refreshtoken_expires_at";
-- reverse: create index "refreshtoken_account_refresh_tokens" to table: "refresh_tokens"
DROP INDEX "refreshtoken_account_refresh_tokens";
-- reverse: create index "refresh_tokens_token_hash_key" to table: "refresh_tokens"
DROP INDEX "refresh_tokens_token_hash_key";
-- reverse: create "refresh_tokens" table
DROP TABLE "refresh_tokens";
-- reverse: create index "pledge_year_status" to table: "pledges"
DROP INDEX "pledge_year_status";
-- reverse: create index "pledge_year_official_pledges_campaign_pledges" to table: "pledges"
DROP INDEX "pledge_year_official_pledges_campaign_pledges";
-- reverse: create index "pledge_status" to table: "pledges"
DROP INDEX "pledge_status";
-- reverse: create index "pledge_signed_at" to table: "pledges"
DROP INDEX "pledge_signed_at";
-- reverse: create index "pledge_official_pledges" to table: "pledges"
DROP INDEX "pledge_official_pledges";
-- reverse: create index "pledge_campaign_pledges" to table: "pledges"
DROP INDEX "pledge_campaign_pledges";
-- reverse: create "pledges" table
DROP TABLE "pledges";
-- reverse: create index "phase_number_campaign_phases" to table: "phases"
DROP INDEX "phase_number_campaign_phases";
-- reverse: create index "phase_campaign_phases" to table: "phases"
DROP INDEX "phase_campaign_phases";
-- reverse: create "phases" table
DROP TABLE "phases";
-- reverse: create index "incident_year_unit_incidents" to table: "incidents"
DROP INDEX "incident_year_unit_incidents";
-- reverse: create index "incident_year_official_incidents" to table: "incidents"
DROP INDEX "incident_year_official_incidents";
-- reverse: create index "incident_unit_incidents" to table: "incidents"
DROP INDEX "incident_unit_incidents";
-- reverse: create index "incident_source" to table: "incidents"
DROP INDEX "incident_source";
-- reverse: create index "incident_official_incidents" to table: "incidents"
DROP INDEX "incident_official_incidents";
-- reverse: create index "incident_occurred_on" to table: "incidents"
DROP INDEX "incident_occurred_on";
-- reverse: create index "incident_inspection_incidents" to table: "incidents"
DROP INDEX "incident_inspection_incidents";
-- reverse: create index "incident_citizen_case_incidents" to table: "incidents"
DROP INDEX "incident_citizen_case_incidents";
-- reverse: create index "incident_category" to table: "incidents"
DROP INDEX "incident_category";
-- reverse: create "incidents" table
DROP TABLE "incidents";
-- reverse: create index "inspection_unit_inspections" to table: "inspections"
DROP INDEX "inspection_unit_inspections";
-- reverse: create index "inspection_inspected_on_unit_inspections" to table: "inspections"
DROP INDEX "inspection_inspected_on_unit_inspections";
-- reverse: create index "inspection_inspected_on" to table: "inspections"
DROP INDEX "inspection_inspected_on";
-- reverse: create index "inspection_campaign_inspections" to table: "inspections"
DROP INDEX "inspection_campaign_inspections";
-- reverse: create index "inspection_account_recorded_inspections" to table: "inspections"
DROP INDEX "inspection_account_recorded_inspections";
-- reverse: create "inspections" table
DROP TABLE "inspections";
-- reverse: create index "evidence_citizen_case_evidence" to table: "evidences"
DROP INDEX "evidence_citizen_case_evidence";
-- reverse: create "evidences" table
DROP TABLE "evidences";
-- reverse: create index "emulationregistration_year_uni_c15db3af2157f133c2fc9e12d46bf702" to table: "emulation_registrations"
DROP INDEX "emulationregistration_year_uni_c15db3af2157f133c2fc9e12d46bf702";
-- reverse: create index "emulationregistration_unit_emulation_registrations" to table: "emulation_registrations"
DROP INDEX "emulationregistration_unit_emulation_registrations";
-- reverse: create index "emulationregistration_campaign_emulation_registrations" to table: "emulation_registrations"
DROP INDEX "emulationregistration_campaign_emulation_registrations";
-- reverse: create "emulation_registrations" table
DROP TABLE "emulation_registrations";
-- reverse: create index "criterion_code_campaign_criteria" to table: "criterions"
DROP INDEX "criterion_code_campaign_criteria";
-- reverse: create index "criterion_campaign_criteria" to table: "criterions"
DROP INDEX "criterion_campaign_criteria";
-- reverse: create "criterions" table
DROP TABLE "criterions";
-- reverse: create index "commendation_year_unit_commendations" to table: "commendations"
DROP INDEX "commendation_year_unit_commendations";
-- reverse: create index "commendation_year_official_commendations" to table: "commendations"
DROP INDEX "commendation_year_official_commendations";
-- reverse: create index "commendation_unit_commendations" to table: "commendations"
DROP INDEX "commendation_unit_commendations";
-- reverse: create index "commendation_status" to table: "commendations"
DROP INDEX "commendation_status";
-- reverse: create index "commendation_official_commendations" to table: "commendations"
DROP INDEX "commendation_official_commendations";
-- reverse: create index "commendation_level" to table: "commendations"
DROP INDEX "commendation_level";
-- reverse: create index "commendation_form" to table: "commendations"
DROP INDEX "commendation_form";
-- reverse: create index "commendation_flagged" to table: "commendations"
DROP INDEX "commendation_flagged";
-- reverse: create index "commendation_decision_date" to table: "commendations"
DROP INDEX "commendation_decision_date";
-- reverse: create index "commendation_campaign_commendations" to table: "commendations"
DROP INDEX "commendation_campaign_commendations";
-- reverse: create index "commendation_account_proposed_commendations" to table: "commendations"
DROP INDEX "commendation_account_proposed_commendations";
-- reverse: create "commendations" table
DROP TABLE "commendations";
-- reverse: create index "casemessage_sent_at" to table: "case_messages"
DROP INDEX "casemessage_sent_at";
-- reverse: create index "casemessage_direction" to table: "case_messages"
DROP INDEX "casemessage_direction";
-- reverse: create index "casemessage_citizen_case_messages" to table: "case_messages"
DROP INDEX "casemessage_citizen_case_messages";
-- reverse: create index "casemessage_account_case_messages" to table: "case_messages"
DROP INDEX "casemessage_account_case_messages";
-- reverse: create "case_messages" table
DROP TABLE "case_messages";
-- reverse: create index "caseevent_occurred_at" to table: "case_events"
DROP INDEX "caseevent_occurred_at";
-- reverse: create index "caseevent_kind" to table: "case_events"
DROP INDEX "caseevent_kind";
-- reverse: create index "caseevent_citizen_case_events" to table: "case_events"
DROP INDEX "caseevent_citizen_case_events";
-- reverse: create index "caseevent_account_case_events" to table: "case_events"
DROP INDEX "caseevent_account_case_events";
-- reverse: create "case_events" table
DROP TABLE "case_events";
-- reverse: create index "citizencase_unit_cases" to table: "cases"
DROP INDEX "citizencase_unit_cases";
-- reverse: create index "citizencase_state" to table: "cases"
DROP INDEX "citizencase_state";
-- reverse: create index "citizencase_received_at" to table: "cases"
DROP INDEX "citizencase_received_at";
-- reverse: create index "citizencase_official_cases" to table: "cases"
DROP INDEX "citizencase_official_cases";
-- reverse: create index "citizencase_due_at" to table: "cases"
DROP INDEX "citizencase_due_at";
-- reverse: create index "citizencase_conclusion" to table: "cases"
DROP INDEX "citizencase_conclusion";
-- reverse: create index "citizencase_citizen_case_transferred_to" to table: "cases"
DROP INDEX "citizencase_citizen_case_transferred_to";
-- reverse: create index "citizencase_citizen_case_duplicates" to table: "cases"
DROP INDEX "citizencase_citizen_case_duplicates";
-- reverse: create index "citizencase_channel" to table: "cases"
DROP INDEX "citizencase_channel";
-- reverse: create index "citizencase_category" to table: "cases"
DROP INDEX "citizencase_category";
-- reverse: create index "citizencase_anonymous" to table: "cases"
DROP INDEX "citizencase_anonymous";
-- reverse: create index "citizencase_account_handled_cases" to table: "cases"
DROP INDEX "citizencase_account_handled_cases";
-- reverse: create index "cases_tracking_code_key" to table: "cases"
DROP INDEX "cases_tracking_code_key";
-- reverse: create "cases" table
DROP TABLE "cases";
-- reverse: create index "auditevent_occurred_at" to table: "audit_events"
DROP INDEX "auditevent_occurred_at";
-- reverse: create index "auditevent_object_id" to table: "audit_events"
DROP INDEX "auditevent_object_id";
-- reverse: create index "auditevent_action" to table: "audit_events"
DROP INDEX "auditevent_action";
-- reverse: create index "auditevent_account_audit_events" to table: "audit_events"
DROP INDEX "auditevent_account_audit_events";
-- reverse: create "audit_events" table
DROP TABLE "audit_events";
-- reverse: create index "acknowledgement_official_ackno_32df3fed8ef22c7f1ba36561e2a9cb93" to table: "acknowledgements"
DROP INDEX "acknowledgement_official_ackno_32df3fed8ef22c7f1ba36561e2a9cb93";
-- reverse: create index "acknowledgement_campaign_acknowledgements" to table: "acknowledgements"
DROP INDEX "acknowledgement_campaign_acknowledgements";
-- reverse: create index "acknowledgement_acknowledged_at" to table: "acknowledgements"
DROP INDEX "acknowledgement_acknowledged_at";
-- reverse: create "acknowledgements" table
DROP TABLE "acknowledgements";
-- reverse: create index "campaigns_code_key" to table: "campaigns"
DROP INDEX "campaigns_code_key";
-- reverse: create index "campaign_province_campaigns" to table: "campaigns"
DROP INDEX "campaign_province_campaigns";
-- reverse: create index "campaign_issued_on" to table: "campaigns"
DROP INDEX "campaign_issued_on";
-- reverse: create "campaigns" table
DROP TABLE "campaigns";
-- reverse: create index "accounts_official_id_key" to table: "accounts"
DROP INDEX "accounts_official_id_key";
-- reverse: create index "accounts_login_key" to table: "accounts"
DROP INDEX "accounts_login_key";
-- reverse: create index "account_scope_unit_id" to table: "accounts"
DROP INDEX "account_scope_unit_id";
-- reverse: create index "account_scope_province_id" to table: "accounts"
DROP INDEX "account_scope_province_id";
-- reverse: create index "account_scope_kind" to table: "accounts"
DROP INDEX "account_scope_kind";
-- reverse: create index "account_scope_district_id" to table: "accounts"
DROP INDEX "account_scope_district_id";
-- reverse: create index "account_role" to table: "accounts"
DROP INDEX "account_role";
-- reverse: create index "account_disabled" to table: "accounts"
DROP INDEX "account_disabled";
-- reverse: create "accounts" table
DROP TABLE "accounts";
-- reverse: create index "officials_employee_code_key" to table: "officials"
DROP INDEX "officials_employee_code_key";
-- reverse: create index "official_unit_officials" to table: "officials"
DROP INDEX "official_unit_officials";
-- reverse: create index "official_full_name" to table: "officials"
DROP INDEX "official_full_name";
-- reverse: create index "official_category" to table: "officials"
DROP INDEX "official_category";
-- reverse: create index "official_active_to" to table: "officials"
DROP INDEX "official_active_to";
-- reverse: create "officials" table
DROP TABLE "officials";
-- reverse: create index "unit_unit_children" to table: "units"
DROP INDEX "unit_unit_children";
-- reverse: create index "unit_province_units" to table: "units"
DROP INDEX "unit_province_units";
-- reverse: create index "unit_name" to table: "units"
DROP INDEX "unit_name";
-- reverse: create index "unit_level" to table: "units"
DROP INDEX "unit_level";
-- reverse: create index "unit_kind" to table: "units"
DROP INDEX "unit_kind";
-- reverse: create index "unit_district_units" to table: "units"
DROP INDEX "unit_district_units";
-- reverse: create index "unit_code" to table: "units"
DROP INDEX "unit_code";
-- reverse: create "units" table
DROP TABLE "units";
-- reverse: create index "district_valid_to" to table: "districts"
DROP INDEX "district_valid_to";
-- reverse: create index "district_province_districts" to table: "districts"
DROP INDEX "district_province_districts";
-- reverse: create index "district_name" to table: "districts"
DROP INDEX "district_name";
-- reverse: create index "district_code_valid_from" to table: "districts"
DROP INDEX "district_code_valid_from";
-- reverse: create "districts" table
DROP TABLE "districts";
-- reverse: create index "idempotencykey_owner_operation_key" to table: "idempotency_keys"
DROP INDEX "idempotencykey_owner_operation_key";
-- reverse: create index "idempotencykey_created_at" to table: "idempotency_keys"
DROP INDEX "idempotencykey_created_at";
-- reverse: create "idempotency_keys" table
DROP TABLE "idempotency_keys";
-- reverse: create index "province_valid_to" to table: "provinces"
DROP INDEX "province_valid_to";
-- reverse: create index "province_valid_from" to table: "provinces"
DROP INDEX "province_valid_from";
-- reverse: create index "province_province_predecessors" to table: "provinces"
DROP INDEX "province_province_predecessors";
-- reverse: create index "province_name" to table: "provinces"
DROP INDEX "province_name";
-- reverse: create index "province_code_valid_from" to table: "provinces"
DROP INDEX "province_code_valid_from";
-- reverse: create "provinces" table
DROP TABLE "provinces";
