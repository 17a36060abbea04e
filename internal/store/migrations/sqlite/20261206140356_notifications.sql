-- +goose Up
-- create "devices" table
CREATE TABLE `devices` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `platform` text NOT NULL, `token` text NOT NULL, `locale` text NOT NULL DEFAULT ('vi'), `owner` text NOT NULL, `account_id` text NULL, `case_id` text NULL, `last_seen_at` datetime NOT NULL, PRIMARY KEY (`id`));
-- create index "device_token_owner" to table: "devices"
CREATE UNIQUE INDEX `device_token_owner` ON `devices` (`token`, `owner`);
-- create index "device_account_id" to table: "devices"
CREATE INDEX `device_account_id` ON `devices` (`account_id`);
-- create index "device_case_id" to table: "devices"
CREATE INDEX `device_case_id` ON `devices` (`case_id`);
-- create "notifications" table
CREATE TABLE `notifications` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `account_id` text NULL, `case_id` text NULL, `kind` text NOT NULL, `subject_id` text NULL, `params` json NULL, `dedupe_key` text NOT NULL, `read_at` datetime NULL, `pushed_at` datetime NULL, PRIMARY KEY (`id`));
-- create index "notifications_dedupe_key_key" to table: "notifications"
CREATE UNIQUE INDEX `notifications_dedupe_key_key` ON `notifications` (`dedupe_key`);
-- create index "notification_account_id_id" to table: "notifications"
CREATE INDEX `notification_account_id_id` ON `notifications` (`account_id`, `id`);
-- create index "notification_case_id" to table: "notifications"
CREATE INDEX `notification_case_id` ON `notifications` (`case_id`);
-- create index "notification_created_at" to table: "notifications"
CREATE INDEX `notification_created_at` ON `notifications` (`created_at`);
-- create "notification_settings" table
CREATE TABLE `notification_settings` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `account_id` text NOT NULL, `muted_kinds` json NULL, `quiet_hours` bool NOT NULL DEFAULT (true), `quiet_start` integer NOT NULL DEFAULT (1260), `quiet_end` integer NOT NULL DEFAULT (420), PRIMARY KEY (`id`));
-- create index "notification_settings_account_id_key" to table: "notification_settings"
CREATE UNIQUE INDEX `notification_settings_account_id_key` ON `notification_settings` (`account_id`);

-- +goose Down
-- reverse: create index "notification_settings_account_id_key" to table: "notification_settings"
DROP INDEX `notification_settings_account_id_key`;
-- reverse: create "notification_settings" table
DROP TABLE `notification_settings`;
-- reverse: create index "notification_created_at" to table: "notifications"
DROP INDEX `notification_created_at`;
-- reverse: create index "notification_case_id" to table: "notifications"
DROP INDEX `notification_case_id`;
-- reverse: create index "notification_account_id_id" to table: "notifications"
DROP INDEX `notification_account_id_id`;
-- reverse: create index "notifications_dedupe_key_key" to table: "notifications"
DROP INDEX `notifications_dedupe_key_key`;
-- reverse: create "notifications" table
DROP TABLE `notifications`;
-- reverse: create index "device_case_id" to table: "devices"
DROP INDEX `device_case_id`;
-- reverse: create index "device_account_id" to table: "devices"
DROP INDEX `device_account_id`;
-- reverse: create index "device_token_owner" to table: "devices"
DROP INDEX `device_token_owner`;
-- reverse: create "devices" table
DROP TABLE `devices`;
