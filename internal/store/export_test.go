package store

// RefoldNames is the search-form backfill migration, for the test that runs it on old rows.
var RefoldNames = refoldNames

// UTCTimes is the migration that rewrites SQLite times in UTC.
var UTCTimes = utcTimes
