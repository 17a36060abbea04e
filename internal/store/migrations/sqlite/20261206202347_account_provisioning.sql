-- +goose Up
-- create "account_provisionings" table
CREATE TABLE `account_provisionings` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `scope_kind` text NOT NULL, `scope_id` text NOT NULL, `province_id` text NOT NULL, `district_id` text NULL, `unit_id` text NULL, `send` bool NOT NULL, `status` text NOT NULL DEFAULT ('QUEUED'), `requested_by` text NULL, `officials` integer NOT NULL DEFAULT (0), `units` integer NOT NULL DEFAULT (0), `units_done` integer NOT NULL DEFAULT (0), `created` integer NOT NULL DEFAULT (0), `skipped` integer NOT NULL DEFAULT (0), `sent` integer NOT NULL DEFAULT (0), `sheet_count` integer NOT NULL DEFAULT (0), `cursor` text NULL, `skipped_list` blob NULL, `failure` text NULL, `started_at` datetime NULL, `finished_at` datetime NULL, PRIMARY KEY (`id`));
-- create index "accountprovisioning_province_id_status" to table: "account_provisionings"
CREATE INDEX `accountprovisioning_province_id_status` ON `account_provisionings` (`province_id`, `status`);
-- create index "accountprovisioning_status" to table: "account_provisionings"
CREATE INDEX `accountprovisioning_status` ON `account_provisionings` (`status`);

-- +goose Down
-- reverse: create index "accountprovisioning_status" to table: "account_provisionings"
DROP INDEX `accountprovisioning_status`;
-- reverse: create index "accountprovisioning_province_id_status" to table: "account_provisionings"
DROP INDEX `accountprovisioning_province_id_status`;
-- reverse: create "account_provisionings" table
DROP TABLE `account_provisionings`;
