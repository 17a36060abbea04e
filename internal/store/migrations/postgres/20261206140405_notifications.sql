-- +goose Up
-- create "devices" table
CREATE TABLE "devices" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "platform" character varying NOT NULL, "token" character varying NOT NULL, "locale" character varying NOT NULL DEFAULT 'vi', "owner" character varying NOT NULL, "account_id" character varying NULL, "case_id" character varying NULL, "last_seen_at" timestamptz NOT NULL, PRIMARY KEY ("id"));
-- create index "device_account_id" to table: "devices"
CREATE INDEX "device_account_id" ON "devices" ("account_id");
-- create index "device_case_id" to table: "devices"
CREATE INDEX "device_case_id" ON "devices" ("case_id");
-- create index "device_token_owner" to table: "devices"
CREATE UNIQUE INDEX "device_token_owner" ON "devices" ("token", "owner");
-- create "notifications" table
CREATE TABLE "notifications" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "account_id" character varying NULL, "case_id" character varying NULL, "kind" character varying NOT NULL, "subject_id" character varying NULL, "params" jsonb NULL, "dedupe_key" character varying NOT NULL, "read_at" timestamptz NULL, "pushed_at" timestamptz NULL, PRIMARY KEY ("id"));
-- create index "notification_account_id_id" to table: "notifications"
CREATE INDEX "notification_account_id_id" ON "notifications" ("account_id", "id");
-- create index "notification_case_id" to table: "notifications"
CREATE INDEX "notification_case_id" ON "notifications" ("case_id");
-- create index "notification_created_at" to table: "notifications"
CREATE INDEX "notification_created_at" ON "notifications" ("created_at");
-- create index "notifications_dedupe_key_key" to table: "notifications"
CREATE UNIQUE INDEX "notifications_dedupe_key_key" ON "notifications" ("dedupe_key");
-- create "notification_settings" table
CREATE TABLE "notification_settings" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "account_id" character varying NOT NULL, "muted_kinds" jsonb NULL, "quiet_hours" boolean NOT NULL DEFAULT true, "quiet_start" bigint NOT NULL DEFAULT 1260, "quiet_end" bigint NOT NULL DEFAULT 420, PRIMARY KEY ("id"));
-- create index "notification_settings_account_id_key" to table: "notification_settings"
CREATE UNIQUE INDEX "notification_settings_account_id_key" ON "notification_settings" ("account_id");

-- +goose Down
-- reverse: create index "notification_settings_account_id_key" to table: "notification_settings"
DROP INDEX "notification_settings_account_id_key";
-- reverse: create "notification_settings" table
DROP TABLE "notification_settings";
-- reverse: create index "notifications_dedupe_key_key" to table: "notifications"
DROP INDEX "notifications_dedupe_key_key";
-- reverse: create index "notification_created_at" to table: "notifications"
DROP INDEX "notification_created_at";
-- reverse: create index "notification_case_id" to table: "notifications"
DROP INDEX "notification_case_id";
-- reverse: create index "notification_account_id_id" to table: "notifications"
DROP INDEX "notification_account_id_id";
-- reverse: create "notifications" table
DROP TABLE "notifications";
-- reverse: create index "device_token_owner" to table: "devices"
DROP INDEX "device_token_owner";
-- reverse: create index "device_case_id" to table: "devices"
DROP INDEX "device_case_id";
-- reverse: create index "device_account_id" to table: "devices"
DROP INDEX "device_account_id";
-- reverse: create "devices" table
DROP TABLE "devices";
