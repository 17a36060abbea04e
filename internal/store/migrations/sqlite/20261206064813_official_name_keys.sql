-- +goose Up
-- create "official_name_keys" table
CREATE TABLE `official_name_keys` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `key` text NOT NULL, `official_id` text NOT NULL, `unit_id` text NOT NULL, `overlap` integer NOT NULL);
-- create index "officialnamekey_key_overlap_unit_id_official_id" to table: "official_name_keys"
CREATE INDEX `officialnamekey_key_overlap_unit_id_official_id` ON `official_name_keys` (`key`, `overlap`, `unit_id`, `official_id`);
-- create index "officialnamekey_official_id" to table: "official_name_keys"
CREATE INDEX `officialnamekey_official_id` ON `official_name_keys` (`official_id`);

-- +goose Down
-- reverse: create index "officialnamekey_official_id" to table: "official_name_keys"
DROP INDEX `officialnamekey_official_id`;
-- reverse: create index "officialnamekey_key_overlap_unit_id_official_id" to table: "official_name_keys"
DROP INDEX `officialnamekey_key_overlap_unit_id_official_id`;
-- reverse: create "official_name_keys" table
DROP TABLE `official_name_keys`;
