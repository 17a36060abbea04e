-- +goose Up
-- add column "result_receipt" to table: "idempotency_keys"
ALTER TABLE `idempotency_keys` ADD COLUMN `result_receipt` text NULL;

-- +goose Down
-- reverse: add column "result_receipt" to table: "idempotency_keys"
ALTER TABLE `idempotency_keys` DROP COLUMN `result_receipt`;
