-- +goose Up
-- modify "officials" table
ALTER TABLE "officials" ADD COLUMN "contact_phone" character varying NULL, ADD COLUMN "contact_email" character varying NULL;

-- +goose Down
-- reverse: modify "officials" table
ALTER TABLE "officials" DROP COLUMN "contact_email", DROP COLUMN "contact_phone";
