-- +goose Up
-- create "account_provisionings" table
CREATE TABLE "account_provisionings" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "scope_kind" character varying NOT NULL, "scope_id" character varying NOT NULL, "province_id" character varying NOT NULL, "district_id" character varying NULL, "unit_id" character varying NULL, "send" boolean NOT NULL, "status" character varying NOT NULL DEFAULT 'QUEUED', "requested_by" character varying NULL, "officials" bigint NOT NULL DEFAULT 0, "units" bigint NOT NULL DEFAULT 0, "units_done" bigint NOT NULL DEFAULT 0, "created" bigint NOT NULL DEFAULT 0, "skipped" bigint NOT NULL DEFAULT 0, "sent" bigint NOT NULL DEFAULT 0, "sheet_count" bigint NOT NULL DEFAULT 0, "cursor" character varying NULL, "skipped_list" bytea NULL, "failure" character varying NULL, "started_at" timestamptz NULL, "finished_at" timestamptz NULL, PRIMARY KEY ("id"));
-- create index "accountprovisioning_province_id_status" to table: "account_provisionings"
CREATE INDEX "accountprovisioning_province_id_status" ON "account_provisionings" ("province_id", "status");
-- create index "accountprovisioning_status" to table: "account_provisionings"
CREATE INDEX "accountprovisioning_status" ON "account_provisionings" ("status");

-- +goose Down
-- reverse: create index "accountprovisioning_status" to table: "account_provisionings"
DROP INDEX "accountprovisioning_status";
-- reverse: create index "accountprovisioning_province_id_status" to table: "account_provisionings"
DROP INDEX "accountprovisioning_province_id_status";
-- reverse: create "account_provisionings" table
DROP TABLE "account_provisionings";
