package testutil

import "time"

// RatioMinTime is how long each side of a benchmark that reports a ratio
// measures at least, whatever b.N is: `make bench` runs with -benchtime 2x
// (the sync benchmarks take seconds an op), which left the quick ones at a
// few milliseconds and their ratios at the mercy of one scheduler hiccup.
const RatioMinTime = time.Second

// More reports whether a ratio benchmark should run another op: it has run
// done of the n b.N asks for and measured spent so far. It stops at n ops
// once RatioMinTime is measured.
func More(done, n int, spent time.Duration) bool {
	return done < n || spent < RatioMinTime
}
