-- +goose Up
-- Anonymous idempotency keys are now stored hashed, with the kept secret sealed under a key derived
-- from the idempotency key (issue 10): drop the rows kept the old way (plain key, secret sealed under
-- the server's key). No retry reaches them any more: a retry now looks its key up by a hash.
DELETE FROM "idempotency_keys" WHERE "owner" = 'citizen';

-- +goose Down
SELECT 1;
