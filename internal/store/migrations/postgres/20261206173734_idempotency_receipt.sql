-- +goose Up
-- modify "idempotency_keys" table
ALTER TABLE "idempotency_keys" ADD COLUMN "result_receipt" text NULL;

-- +goose Down
-- reverse: modify "idempotency_keys" table
ALTER TABLE "idempotency_keys" DROP COLUMN "result_receipt";
