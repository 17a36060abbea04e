-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_uploads" table
CREATE TABLE `new_uploads` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `token_hash` text NOT NULL, `content_type` text NOT NULL, `size` integer NOT NULL, `sha256` text NOT NULL, `status` text NOT NULL DEFAULT ('PENDING'), `storage_key` text NULL, `stored_size` integer NULL, `sanitized` bool NOT NULL DEFAULT (true), `owner` text NOT NULL, `expires_at` datetime NOT NULL, `purpose` text NOT NULL DEFAULT ('EVIDENCE'), `citizen_case_uploads` text NULL, PRIMARY KEY (`id`), CONSTRAINT `uploads_cases_uploads` FOREIGN KEY (`citizen_case_uploads`) REFERENCES `cases` (`id`) ON DELETE SET NULL);
-- copy rows from old table "uploads" to new temporary table "new_uploads"
INSERT INTO `new_uploads` (`id`, `created_at`, `updated_at`, `token_hash`, `content_type`, `size`, `sha256`, `status`, `storage_key`, `stored_size`, `sanitized`, `owner`, `expires_at`, `citizen_case_uploads`) SELECT `id`, `created_at`, `updated_at`, `token_hash`, `content_type`, `size`, `sha256`, `status`, `storage_key`, `stored_size`, `sanitized`, `owner`, `expires_at`, `citizen_case_uploads` FROM `uploads`;
-- drop "uploads" table after copying rows
DROP TABLE `uploads`;
-- rename temporary table "new_uploads" to "uploads"
ALTER TABLE `new_uploads` RENAME TO `uploads`;
-- create index "uploads_token_hash_key" to table: "uploads"
CREATE UNIQUE INDEX `uploads_token_hash_key` ON `uploads` (`token_hash`);
-- create index "upload_citizen_case_uploads" to table: "uploads"
CREATE INDEX `upload_citizen_case_uploads` ON `uploads` (`citizen_case_uploads`);
-- create index "upload_expires_at" to table: "uploads"
CREATE INDEX `upload_expires_at` ON `uploads` (`expires_at`);
-- add column "leave_reason" to table: "officials"
ALTER TABLE `officials` ADD COLUMN `leave_reason` text NULL;
-- create "new_units" table
CREATE TABLE `new_units` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `level` text NOT NULL, `kind` text NOT NULL, `code` text NULL, `name_folded` text NOT NULL DEFAULT (''), `opened_on` datetime NULL, `closed_on` datetime NULL, `district_units` text NULL, `province_units` text NOT NULL, `unit_children` text NULL, `unit_absorbed` text NULL, PRIMARY KEY (`id`), CONSTRAINT `units_districts_units` FOREIGN KEY (`district_units`) REFERENCES `districts` (`id`) ON DELETE SET NULL, CONSTRAINT `units_provinces_units` FOREIGN KEY (`province_units`) REFERENCES `provinces` (`id`) ON DELETE NO ACTION, CONSTRAINT `units_units_children` FOREIGN KEY (`unit_children`) REFERENCES `units` (`id`) ON DELETE SET NULL, CONSTRAINT `units_units_absorbed` FOREIGN KEY (`unit_absorbed`) REFERENCES `units` (`id`) ON DELETE SET NULL);
-- copy rows from old table "units" to new temporary table "new_units"
INSERT INTO `new_units` (`id`, `created_at`, `updated_at`, `name`, `level`, `kind`, `code`, `name_folded`, `district_units`, `province_units`, `unit_children`) SELECT `id`, `created_at`, `updated_at`, `name`, `level`, `kind`, `code`, `name_folded`, `district_units`, `province_units`, `unit_children` FROM `units`;
-- drop "units" table after copying rows
DROP TABLE `units`;
-- rename temporary table "new_units" to "units"
ALTER TABLE `new_units` RENAME TO `units`;
-- create index "unit_name" to table: "units"
CREATE INDEX `unit_name` ON `units` (`name`);
-- create index "unit_name_folded" to table: "units"
CREATE INDEX `unit_name_folded` ON `units` (`name_folded`);
-- create index "unit_level" to table: "units"
CREATE INDEX `unit_level` ON `units` (`level`);
-- create index "unit_kind" to table: "units"
CREATE INDEX `unit_kind` ON `units` (`kind`);
-- create index "unit_code" to table: "units"
CREATE INDEX `unit_code` ON `units` (`code`);
-- create index "unit_province_units_id" to table: "units"
CREATE INDEX `unit_province_units_id` ON `units` (`province_units`, `id`);
-- create index "unit_district_units_id" to table: "units"
CREATE INDEX `unit_district_units_id` ON `units` (`district_units`, `id`);
-- create index "unit_unit_children_id" to table: "units"
CREATE INDEX `unit_unit_children_id` ON `units` (`unit_children`, `id`);
-- create index "unit_unit_absorbed" to table: "units"
CREATE INDEX `unit_unit_absorbed` ON `units` (`unit_absorbed`);
-- create "official_assignments" table
CREATE TABLE `official_assignments` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `valid_from` datetime NOT NULL, `valid_to` datetime NULL, `reason` text NOT NULL, `official_assignments` text NOT NULL, `unit_assignments` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `official_assignments_officials_assignments` FOREIGN KEY (`official_assignments`) REFERENCES `officials` (`id`) ON DELETE NO ACTION, CONSTRAINT `official_assignments_units_assignments` FOREIGN KEY (`unit_assignments`) REFERENCES `units` (`id`) ON DELETE NO ACTION);
-- create index "officialassignment_official_assignments_valid_from" to table: "official_assignments"
CREATE INDEX `officialassignment_official_assignments_valid_from` ON `official_assignments` (`official_assignments`, `valid_from`);
-- create index "officialassignment_unit_assignments_id" to table: "official_assignments"
CREATE INDEX `officialassignment_unit_assignments_id` ON `official_assignments` (`unit_assignments`, `id`);
-- create "roster_imports" table
CREATE TABLE `roster_imports` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `scope_kind` text NOT NULL, `scope_id` text NOT NULL, `mode` text NOT NULL, `dry_run` bool NOT NULL, `status` text NOT NULL DEFAULT ('PENDING'), `format` text NOT NULL, `effective_on` datetime NOT NULL, `upload_id` text NULL, `storage_key` text NOT NULL, `requested_by` text NULL, `rows_read` integer NOT NULL DEFAULT (0), `rows_checked` integer NOT NULL DEFAULT (0), `to_create` integer NOT NULL DEFAULT (0), `to_update` integer NOT NULL DEFAULT (0), `to_transfer` integer NOT NULL DEFAULT (0), `to_end` integer NOT NULL DEFAULT (0), `unchanged` integer NOT NULL DEFAULT (0), `error_count` integer NOT NULL DEFAULT (0), `errors` blob NULL, `failure` text NULL, `started_at` datetime NULL, `finished_at` datetime NULL, PRIMARY KEY (`id`));
-- create index "rosterimport_requested_by" to table: "roster_imports"
CREATE INDEX `rosterimport_requested_by` ON `roster_imports` (`requested_by`);
-- create index "rosterimport_scope_id" to table: "roster_imports"
CREATE INDEX `rosterimport_scope_id` ON `roster_imports` (`scope_id`);
-- create index "rosterimport_status" to table: "roster_imports"
CREATE INDEX `rosterimport_status` ON `roster_imports` (`status`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "rosterimport_status" to table: "roster_imports"
DROP INDEX `rosterimport_status`;
-- reverse: create index "rosterimport_scope_id" to table: "roster_imports"
DROP INDEX `rosterimport_scope_id`;
-- reverse: create index "rosterimport_requested_by" to table: "roster_imports"
DROP INDEX `rosterimport_requested_by`;
-- reverse: create "roster_imports" table
DROP TABLE `roster_imports`;
-- reverse: create index "officialassignment_unit_assignments_id" to table: "official_assignments"
DROP INDEX `officialassignment_unit_assignments_id`;
-- reverse: create index "officialassignment_official_assignments_valid_from" to table: "official_assignments"
DROP INDEX `officialassignment_official_assignments_valid_from`;
-- reverse: create "official_assignments" table
DROP TABLE `official_assignments`;
-- reverse: create index "unit_unit_absorbed" to table: "units"
DROP INDEX `unit_unit_absorbed`;
-- reverse: create index "unit_unit_children_id" to table: "units"
DROP INDEX `unit_unit_children_id`;
-- reverse: create index "unit_district_units_id" to table: "units"
DROP INDEX `unit_district_units_id`;
-- reverse: create index "unit_province_units_id" to table: "units"
DROP INDEX `unit_province_units_id`;
-- reverse: create index "unit_code" to table: "units"
DROP INDEX `unit_code`;
-- reverse: create index "unit_kind" to table: "units"
DROP INDEX `unit_kind`;
-- reverse: create index "unit_level" to table: "units"
DROP INDEX `unit_level`;
-- reverse: create index "unit_name_folded" to table: "units"
DROP INDEX `unit_name_folded`;
-- reverse: create index "unit_name" to table: "units"
DROP INDEX `unit_name`;
-- reverse: create "new_units" table
DROP TABLE `new_units`;
-- reverse: add column "leave_reason" to table: "officials"
ALTER TABLE `officials` DROP COLUMN `leave_reason`;
-- reverse: create index "upload_expires_at" to table: "uploads"
DROP INDEX `upload_expires_at`;
-- reverse: create index "upload_citizen_case_uploads" to table: "uploads"
DROP INDEX `upload_citizen_case_uploads`;
-- reverse: create index "uploads_token_hash_key" to table: "uploads"
DROP INDEX `uploads_token_hash_key`;
-- reverse: create "new_uploads" table
DROP TABLE `new_uploads`;
