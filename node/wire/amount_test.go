package wire

import (
	"errors"
	"testing"
)

func TestParseAmount(t *testing.T) {
	const max = ^uint64(0) // 184467440737.09551615 BVS
	tests := []struct {
		in      string
		want    uint64
		wantErr error
	}{
		{"0", 0, nil},
		{"1", Unit, nil},
		{"12", 12 * Unit, nil},
		{"1.5", 150_000_000, nil},
		{"1.50000000", 150_000_000, nil},
		{"0.00000001", 1, nil},
		{".5", 50_000_000, nil},
		{"007", 7 * Unit, nil},
		{"  2.25  ", 225_000_000, nil},
		{"3 BVS", 3 * Unit, nil},
		{"3BVS", 3 * Unit, nil},
		{"150000000u", 150_000_000, nil},
		{"0u", 0, nil},
		{"18446744073709551615u", max, nil},
		{"184467440737.09551615", max, nil},
		{"184467440737", 184467440737 * Unit, nil},

		{"", 0, ErrBadAmount},
		{"   ", 0, ErrBadAmount},
		{"BVS", 0, ErrBadAmount},
		{"1.", 0, ErrBadAmount},
		{".", 0, ErrBadAmount},
		{"0.000000001", 0, ErrBadAmount}, // 9 decimals
		{"1.123456789", 0, ErrBadAmount},
		{"-1", 0, ErrBadAmount},
		{"+1", 0, ErrBadAmount},
		{"1e8", 0, ErrBadAmount},
		{"1,5", 0, ErrBadAmount},
		{"1.5.0", 0, ErrBadAmount},
		{"1.-5", 0, ErrBadAmount},
		{"1.+5", 0, ErrBadAmount},
		{"0x10", 0, ErrBadAmount},
		{"1_000", 0, ErrBadAmount},
		{"1 000", 0, ErrBadAmount},
		{"1.٥", 0, ErrBadAmount}, // Arabic-Indic five
		{"abc", 0, ErrBadAmount},
		{"1.5u", 0, ErrBadAmount},
		{"u", 0, ErrBadAmount},
		{"-5u", 0, ErrBadAmount},
		{"18446744073709551616u", 0, ErrBadAmount},
		{"184467440737.09551616", 0, ErrAmountOverflow}, // max + 1 unit
		{"184467440738", 0, ErrAmountOverflow},
		{"99999999999999999999", 0, ErrBadAmount}, // does not fit uint64 before scaling
	}
	for i, tc := range tests {
		got, err := ParseAmount(tc.in)
		if tc.wantErr != nil {
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("case %d: ParseAmount(%q) = %d, %v; want %v", i, tc.in, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("case %d: ParseAmount(%q) = %d, %v; want %d", i, tc.in, got, err, tc.want)
		}
	}
}

func TestFormatAmount(t *testing.T) {
	tests := []struct {
		in   uint64
		want string
	}{
		{0, "0"},
		{1, "0.00000001"},
		{10, "0.0000001"},
		{Unit, "1"},
		{150_000_000, "1.5"},
		{123_456_789, "1.23456789"},
		{100 * Unit, "100"},
		{^uint64(0), "184467440737.09551615"},
	}
	for i, tc := range tests {
		got := FormatAmount(tc.in)
		if got != tc.want {
			t.Errorf("case %d: FormatAmount(%d) = %q, want %q", i, tc.in, got, tc.want)
		}
		back, err := ParseAmount(got)
		if err != nil || back != tc.in {
			t.Errorf("case %d: ParseAmount(FormatAmount(%d)) = %d, %v", i, tc.in, back, err)
		}
	}
}

func TestAddAmounts(t *testing.T) {
	tests := []struct {
		a, b, want uint64
		overflow   bool
	}{
		{0, 0, 0, false},
		{1, 2, 3, false},
		{^uint64(0) - 1, 1, ^uint64(0), false},
		{^uint64(0), 1, 0, true},
		{^uint64(0), ^uint64(0), 0, true},
	}
	for i, tc := range tests {
		got, err := AddAmounts(tc.a, tc.b)
		if tc.overflow != errors.Is(err, ErrAmountOverflow) || (!tc.overflow && got != tc.want) {
			t.Errorf("case %d: AddAmounts(%d, %d) = %d, %v", i, tc.a, tc.b, got, err)
		}
	}
}
