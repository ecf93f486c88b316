//go:build !unix

package chain

import "time"

// cpuTime is not measured on this platform.
func cpuTime() time.Duration { return 0 }
