-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_activation_sheets" table
CREATE TABLE `new_activation_sheets` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `unit_id` text NOT NULL, `accounts` integer NOT NULL, `sealed` blob NULL, `expires_at` datetime NOT NULL, `downloaded_at` datetime NULL, `downloaded_by` text NULL, `issued_by` text NULL, `provisioning_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `activation_sheets_account_provisionings_sheets` FOREIGN KEY (`provisioning_id`) REFERENCES `account_provisionings` (`id`) ON DELETE SET NULL);
-- copy rows from old table "activation_sheets" to new temporary table "new_activation_sheets"
INSERT INTO `new_activation_sheets` (`id`, `created_at`, `updated_at`, `unit_id`, `accounts`, `sealed`, `expires_at`, `downloaded_at`, `downloaded_by`, `issued_by`) SELECT `id`, `created_at`, `updated_at`, `unit_id`, `accounts`, `sealed`, `expires_at`, `downloaded_at`, `downloaded_by`, `issued_by` FROM `activation_sheets`;
-- drop "activation_sheets" table after copying rows
DROP TABLE `activation_sheets`;
-- rename temporary table "new_activation_sheets" to "activation_sheets"
ALTER TABLE `new_activation_sheets` RENAME TO `activation_sheets`;
-- create index "activationsheet_unit_id_id" to table: "activation_sheets"
CREATE INDEX `activationsheet_unit_id_id` ON `activation_sheets` (`unit_id`, `id`);
-- create index "activationsheet_provisioning_id" to table: "activation_sheets"
CREATE INDEX `activationsheet_provisioning_id` ON `activation_sheets` (`provisioning_id`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "activationsheet_provisioning_id" to table: "activation_sheets"
DROP INDEX `activationsheet_provisioning_id`;
-- reverse: create index "activationsheet_unit_id_id" to table: "activation_sheets"
DROP INDEX `activationsheet_unit_id_id`;
-- reverse: create "new_activation_sheets" table
DROP TABLE `new_activation_sheets`;
