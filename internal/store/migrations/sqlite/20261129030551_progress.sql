-- +goose Up
-- create "progress_clocks" table
CREATE TABLE `progress_clocks` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `name` text NOT NULL, `as_of` text NOT NULL);
-- create index "progress_clocks_name_key" to table: "progress_clocks"
CREATE UNIQUE INDEX `progress_clocks_name_key` ON `progress_clocks` (`name`);
-- create "progress_counters" table
CREATE TABLE `progress_counters` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `scope` text NOT NULL, `year` integer NOT NULL, `key` text NOT NULL, `shard` integer NOT NULL, `value` integer NOT NULL);
-- create index "progresscounter_scope_year_key_shard" to table: "progress_counters"
CREATE UNIQUE INDEX `progresscounter_scope_year_key_shard` ON `progress_counters` (`scope`, `year`, `key`, `shard`);
-- create "reviews" table
CREATE TABLE `reviews` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `scope_kind` text NOT NULL, `scope_id` text NULL, `scope_name` text NOT NULL, `year` integer NOT NULL, `version` integer NOT NULL, `reason` text NULL, `closed_at` datetime NOT NULL, `figures` blob NOT NULL, `unit_id` text NULL, `district_id` text NULL, `province_id` text NULL, `account_closed_reviews` text NULL, PRIMARY KEY (`id`), CONSTRAINT `reviews_accounts_closed_reviews` FOREIGN KEY (`account_closed_reviews`) REFERENCES `accounts` (`id`) ON DELETE SET NULL);
-- create index "review_scope_kind_scope_id_year_version" to table: "reviews"
CREATE UNIQUE INDEX `review_scope_kind_scope_id_year_version` ON `reviews` (`scope_kind`, `scope_id`, `year`, `version`);
-- create index "review_year" to table: "reviews"
CREATE INDEX `review_year` ON `reviews` (`year`);
-- create index "review_scope_kind" to table: "reviews"
CREATE INDEX `review_scope_kind` ON `reviews` (`scope_kind`);
-- create index "review_closed_at" to table: "reviews"
CREATE INDEX `review_closed_at` ON `reviews` (`closed_at`);
-- create index "review_unit_id" to table: "reviews"
CREATE INDEX `review_unit_id` ON `reviews` (`unit_id`);
-- create index "review_district_id" to table: "reviews"
CREATE INDEX `review_district_id` ON `reviews` (`district_id`);
-- create index "review_province_id" to table: "reviews"
CREATE INDEX `review_province_id` ON `reviews` (`province_id`);
-- create index "review_account_closed_reviews" to table: "reviews"
CREATE INDEX `review_account_closed_reviews` ON `reviews` (`account_closed_reviews`);

-- +goose Down
-- reverse: create index "review_account_closed_reviews" to table: "reviews"
DROP INDEX `review_account_closed_reviews`;
-- reverse: create index "review_province_id" to table: "reviews"
DROP INDEX `review_province_id`;
-- reverse: create index "review_district_id" to table: "reviews"
DROP INDEX `review_district_id`;
-- reverse: create index "review_unit_id" to table: "reviews"
DROP INDEX `review_unit_id`;
-- reverse: create index "review_closed_at" to table: "reviews"
DROP INDEX `review_closed_at`;
-- reverse: create index "review_scope_kind" to table: "reviews"
DROP INDEX `review_scope_kind`;
-- reverse: create index "review_year" to table: "reviews"
DROP INDEX `review_year`;
-- reverse: create index "review_scope_kind_scope_id_year_version" to table: "reviews"
DROP INDEX `review_scope_kind_scope_id_year_version`;
-- reverse: create "reviews" table
DROP TABLE `reviews`;
-- reverse: create index "progresscounter_scope_year_key_shard" to table: "progress_counters"
DROP INDEX `progresscounter_scope_year_key_shard`;
-- reverse: create "progress_counters" table
DROP TABLE `progress_counters`;
-- reverse: create index "progress_clocks_name_key" to table: "progress_clocks"
DROP INDEX `progress_clocks_name_key`;
-- reverse: create "progress_clocks" table
DROP TABLE `progress_clocks`;
