-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_cases" table
CREATE TABLE `new_cases` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `tracking_code` text NOT NULL, `secret_hash` text NOT NULL, `channel` text NOT NULL, `requested_channel` text NOT NULL, `category` text NULL, `description` text NOT NULL, `incident_date` datetime NULL, `place` text NULL, `anonymous` bool NOT NULL, `reporter_identity` blob NULL, `reporter_verified` bool NOT NULL DEFAULT (false), `state` text NOT NULL DEFAULT ('SUBMITTED'), `conclusion` text NULL, `received_at` datetime NOT NULL, `acknowledge_due_at` datetime NULL, `due_at` datetime NULL, `complexity` text NULL, `extension_count` integer NOT NULL DEFAULT (0), `accepted_at` datetime NULL, `concluded_at` datetime NULL, `closed_at` datetime NULL, `rating` integer NULL, `subject_notice` text NULL, `subject_visible_at` datetime NULL, `public_note` text NULL, `scope_province_id` text NULL, `reporter_link` text NULL, `account_handled_cases` text NULL, `citizen_case_duplicates` text NULL, `citizen_case_transferred_to` text NULL, `official_cases` text NULL, `unit_cases` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `cases_accounts_handled_cases` FOREIGN KEY (`account_handled_cases`) REFERENCES `accounts` (`id`) ON DELETE SET NULL, CONSTRAINT `cases_cases_duplicates` FOREIGN KEY (`citizen_case_duplicates`) REFERENCES `cases` (`id`) ON DELETE SET NULL, CONSTRAINT `cases_units_transferred_to` FOREIGN KEY (`citizen_case_transferred_to`) REFERENCES `units` (`id`) ON DELETE SET NULL, CONSTRAINT `cases_officials_cases` FOREIGN KEY (`official_cases`) REFERENCES `officials` (`id`) ON DELETE SET NULL, CONSTRAINT `cases_units_cases` FOREIGN KEY (`unit_cases`) REFERENCES `units` (`id`) ON DELETE NO ACTION);
-- copy rows from old table "cases" to new temporary table "new_cases"
INSERT INTO `new_cases` (`id`, `created_at`, `updated_at`, `tracking_code`, `secret_hash`, `channel`, `requested_channel`, `category`, `description`, `incident_date`, `place`, `anonymous`, `reporter_identity`, `reporter_verified`, `state`, `conclusion`, `received_at`, `acknowledge_due_at`, `due_at`, `complexity`, `extension_count`, `accepted_at`, `concluded_at`, `closed_at`, `rating`, `subject_notice`, `subject_visible_at`, `public_note`, `scope_province_id`, `account_handled_cases`, `citizen_case_duplicates`, `citizen_case_transferred_to`, `official_cases`, `unit_cases`) SELECT `id`, `created_at`, `updated_at`, `tracking_code`, `secret_hash`, `channel`, `requested_channel`, `category`, `description`, `incident_date`, `place`, `anonymous`, `reporter_identity`, `reporter_verified`, `state`, `conclusion`, `received_at`, `acknowledge_due_at`, `due_at`, `complexity`, `extension_count`, `accepted_at`, `concluded_at`, `closed_at`, `rating`, `subject_notice`, `subject_visible_at`, `public_note`, `scope_province_id`, `account_handled_cases`, `citizen_case_duplicates`, `citizen_case_transferred_to`, `official_cases`, `unit_cases` FROM `cases`;
-- drop "cases" table after copying rows
DROP TABLE `cases`;
-- rename temporary table "new_cases" to "cases"
ALTER TABLE `new_cases` RENAME TO `cases`;
-- create index "cases_tracking_code_key" to table: "cases"
CREATE UNIQUE INDEX `cases_tracking_code_key` ON `cases` (`tracking_code`);
-- create index "citizencase_unit_cases" to table: "cases"
CREATE INDEX `citizencase_unit_cases` ON `cases` (`unit_cases`);
-- create index "citizencase_official_cases" to table: "cases"
CREATE INDEX `citizencase_official_cases` ON `cases` (`official_cases`);
-- create index "citizencase_account_handled_cases" to table: "cases"
CREATE INDEX `citizencase_account_handled_cases` ON `cases` (`account_handled_cases`);
-- create index "citizencase_citizen_case_duplicates" to table: "cases"
CREATE INDEX `citizencase_citizen_case_duplicates` ON `cases` (`citizen_case_duplicates`);
-- create index "citizencase_citizen_case_transferred_to" to table: "cases"
CREATE INDEX `citizencase_citizen_case_transferred_to` ON `cases` (`citizen_case_transferred_to`);
-- create index "citizencase_state" to table: "cases"
CREATE INDEX `citizencase_state` ON `cases` (`state`);
-- create index "citizencase_channel" to table: "cases"
CREATE INDEX `citizencase_channel` ON `cases` (`channel`);
-- create index "citizencase_requested_channel" to table: "cases"
CREATE INDEX `citizencase_requested_channel` ON `cases` (`requested_channel`);
-- create index "citizencase_category" to table: "cases"
CREATE INDEX `citizencase_category` ON `cases` (`category`);
-- create index "citizencase_anonymous" to table: "cases"
CREATE INDEX `citizencase_anonymous` ON `cases` (`anonymous`);
-- create index "citizencase_conclusion" to table: "cases"
CREATE INDEX `citizencase_conclusion` ON `cases` (`conclusion`);
-- create index "citizencase_received_at" to table: "cases"
CREATE INDEX `citizencase_received_at` ON `cases` (`received_at`);
-- create index "citizencase_due_at" to table: "cases"
CREATE INDEX `citizencase_due_at` ON `cases` (`due_at`);
-- create index "citizencase_scope_province_id_id" to table: "cases"
CREATE INDEX `citizencase_scope_province_id_id` ON `cases` (`scope_province_id`, `id`);
-- create index "citizencase_closed_at" to table: "cases"
CREATE INDEX `citizencase_closed_at` ON `cases` (`closed_at`);
-- create index "citizencase_reporter_link_id" to table: "cases"
CREATE INDEX `citizencase_reporter_link_id` ON `cases` (`reporter_link`, `id`);
-- create "unit_placements" table
CREATE TABLE `unit_placements` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `valid_from` datetime NULL, `valid_to` datetime NOT NULL, `parent_id` text NULL, `district_id` text NULL, `province_id` text NOT NULL, `unit_placements` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `unit_placements_units_placements` FOREIGN KEY (`unit_placements`) REFERENCES `units` (`id`) ON DELETE NO ACTION);
-- create index "unitplacement_unit_placements_valid_to" to table: "unit_placements"
CREATE INDEX `unitplacement_unit_placements_valid_to` ON `unit_placements` (`unit_placements`, `valid_to`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "unitplacement_unit_placements_valid_to" to table: "unit_placements"
DROP INDEX `unitplacement_unit_placements_valid_to`;
-- reverse: create "unit_placements" table
DROP TABLE `unit_placements`;
-- reverse: create index "citizencase_reporter_link_id" to table: "cases"
DROP INDEX `citizencase_reporter_link_id`;
-- reverse: create index "citizencase_closed_at" to table: "cases"
DROP INDEX `citizencase_closed_at`;
-- reverse: create index "citizencase_scope_province_id_id" to table: "cases"
DROP INDEX `citizencase_scope_province_id_id`;
-- reverse: create index "citizencase_due_at" to table: "cases"
DROP INDEX `citizencase_due_at`;
-- reverse: create index "citizencase_received_at" to table: "cases"
DROP INDEX `citizencase_received_at`;
-- reverse: create index "citizencase_conclusion" to table: "cases"
DROP INDEX `citizencase_conclusion`;
-- reverse: create index "citizencase_anonymous" to table: "cases"
DROP INDEX `citizencase_anonymous`;
-- reverse: create index "citizencase_category" to table: "cases"
DROP INDEX `citizencase_category`;
-- reverse: create index "citizencase_requested_channel" to table: "cases"
DROP INDEX `citizencase_requested_channel`;
-- reverse: create index "citizencase_channel" to table: "cases"
DROP INDEX `citizencase_channel`;
-- reverse: create index "citizencase_state" to table: "cases"
DROP INDEX `citizencase_state`;
-- reverse: create index "citizencase_citizen_case_transferred_to" to table: "cases"
DROP INDEX `citizencase_citizen_case_transferred_to`;
-- reverse: create index "citizencase_citizen_case_duplicates" to table: "cases"
DROP INDEX `citizencase_citizen_case_duplicates`;
-- reverse: create index "citizencase_account_handled_cases" to table: "cases"
DROP INDEX `citizencase_account_handled_cases`;
-- reverse: create index "citizencase_official_cases" to table: "cases"
DROP INDEX `citizencase_official_cases`;
-- reverse: create index "citizencase_unit_cases" to table: "cases"
DROP INDEX `citizencase_unit_cases`;
-- reverse: create index "cases_tracking_code_key" to table: "cases"
DROP INDEX `cases_tracking_code_key`;
-- reverse: create "new_cases" table
DROP TABLE `new_cases`;
