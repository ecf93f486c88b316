package script

import (
	"context"
	"os"
	"testing"
)

func TestScratchProf(t *testing.T) {
	src := os.Getenv("JS")
	if src == "" {
		t.Skip()
	}
	p, err := Compile([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	r := NewInProcess()
	v, err := r.Validate(context.Background(), p, Write{Key: "a"}, Context{}, nil)
	t.Logf("%+v %v", v, err)
}
