package namesearch

// SetBackfillPage sets how many officials Backfill reads at a time, for a test of its paging.
func SetBackfillPage(n int) { backfillPage = n }
