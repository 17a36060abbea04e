-- +goose Up
-- add column "contact_phone" to table: "officials"
ALTER TABLE `officials` ADD COLUMN `contact_phone` text NULL;
-- add column "contact_email" to table: "officials"
ALTER TABLE `officials` ADD COLUMN `contact_email` text NULL;

-- +goose Down
-- reverse: add column "contact_email" to table: "officials"
ALTER TABLE `officials` DROP COLUMN `contact_email`;
-- reverse: add column "contact_phone" to table: "officials"
ALTER TABLE `officials` DROP COLUMN `contact_phone`;
