-- +goose Up
-- add column "flagged_at" to table: "self_assessments"
ALTER TABLE `self_assessments` ADD COLUMN `flagged_at` datetime NULL;
-- add column "flag_reason" to table: "self_assessments"
ALTER TABLE `self_assessments` ADD COLUMN `flag_reason` text NULL;

-- +goose Down
-- reverse: add column "flag_reason" to table: "self_assessments"
ALTER TABLE `self_assessments` DROP COLUMN `flag_reason`;
-- reverse: add column "flagged_at" to table: "self_assessments"
ALTER TABLE `self_assessments` DROP COLUMN `flagged_at`;
