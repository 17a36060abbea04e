-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- add column "subject_notice" to table: "cases"
ALTER TABLE `cases` ADD COLUMN `subject_notice` text NULL;
-- add column "subject_visible_at" to table: "cases"
ALTER TABLE `cases` ADD COLUMN `subject_visible_at` datetime NULL;
-- create "new_evidences" table
CREATE TABLE `new_evidences` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `content_type` text NOT NULL, `size` integer NOT NULL, `sha256` text NOT NULL, `storage_key` text NOT NULL, `uploaded_at` datetime NOT NULL, `sanitized` bool NOT NULL DEFAULT (true), `citizen_case_evidence` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `evidences_cases_evidence` FOREIGN KEY (`citizen_case_evidence`) REFERENCES `cases` (`id`) ON DELETE NO ACTION);
-- copy rows from old table "evidences" to new temporary table "new_evidences"
INSERT INTO `new_evidences` (`id`, `created_at`, `updated_at`, `content_type`, `size`, `sha256`, `storage_key`, `uploaded_at`, `citizen_case_evidence`) SELECT `id`, `created_at`, `updated_at`, `content_type`, `size`, `sha256`, `storage_key`, `uploaded_at`, `citizen_case_evidence` FROM `evidences`;
-- drop "evidences" table after copying rows
DROP TABLE `evidences`;
-- rename temporary table "new_evidences" to "evidences"
ALTER TABLE `new_evidences` RENAME TO `evidences`;
-- create index "evidence_citizen_case_evidence" to table: "evidences"
CREATE INDEX `evidence_citizen_case_evidence` ON `evidences` (`citizen_case_evidence`);
-- create "new_uploads" table
CREATE TABLE `new_uploads` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `token_hash` text NOT NULL, `content_type` text NOT NULL, `size` integer NOT NULL, `sha256` text NOT NULL, `status` text NOT NULL DEFAULT ('PENDING'), `storage_key` text NULL, `stored_size` integer NULL, `sanitized` bool NOT NULL DEFAULT (true), `owner` text NOT NULL, `expires_at` datetime NOT NULL, `citizen_case_uploads` text NULL, PRIMARY KEY (`id`), CONSTRAINT `uploads_cases_uploads` FOREIGN KEY (`citizen_case_uploads`) REFERENCES `cases` (`id`) ON DELETE SET NULL);
-- copy rows from old table "uploads" to new temporary table "new_uploads"
INSERT INTO `new_uploads` (`id`, `created_at`, `updated_at`, `token_hash`, `content_type`, `size`, `sha256`, `status`, `storage_key`, `stored_size`, `owner`, `expires_at`, `citizen_case_uploads`) SELECT `id`, `created_at`, `updated_at`, `token_hash`, `content_type`, `size`, `sha256`, `status`, `storage_key`, `stored_size`, `owner`, `expires_at`, `citizen_case_uploads` FROM `uploads`;
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
-- backfill: the official concerned sees a case from the start of verification (praise: acceptance)
UPDATE `cases` SET `subject_visible_at` = `accepted_at` WHERE `channel` = 'PRAISE' AND `accepted_at` IS NOT NULL;
UPDATE `cases` SET `subject_visible_at` = (SELECT MIN(e.`occurred_at`) FROM `case_events` e WHERE e.`citizen_case_events` = `cases`.`id` AND e.`kind` = 'VERIFICATION_STARTED') WHERE `channel` <> 'PRAISE';
-- backfill: only JPEG, PNG and WebP files had their metadata removed before this release
UPDATE `evidences` SET `sanitized` = false WHERE `content_type` NOT IN ('image/jpeg', 'image/png', 'image/webp');
UPDATE `uploads` SET `sanitized` = false WHERE `storage_key` IS NOT NULL AND `storage_key` <> '' AND `content_type` NOT IN ('image/jpeg', 'image/png', 'image/webp');
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "upload_expires_at" to table: "uploads"
DROP INDEX `upload_expires_at`;
-- reverse: create index "upload_citizen_case_uploads" to table: "uploads"
DROP INDEX `upload_citizen_case_uploads`;
-- reverse: create index "uploads_token_hash_key" to table: "uploads"
DROP INDEX `uploads_token_hash_key`;
-- reverse: create "new_uploads" table
DROP TABLE `new_uploads`;
-- reverse: create index "evidence_citizen_case_evidence" to table: "evidences"
DROP INDEX `evidence_citizen_case_evidence`;
-- reverse: create "new_evidences" table
DROP TABLE `new_evidences`;
-- reverse: add column "subject_visible_at" to table: "cases"
ALTER TABLE `cases` DROP COLUMN `subject_visible_at`;
-- reverse: add column "subject_notice" to table: "cases"
ALTER TABLE `cases` DROP COLUMN `subject_notice`;
