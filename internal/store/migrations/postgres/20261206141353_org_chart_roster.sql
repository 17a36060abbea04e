-- +goose Up
-- modify "officials" table
ALTER TABLE "officials" ADD COLUMN "leave_reason" character varying NULL;
-- modify "uploads" table
ALTER TABLE "uploads" ADD COLUMN "purpose" character varying NOT NULL DEFAULT 'EVIDENCE';
-- create "roster_imports" table
CREATE TABLE "roster_imports" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "scope_kind" character varying NOT NULL, "scope_id" character varying NOT NULL, "mode" character varying NOT NULL, "dry_run" boolean NOT NULL, "status" character varying NOT NULL DEFAULT 'PENDING', "format" character varying NOT NULL, "effective_on" timestamptz NOT NULL, "upload_id" character varying NULL, "storage_key" character varying NOT NULL, "requested_by" character varying NULL, "rows_read" bigint NOT NULL DEFAULT 0, "rows_checked" bigint NOT NULL DEFAULT 0, "to_create" bigint NOT NULL DEFAULT 0, "to_update" bigint NOT NULL DEFAULT 0, "to_transfer" bigint NOT NULL DEFAULT 0, "to_end" bigint NOT NULL DEFAULT 0, "unchanged" bigint NOT NULL DEFAULT 0, "error_count" bigint NOT NULL DEFAULT 0, "errors" bytea NULL, "failure" character varying NULL, "started_at" timestamptz NULL, "finished_at" timestamptz NULL, PRIMARY KEY ("id"));
-- create index "rosterimport_requested_by" to table: "roster_imports"
CREATE INDEX "rosterimport_requested_by" ON "roster_imports" ("requested_by");
-- create index "rosterimport_scope_id" to table: "roster_imports"
CREATE INDEX "rosterimport_scope_id" ON "roster_imports" ("scope_id");
-- create index "rosterimport_status" to table: "roster_imports"
CREATE INDEX "rosterimport_status" ON "roster_imports" ("status");
-- modify "units" table
ALTER TABLE "units" ADD COLUMN "opened_on" timestamptz NULL, ADD COLUMN "closed_on" timestamptz NULL, ADD COLUMN "unit_absorbed" character varying NULL, ADD CONSTRAINT "units_units_absorbed" FOREIGN KEY ("unit_absorbed") REFERENCES "units" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
-- create index "unit_unit_absorbed" to table: "units"
CREATE INDEX "unit_unit_absorbed" ON "units" ("unit_absorbed");
-- create "official_assignments" table
CREATE TABLE "official_assignments" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "valid_from" timestamptz NOT NULL, "valid_to" timestamptz NULL, "reason" character varying NOT NULL, "official_assignments" character varying NOT NULL, "unit_assignments" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "official_assignments_officials_assignments" FOREIGN KEY ("official_assignments") REFERENCES "officials" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "official_assignments_units_assignments" FOREIGN KEY ("unit_assignments") REFERENCES "units" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- create index "officialassignment_official_assignments_valid_from" to table: "official_assignments"
CREATE INDEX "officialassignment_official_assignments_valid_from" ON "official_assignments" ("official_assignments", "valid_from");
-- create index "officialassignment_unit_assignments_id" to table: "official_assignments"
CREATE INDEX "officialassignment_unit_assignments_id" ON "official_assignments" ("unit_assignments", "id");

-- +goose Down
-- reverse: create index "officialassignment_unit_assignments_id" to table: "official_assignments"
DROP INDEX "officialassignment_unit_assignments_id";
-- reverse: create index "officialassignment_official_assignments_valid_from" to table: "official_assignments"
DROP INDEX "officialassignment_official_assignments_valid_from";
-- reverse: create "official_assignments" table
DROP TABLE "official_assignments";
-- reverse: create index "unit_unit_absorbed" to table: "units"
DROP INDEX "unit_unit_absorbed";
-- reverse: modify "units" table
ALTER TABLE "units" DROP CONSTRAINT "units_units_absorbed", DROP COLUMN "unit_absorbed", DROP COLUMN "closed_on", DROP COLUMN "opened_on";
-- reverse: create index "rosterimport_status" to table: "roster_imports"
DROP INDEX "rosterimport_status";
-- reverse: create index "rosterimport_scope_id" to table: "roster_imports"
DROP INDEX "rosterimport_scope_id";
-- reverse: create index "rosterimport_requested_by" to table: "roster_imports"
DROP INDEX "rosterimport_requested_by";
-- reverse: create "roster_imports" table
DROP TABLE "roster_imports";
-- reverse: modify "uploads" table
ALTER TABLE "uploads" DROP COLUMN "purpose";
-- reverse: modify "officials" table
ALTER TABLE "officials" DROP COLUMN "leave_reason";
