-- +goose Up
-- add column "public_note" to table: "cases"
ALTER TABLE `cases` ADD COLUMN `public_note` text NULL;
-- create "partner_keys" table
CREATE TABLE `partner_keys` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `partner` text NOT NULL, `key_hash` text NOT NULL, `issued_by` text NOT NULL, `revoked_at` datetime NULL, PRIMARY KEY (`id`));
-- create index "partner_keys_key_hash_key" to table: "partner_keys"
CREATE UNIQUE INDEX `partner_keys_key_hash_key` ON `partner_keys` (`key_hash`);

-- +goose Down
-- reverse: create index "partner_keys_key_hash_key" to table: "partner_keys"
DROP INDEX `partner_keys_key_hash_key`;
-- reverse: create "partner_keys" table
DROP TABLE `partner_keys`;
-- reverse: add column "public_note" to table: "cases"
ALTER TABLE `cases` DROP COLUMN `public_note`;
