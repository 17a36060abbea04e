-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_acknowledgements" table
CREATE TABLE `new_acknowledgements` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `acknowledged_at` datetime NOT NULL, `scope_unit_id` text NULL, `scope_province_id` text NULL, `campaign_acknowledgements` text NOT NULL, `official_acknowledgements` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `acknowledgements_campaigns_acknowledgements` FOREIGN KEY (`campaign_acknowledgements`) REFERENCES `campaigns` (`id`) ON DELETE NO ACTION, CONSTRAINT `acknowledgements_officials_acknowledgements` FOREIGN KEY (`official_acknowledgements`) REFERENCES `officials` (`id`) ON DELETE NO ACTION);
-- copy rows from old table "acknowledgements" to new temporary table "new_acknowledgements"
INSERT INTO `new_acknowledgements` (`id`, `created_at`, `updated_at`, `acknowledged_at`, `campaign_acknowledgements`, `official_acknowledgements`) SELECT `id`, `created_at`, `updated_at`, `acknowledged_at`, `campaign_acknowledgements`, `official_acknowledgements` FROM `acknowledgements`;
-- drop "acknowledgements" table after copying rows
DROP TABLE `acknowledgements`;
-- rename temporary table "new_acknowledgements" to "acknowledgements"
ALTER TABLE `new_acknowledgements` RENAME TO `acknowledgements`;
-- create index "acknowledgement_official_acknow_8dd67f3d5c86f4e754ea194abca98a3a" to table: "acknowledgements"
CREATE UNIQUE INDEX `acknowledgement_official_acknow_8dd67f3d5c86f4e754ea194abca98a3a` ON `acknowledgements` (`official_acknowledgements`, `campaign_acknowledgements`);
-- create index "acknowledgement_campaign_acknowledgements" to table: "acknowledgements"
CREATE INDEX `acknowledgement_campaign_acknowledgements` ON `acknowledgements` (`campaign_acknowledgements`);
-- create index "acknowledgement_acknowledged_at" to table: "acknowledgements"
CREATE INDEX `acknowledgement_acknowledged_at` ON `acknowledgements` (`acknowledged_at`);
-- create index "acknowledgement_scope_unit_id_id" to table: "acknowledgements"
CREATE INDEX `acknowledgement_scope_unit_id_id` ON `acknowledgements` (`scope_unit_id`, `id`);
-- create index "acknowledgement_scope_province_id_id" to table: "acknowledgements"
CREATE INDEX `acknowledgement_scope_province_id_id` ON `acknowledgements` (`scope_province_id`, `id`);
-- create "new_commendations" table
CREATE TABLE `new_commendations` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `form` text NOT NULL, `level` text NOT NULL, `year` integer NOT NULL, `decision_number` text NULL, `decision_date` datetime NULL, `reason` text NOT NULL, `status` text NOT NULL DEFAULT ('PROPOSED'), `status_reason` text NULL, `flagged` bool NOT NULL DEFAULT (false), `scope_unit_id` text NULL, `scope_province_id` text NULL, `account_proposed_commendations` text NULL, `campaign_commendations` text NULL, `official_commendations` text NULL, `unit_commendations` text NULL, PRIMARY KEY (`id`), CONSTRAINT `commendations_accounts_proposed_commendations` FOREIGN KEY (`account_proposed_commendations`) REFERENCES `accounts` (`id`) ON DELETE SET NULL, CONSTRAINT `commendations_campaigns_commendations` FOREIGN KEY (`campaign_commendations`) REFERENCES `campaigns` (`id`) ON DELETE SET NULL, CONSTRAINT `commendations_officials_commendations` FOREIGN KEY (`official_commendations`) REFERENCES `officials` (`id`) ON DELETE SET NULL, CONSTRAINT `commendations_units_commendations` FOREIGN KEY (`unit_commendations`) REFERENCES `units` (`id`) ON DELETE SET NULL);
-- copy rows from old table "commendations" to new temporary table "new_commendations"
INSERT INTO `new_commendations` (`id`, `created_at`, `updated_at`, `form`, `level`, `year`, `decision_number`, `decision_date`, `reason`, `status`, `status_reason`, `flagged`, `account_proposed_commendations`, `campaign_commendations`, `official_commendations`, `unit_commendations`) SELECT `id`, `created_at`, `updated_at`, `form`, `level`, `year`, `decision_number`, `decision_date`, `reason`, `status`, `status_reason`, `flagged`, `account_proposed_commendations`, `campaign_commendations`, `official_commendations`, `unit_commendations` FROM `commendations`;
-- drop "commendations" table after copying rows
DROP TABLE `commendations`;
-- rename temporary table "new_commendations" to "commendations"
ALTER TABLE `new_commendations` RENAME TO `commendations`;
-- create index "commendation_year_official_commendations" to table: "commendations"
CREATE INDEX `commendation_year_official_commendations` ON `commendations` (`year`, `official_commendations`);
-- create index "commendation_official_commendations" to table: "commendations"
CREATE INDEX `commendation_official_commendations` ON `commendations` (`official_commendations`);
-- create index "commendation_year_unit_commendations" to table: "commendations"
CREATE INDEX `commendation_year_unit_commendations` ON `commendations` (`year`, `unit_commendations`);
-- create index "commendation_unit_commendations" to table: "commendations"
CREATE INDEX `commendation_unit_commendations` ON `commendations` (`unit_commendations`);
-- create index "commendation_campaign_commendations" to table: "commendations"
CREATE INDEX `commendation_campaign_commendations` ON `commendations` (`campaign_commendations`);
-- create index "commendation_account_proposed_commendations" to table: "commendations"
CREATE INDEX `commendation_account_proposed_commendations` ON `commendations` (`account_proposed_commendations`);
-- create index "commendation_form" to table: "commendations"
CREATE INDEX `commendation_form` ON `commendations` (`form`);
-- create index "commendation_level" to table: "commendations"
CREATE INDEX `commendation_level` ON `commendations` (`level`);
-- create index "commendation_status" to table: "commendations"
CREATE INDEX `commendation_status` ON `commendations` (`status`);
-- create index "commendation_flagged" to table: "commendations"
CREATE INDEX `commendation_flagged` ON `commendations` (`flagged`);
-- create index "commendation_decision_date" to table: "commendations"
CREATE INDEX `commendation_decision_date` ON `commendations` (`decision_date`);
-- create index "commendation_scope_unit_id_id" to table: "commendations"
CREATE INDEX `commendation_scope_unit_id_id` ON `commendations` (`scope_unit_id`, `id`);
-- create index "commendation_scope_province_id_id" to table: "commendations"
CREATE INDEX `commendation_scope_province_id_id` ON `commendations` (`scope_province_id`, `id`);
-- create "new_pledges" table
CREATE TABLE `new_pledges` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `year` integer NOT NULL, `status` text NOT NULL DEFAULT ('SIGNED'), `signed_at` datetime NOT NULL, `withdrawn_at` datetime NULL, `withdrawal_reason` text NULL, `scope_unit_id` text NULL, `scope_province_id` text NULL, `campaign_pledges` text NOT NULL, `official_pledges` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `pledges_campaigns_pledges` FOREIGN KEY (`campaign_pledges`) REFERENCES `campaigns` (`id`) ON DELETE NO ACTION, CONSTRAINT `pledges_officials_pledges` FOREIGN KEY (`official_pledges`) REFERENCES `officials` (`id`) ON DELETE NO ACTION);
-- copy rows from old table "pledges" to new temporary table "new_pledges"
INSERT INTO `new_pledges` (`id`, `created_at`, `updated_at`, `year`, `status`, `signed_at`, `withdrawn_at`, `withdrawal_reason`, `campaign_pledges`, `official_pledges`) SELECT `id`, `created_at`, `updated_at`, `year`, `status`, `signed_at`, `withdrawn_at`, `withdrawal_reason`, `campaign_pledges`, `official_pledges` FROM `pledges`;
-- drop "pledges" table after copying rows
DROP TABLE `pledges`;
-- rename temporary table "new_pledges" to "pledges"
ALTER TABLE `new_pledges` RENAME TO `pledges`;
-- create index "pledge_year_official_pledges_campaign_pledges" to table: "pledges"
CREATE UNIQUE INDEX `pledge_year_official_pledges_campaign_pledges` ON `pledges` (`year`, `official_pledges`, `campaign_pledges`) WHERE status = 'SIGNED';
-- create index "pledge_official_pledges" to table: "pledges"
CREATE INDEX `pledge_official_pledges` ON `pledges` (`official_pledges`);
-- create index "pledge_campaign_pledges" to table: "pledges"
CREATE INDEX `pledge_campaign_pledges` ON `pledges` (`campaign_pledges`);
-- create index "pledge_year_status" to table: "pledges"
CREATE INDEX `pledge_year_status` ON `pledges` (`year`, `status`);
-- create index "pledge_status" to table: "pledges"
CREATE INDEX `pledge_status` ON `pledges` (`status`);
-- create index "pledge_signed_at" to table: "pledges"
CREATE INDEX `pledge_signed_at` ON `pledges` (`signed_at`);
-- create index "pledge_scope_unit_id_id" to table: "pledges"
CREATE INDEX `pledge_scope_unit_id_id` ON `pledges` (`scope_unit_id`, `id`);
-- create index "pledge_scope_province_id_id" to table: "pledges"
CREATE INDEX `pledge_scope_province_id_id` ON `pledges` (`scope_province_id`, `id`);
-- create "new_self_assessments" table
CREATE TABLE `new_self_assessments` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `year` integer NOT NULL, `period_kind` text NOT NULL DEFAULT ('YEAR'), `period` integer NOT NULL DEFAULT (0), `scheme` text NOT NULL, `score` integer NULL, `proposed_classification` text NULL, `final_classification` text NULL, `status` text NOT NULL DEFAULT ('DRAFT'), `summary` text NOT NULL DEFAULT (''), `submitted_at` datetime NULL, `reviewed_at` datetime NULL, `review_comment` text NULL, `not_rated` bool NOT NULL DEFAULT (false), `flagged_at` datetime NULL, `flag_reason` text NULL, `scope_unit_id` text NULL, `scope_province_id` text NULL, `account_reviewed_assessments` text NULL, `campaign_self_assessments` text NOT NULL, `official_self_assessments` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `self_assessments_accounts_reviewed_assessments` FOREIGN KEY (`account_reviewed_assessments`) REFERENCES `accounts` (`id`) ON DELETE SET NULL, CONSTRAINT `self_assessments_campaigns_self_assessments` FOREIGN KEY (`campaign_self_assessments`) REFERENCES `campaigns` (`id`) ON DELETE NO ACTION, CONSTRAINT `self_assessments_officials_self_assessments` FOREIGN KEY (`official_self_assessments`) REFERENCES `officials` (`id`) ON DELETE NO ACTION);
-- copy rows from old table "self_assessments" to new temporary table "new_self_assessments"
INSERT INTO `new_self_assessments` (`id`, `created_at`, `updated_at`, `year`, `period_kind`, `period`, `scheme`, `score`, `proposed_classification`, `final_classification`, `status`, `summary`, `submitted_at`, `reviewed_at`, `review_comment`, `not_rated`, `flagged_at`, `flag_reason`, `account_reviewed_assessments`, `campaign_self_assessments`, `official_self_assessments`) SELECT `id`, `created_at`, `updated_at`, `year`, `period_kind`, `period`, `scheme`, `score`, `proposed_classification`, `final_classification`, `status`, `summary`, `submitted_at`, `reviewed_at`, `review_comment`, `not_rated`, `flagged_at`, `flag_reason`, `account_reviewed_assessments`, `campaign_self_assessments`, `official_self_assessments` FROM `self_assessments`;
-- drop "self_assessments" table after copying rows
DROP TABLE `self_assessments`;
-- rename temporary table "new_self_assessments" to "self_assessments"
ALTER TABLE `new_self_assessments` RENAME TO `self_assessments`;
-- create index "selfassessment_year_period_kind_d1faccc8adadf350668d0a293e14bef0" to table: "self_assessments"
CREATE UNIQUE INDEX `selfassessment_year_period_kind_d1faccc8adadf350668d0a293e14bef0` ON `self_assessments` (`year`, `period_kind`, `period`, `official_self_assessments`, `campaign_self_assessments`);
-- create index "selfassessment_official_self_assessments" to table: "self_assessments"
CREATE INDEX `selfassessment_official_self_assessments` ON `self_assessments` (`official_self_assessments`);
-- create index "selfassessment_campaign_self_assessments" to table: "self_assessments"
CREATE INDEX `selfassessment_campaign_self_assessments` ON `self_assessments` (`campaign_self_assessments`);
-- create index "selfassessment_account_reviewed_assessments" to table: "self_assessments"
CREATE INDEX `selfassessment_account_reviewed_assessments` ON `self_assessments` (`account_reviewed_assessments`);
-- create index "selfassessment_year_status" to table: "self_assessments"
CREATE INDEX `selfassessment_year_status` ON `self_assessments` (`year`, `status`);
-- create index "selfassessment_status" to table: "self_assessments"
CREATE INDEX `selfassessment_status` ON `self_assessments` (`status`);
-- create index "selfassessment_final_classification" to table: "self_assessments"
CREATE INDEX `selfassessment_final_classification` ON `self_assessments` (`final_classification`);
-- create index "selfassessment_submitted_at" to table: "self_assessments"
CREATE INDEX `selfassessment_submitted_at` ON `self_assessments` (`submitted_at`);
-- create index "selfassessment_proposed_classification" to table: "self_assessments"
CREATE INDEX `selfassessment_proposed_classification` ON `self_assessments` (`proposed_classification`);
-- create index "selfassessment_scope_unit_id_id" to table: "self_assessments"
CREATE INDEX `selfassessment_scope_unit_id_id` ON `self_assessments` (`scope_unit_id`, `id`);
-- create index "selfassessment_scope_province_id_id" to table: "self_assessments"
CREATE INDEX `selfassessment_scope_province_id_id` ON `self_assessments` (`scope_province_id`, `id`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "selfassessment_scope_province_id_id" to table: "self_assessments"
DROP INDEX `selfassessment_scope_province_id_id`;
-- reverse: create index "selfassessment_scope_unit_id_id" to table: "self_assessments"
DROP INDEX `selfassessment_scope_unit_id_id`;
-- reverse: create index "selfassessment_proposed_classification" to table: "self_assessments"
DROP INDEX `selfassessment_proposed_classification`;
-- reverse: create index "selfassessment_submitted_at" to table: "self_assessments"
DROP INDEX `selfassessment_submitted_at`;
-- reverse: create index "selfassessment_final_classification" to table: "self_assessments"
DROP INDEX `selfassessment_final_classification`;
-- reverse: create index "selfassessment_status" to table: "self_assessments"
DROP INDEX `selfassessment_status`;
-- reverse: create index "selfassessment_year_status" to table: "self_assessments"
DROP INDEX `selfassessment_year_status`;
-- reverse: create index "selfassessment_account_reviewed_assessments" to table: "self_assessments"
DROP INDEX `selfassessment_account_reviewed_assessments`;
-- reverse: create index "selfassessment_campaign_self_assessments" to table: "self_assessments"
DROP INDEX `selfassessment_campaign_self_assessments`;
-- reverse: create index "selfassessment_official_self_assessments" to table: "self_assessments"
DROP INDEX `selfassessment_official_self_assessments`;
-- reverse: create index "selfassessment_year_period_kind_d1faccc8adadf350668d0a293e14bef0" to table: "self_assessments"
DROP INDEX `selfassessment_year_period_kind_d1faccc8adadf350668d0a293e14bef0`;
-- reverse: create "new_self_assessments" table
DROP TABLE `new_self_assessments`;
-- reverse: create index "pledge_scope_province_id_id" to table: "pledges"
DROP INDEX `pledge_scope_province_id_id`;
-- reverse: create index "pledge_scope_unit_id_id" to table: "pledges"
DROP INDEX `pledge_scope_unit_id_id`;
-- reverse: create index "pledge_signed_at" to table: "pledges"
DROP INDEX `pledge_signed_at`;
-- reverse: create index "pledge_status" to table: "pledges"
DROP INDEX `pledge_status`;
-- reverse: create index "pledge_year_status" to table: "pledges"
DROP INDEX `pledge_year_status`;
-- reverse: create index "pledge_campaign_pledges" to table: "pledges"
DROP INDEX `pledge_campaign_pledges`;
-- reverse: create index "pledge_official_pledges" to table: "pledges"
DROP INDEX `pledge_official_pledges`;
-- reverse: create index "pledge_year_official_pledges_campaign_pledges" to table: "pledges"
DROP INDEX `pledge_year_official_pledges_campaign_pledges`;
-- reverse: create "new_pledges" table
DROP TABLE `new_pledges`;
-- reverse: create index "commendation_scope_province_id_id" to table: "commendations"
DROP INDEX `commendation_scope_province_id_id`;
-- reverse: create index "commendation_scope_unit_id_id" to table: "commendations"
DROP INDEX `commendation_scope_unit_id_id`;
-- reverse: create index "commendation_decision_date" to table: "commendations"
DROP INDEX `commendation_decision_date`;
-- reverse: create index "commendation_flagged" to table: "commendations"
DROP INDEX `commendation_flagged`;
-- reverse: create index "commendation_status" to table: "commendations"
DROP INDEX `commendation_status`;
-- reverse: create index "commendation_level" to table: "commendations"
DROP INDEX `commendation_level`;
-- reverse: create index "commendation_form" to table: "commendations"
DROP INDEX `commendation_form`;
-- reverse: create index "commendation_account_proposed_commendations" to table: "commendations"
DROP INDEX `commendation_account_proposed_commendations`;
-- reverse: create index "commendation_campaign_commendations" to table: "commendations"
DROP INDEX `commendation_campaign_commendations`;
-- reverse: create index "commendation_unit_commendations" to table: "commendations"
DROP INDEX `commendation_unit_commendations`;
-- reverse: create index "commendation_year_unit_commendations" to table: "commendations"
DROP INDEX `commendation_year_unit_commendations`;
-- reverse: create index "commendation_official_commendations" to table: "commendations"
DROP INDEX `commendation_official_commendations`;
-- reverse: create index "commendation_year_official_commendations" to table: "commendations"
DROP INDEX `commendation_year_official_commendations`;
-- reverse: create "new_commendations" table
DROP TABLE `new_commendations`;
-- reverse: create index "acknowledgement_scope_province_id_id" to table: "acknowledgements"
DROP INDEX `acknowledgement_scope_province_id_id`;
-- reverse: create index "acknowledgement_scope_unit_id_id" to table: "acknowledgements"
DROP INDEX `acknowledgement_scope_unit_id_id`;
-- reverse: create index "acknowledgement_acknowledged_at" to table: "acknowledgements"
DROP INDEX `acknowledgement_acknowledged_at`;
-- reverse: create index "acknowledgement_campaign_acknowledgements" to table: "acknowledgements"
DROP INDEX `acknowledgement_campaign_acknowledgements`;
-- reverse: create index "acknowledgement_official_acknow_8dd67f3d5c86f4e754ea194abca98a3a" to table: "acknowledgements"
DROP INDEX `acknowledgement_official_acknow_8dd67f3d5c86f4e754ea194abca98a3a`;
-- reverse: create "new_acknowledgements" table
DROP TABLE `new_acknowledgements`;
