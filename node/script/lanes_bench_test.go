package script

import (
	"context"
	"sync"
	"testing"
)

// BenchmarkBlockLaneUnderAdmissionFlood measures one light block-validation
// call (ns/op) on a pool of two workers while four goroutines keep it busy
// with admission checks that burn fuel (about 25 ms each):
//
//	quiet          no flood
//	flood          blocks on ForBlocks, the flood on ForAdmission
//	flood-onelane  everything on one lane: first come, first served, as the
//	               pool was before it had lanes
//
// The ratio flood/quiet is what peers' transactions cost block validation.
func BenchmarkBlockLaneUnderAdmissionFlood(b *testing.B) {
	for _, bc := range []struct {
		name  string
		flood int
		lane  lane
	}{{"quiet", 0, laneAdmission}, {"flood", 4, laneAdmission}, {"flood-onelane", 4, laneBlocks}} {
		b.Run(bc.name, func(b *testing.B) {
			pool, err := NewPool(2)
			if err != nil {
				b.Fatal(err)
			}
			defer pool.Close()
			heavy := mustCompile(b, `function validate() { let a = []; for (let i = 0; i < 10000; i++) a = [a]; return true }`)
			light := mustCompile(b, `function validate(w) { return w.size < 100 }`)
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for range bc.flood {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := laneRunner{pool, bc.lane}
					for ctx.Err() == nil {
						_, _ = r.Validate(ctx, heavy, Write{}, Context{}, nil)
					}
				}()
			}
			blocks := pool.ForBlocks()
			b.ResetTimer()
			for range b.N {
				if v, err := blocks.Validate(context.Background(), light, Write{}, Context{}, nil); err != nil || !v.Allowed {
					b.Fatalf("%+v, %v", v, err)
				}
			}
			b.StopTimer()
			cancel()
			wg.Wait()
		})
	}
}
