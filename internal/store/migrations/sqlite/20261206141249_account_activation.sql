-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_accounts" table
CREATE TABLE `new_accounts` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `login` text NOT NULL, `password_hash` text NULL, `role` text NOT NULL, `scope_kind` text NOT NULL, `disabled` bool NOT NULL DEFAULT (false), `last_login_at` datetime NULL, `password_changed_at` datetime NULL, `token_version` integer NOT NULL DEFAULT (0), `must_change_password` bool NOT NULL DEFAULT (false), `identity_hash` text NULL, `scope_district_id` text NULL, `official_id` text NULL, `scope_province_id` text NULL, `scope_unit_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `accounts_districts_scoped_accounts` FOREIGN KEY (`scope_district_id`) REFERENCES `districts` (`id`) ON DELETE SET NULL, CONSTRAINT `accounts_officials_account` FOREIGN KEY (`official_id`) REFERENCES `officials` (`id`) ON DELETE SET NULL, CONSTRAINT `accounts_provinces_scoped_accounts` FOREIGN KEY (`scope_province_id`) REFERENCES `provinces` (`id`) ON DELETE SET NULL, CONSTRAINT `accounts_units_scoped_accounts` FOREIGN KEY (`scope_unit_id`) REFERENCES `units` (`id`) ON DELETE SET NULL);
-- copy rows from old table "accounts" to new temporary table "new_accounts"
INSERT INTO `new_accounts` (`id`, `created_at`, `updated_at`, `login`, `password_hash`, `role`, `scope_kind`, `disabled`, `last_login_at`, `password_changed_at`, `token_version`, `scope_district_id`, `official_id`, `scope_province_id`, `scope_unit_id`) SELECT `id`, `created_at`, `updated_at`, `login`, `password_hash`, `role`, `scope_kind`, `disabled`, `last_login_at`, `password_changed_at`, `token_version`, `scope_district_id`, `official_id`, `scope_province_id`, `scope_unit_id` FROM `accounts`;
-- drop "accounts" table after copying rows
DROP TABLE `accounts`;
-- rename temporary table "new_accounts" to "accounts"
ALTER TABLE `new_accounts` RENAME TO `accounts`;
-- create index "accounts_login_key" to table: "accounts"
CREATE UNIQUE INDEX `accounts_login_key` ON `accounts` (`login`);
-- create index "accounts_identity_hash_key" to table: "accounts"
CREATE UNIQUE INDEX `accounts_identity_hash_key` ON `accounts` (`identity_hash`);
-- create index "accounts_official_id_key" to table: "accounts"
CREATE UNIQUE INDEX `accounts_official_id_key` ON `accounts` (`official_id`);
-- create index "account_role" to table: "accounts"
CREATE INDEX `account_role` ON `accounts` (`role`);
-- create index "account_disabled" to table: "accounts"
CREATE INDEX `account_disabled` ON `accounts` (`disabled`);
-- create index "account_scope_kind" to table: "accounts"
CREATE INDEX `account_scope_kind` ON `accounts` (`scope_kind`);
-- create index "account_scope_unit_id" to table: "accounts"
CREATE INDEX `account_scope_unit_id` ON `accounts` (`scope_unit_id`);
-- create index "account_scope_district_id" to table: "accounts"
CREATE INDEX `account_scope_district_id` ON `accounts` (`scope_district_id`);
-- create index "account_scope_province_id" to table: "accounts"
CREATE INDEX `account_scope_province_id` ON `accounts` (`scope_province_id`);
-- create "activation_codes" table
CREATE TABLE `activation_codes` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `code_hash` text NOT NULL, `purpose` text NOT NULL, `expires_at` datetime NOT NULL, `used_at` datetime NULL, `issued_by` text NULL, `account_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `activation_codes_accounts_activation_codes` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION);
-- create index "activation_codes_code_hash_key" to table: "activation_codes"
CREATE UNIQUE INDEX `activation_codes_code_hash_key` ON `activation_codes` (`code_hash`);
-- create index "activationcode_account_id_used_at" to table: "activation_codes"
CREATE INDEX `activationcode_account_id_used_at` ON `activation_codes` (`account_id`, `used_at`);
-- create index "activationcode_expires_at" to table: "activation_codes"
CREATE INDEX `activationcode_expires_at` ON `activation_codes` (`expires_at`);
-- create "activation_sheets" table
CREATE TABLE `activation_sheets` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `unit_id` text NOT NULL, `accounts` integer NOT NULL, `sealed` blob NULL, `expires_at` datetime NOT NULL, `downloaded_at` datetime NULL, `downloaded_by` text NULL, `issued_by` text NULL, PRIMARY KEY (`id`));
-- create index "activationsheet_unit_id_id" to table: "activation_sheets"
CREATE INDEX `activationsheet_unit_id_id` ON `activation_sheets` (`unit_id`, `id`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "activationsheet_unit_id_id" to table: "activation_sheets"
DROP INDEX `activationsheet_unit_id_id`;
-- reverse: create "activation_sheets" table
DROP TABLE `activation_sheets`;
-- reverse: create index "activationcode_expires_at" to table: "activation_codes"
DROP INDEX `activationcode_expires_at`;
-- reverse: create index "activationcode_account_id_used_at" to table: "activation_codes"
DROP INDEX `activationcode_account_id_used_at`;
-- reverse: create index "activation_codes_code_hash_key" to table: "activation_codes"
DROP INDEX `activation_codes_code_hash_key`;
-- reverse: create "activation_codes" table
DROP TABLE `activation_codes`;
-- reverse: create index "account_scope_province_id" to table: "accounts"
DROP INDEX `account_scope_province_id`;
-- reverse: create index "account_scope_district_id" to table: "accounts"
DROP INDEX `account_scope_district_id`;
-- reverse: create index "account_scope_unit_id" to table: "accounts"
DROP INDEX `account_scope_unit_id`;
-- reverse: create index "account_scope_kind" to table: "accounts"
DROP INDEX `account_scope_kind`;
-- reverse: create index "account_disabled" to table: "accounts"
DROP INDEX `account_disabled`;
-- reverse: create index "account_role" to table: "accounts"
DROP INDEX `account_role`;
-- reverse: create index "accounts_official_id_key" to table: "accounts"
DROP INDEX `accounts_official_id_key`;
-- reverse: create index "accounts_identity_hash_key" to table: "accounts"
DROP INDEX `accounts_identity_hash_key`;
-- reverse: create index "accounts_login_key" to table: "accounts"
DROP INDEX `accounts_login_key`;
-- reverse: create "new_accounts" table
DROP TABLE `new_accounts`;
