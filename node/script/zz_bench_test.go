package script

import "testing"

func BenchmarkNewSandbox(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := newSandbox(); err != nil {
			b.Fatal(err)
		}
	}
}
