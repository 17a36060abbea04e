-- +goose Up
-- modify "cases" table
ALTER TABLE "cases" ADD COLUMN "public_note" text NULL;
-- create "partner_keys" table
CREATE TABLE "partner_keys" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "partner" character varying NOT NULL, "key_hash" character varying NOT NULL, "issued_by" character varying NOT NULL, "revoked_at" timestamptz NULL, PRIMARY KEY ("id"));
-- create index "partner_keys_key_hash_key" to table: "partner_keys"
CREATE UNIQUE INDEX "partner_keys_key_hash_key" ON "partner_keys" ("key_hash");

-- +goose Down
-- reverse: create index "partner_keys_key_hash_key" to table: "partner_keys"
DROP INDEX "partner_keys_key_hash_key";
-- reverse: create "partner_keys" table
DROP TABLE "partner_keys";
-- reverse: modify "cases" table
ALTER TABLE "cases" DROP COLUMN "public_note";
