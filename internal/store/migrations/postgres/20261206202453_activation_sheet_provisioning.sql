-- +goose Up
-- modify "activation_sheets" table
ALTER TABLE "activation_sheets" ADD COLUMN "provisioning_id" character varying NULL, ADD CONSTRAINT "activation_sheets_account_provisionings_sheets" FOREIGN KEY ("provisioning_id") REFERENCES "account_provisionings" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
-- create index "activationsheet_provisioning_id" to table: "activation_sheets"
CREATE INDEX "activationsheet_provisioning_id" ON "activation_sheets" ("provisioning_id");

-- +goose Down
-- reverse: create index "activationsheet_provisioning_id" to table: "activation_sheets"
DROP INDEX "activationsheet_provisioning_id";
-- reverse: modify "activation_sheets" table
ALTER TABLE "activation_sheets" DROP CONSTRAINT "activation_sheets_account_provisionings_sheets", DROP COLUMN "provisioning_id";
