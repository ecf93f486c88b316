package script

import (
	"context"
	"fmt"
	"testing"
)

func TestScratchDbg(t *testing.T) {
	p := mustCompile(t, hostProbe)
	v, err := NewInProcess().Validate(context.Background(), p, Write{Key: "k"}, Context{}, nil)
	fmt.Println(v, err)
}
