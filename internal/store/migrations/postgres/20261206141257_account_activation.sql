-- +goose Up
-- modify "accounts" table
ALTER TABLE "accounts" ALTER COLUMN "password_hash" DROP NOT NULL, ADD COLUMN "must_change_password" boolean NOT NULL DEFAULT false, ADD COLUMN "identity_hash" character varying NULL;
-- create index "accounts_identity_hash_key" to table: "accounts"
CREATE UNIQUE INDEX "accounts_identity_hash_key" ON "accounts" ("identity_hash");
-- create "activation_sheets" table
CREATE TABLE "activation_sheets" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "unit_id" character varying NOT NULL, "accounts" bigint NOT NULL, "sealed" bytea NULL, "expires_at" timestamptz NOT NULL, "downloaded_at" timestamptz NULL, "downloaded_by" character varying NULL, "issued_by" character varying NULL, PRIMARY KEY ("id"));
-- create index "activationsheet_unit_id_id" to table: "activation_sheets"
CREATE INDEX "activationsheet_unit_id_id" ON "activation_sheets" ("unit_id", "id");
-- create "activation_codes" table
CREATE TABLE "activation_codes" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "code_hash" character varying NOT NULL, "purpose" character varying NOT NULL, "expires_at" timestamptz NOT NULL, "used_at" timestamptz NULL, "issued_by" character varying NULL, "account_id" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "activation_codes_accounts_activation_codes" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- create index "activation_codes_code_hash_key" to table: "activation_codes"
CREATE UNIQUE INDEX "activation_codes_code_hash_key" ON "activation_codes" ("code_hash");
-- create index "activationcode_account_id_used_at" to table: "activation_codes"
CREATE INDEX "activationcode_account_id_used_at" ON "activation_codes" ("account_id", "used_at");
-- create index "activationcode_expires_at" to table: "activation_codes"
CREATE INDEX "activationcode_expires_at" ON "activation_codes" ("expires_at");

-- +goose Down
-- reverse: create index "activationcode_expires_at" to table: "activation_codes"
DROP INDEX "activationcode_expires_at";
-- reverse: create index "activationcode_account_id_used_at" to table: "activation_codes"
DROP INDEX "activationcode_account_id_used_at";
-- reverse: create index "activation_codes_code_hash_key" to table: "activation_codes"
DROP INDEX "activation_codes_code_hash_key";
-- reverse: create "activation_codes" table
DROP TABLE "activation_codes";
-- reverse: create index "activationsheet_unit_id_id" to table: "activation_sheets"
DROP INDEX "activationsheet_unit_id_id";
-- reverse: create "activation_sheets" table
DROP TABLE "activation_sheets";
-- reverse: create index "accounts_identity_hash_key" to table: "accounts"
DROP INDEX "accounts_identity_hash_key";
-- reverse: modify "accounts" table
ALTER TABLE "accounts" DROP COLUMN "identity_hash", DROP COLUMN "must_change_password", ALTER COLUMN "password_hash" SET NOT NULL;
