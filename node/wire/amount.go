package wire

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// Unit is the number of base units in one BVS.
const Unit = 100_000_000

// AddAmounts returns a+b, or ErrAmountOverflow.
func AddAmounts(a, b uint64) (uint64, error) {
	s, carry := bits.Add64(a, b, 0)
	if carry != 0 {
		return 0, ErrAmountOverflow
	}
	return s, nil
}

// FormatAmount shows base units as BVS with up to eight decimals: 150000000 → "1.5".
func FormatAmount(v uint64) string {
	whole, frac := v/Unit, v%Unit
	if frac == 0 {
		return strconv.FormatUint(whole, 10)
	}
	f := strings.TrimRight(fmt.Sprintf("%08d", frac), "0")
	return strconv.FormatUint(whole, 10) + "." + f
}

// ParseAmount reads an amount in BVS ("1.5", "0.00000001", "12") into base
// units, or base units directly with a trailing "u" ("150000000u").
func ParseAmount(s string) (uint64, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "BVS"))
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("%w: empty", ErrBadAmount)
	}
	if strings.HasSuffix(s, "u") {
		v, err := strconv.ParseUint(strings.TrimSuffix(s, "u"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: %q is not a whole number of base units", ErrBadAmount, s)
		}
		return v, nil
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	w, err := strconv.ParseUint(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q is not a number of BVS", ErrBadAmount, s)
	}
	var f uint64
	if hasFrac {
		if len(frac) == 0 {
			return 0, fmt.Errorf("%w: %q: digits must follow the decimal point", ErrBadAmount, s)
		}
		if len(frac) > 8 {
			return 0, fmt.Errorf("%w: %q: at most 8 decimal places", ErrBadAmount, s)
		}
		for _, c := range frac {
			if c < '0' || c > '9' {
				return 0, fmt.Errorf("%w: %q is not a number of BVS", ErrBadAmount, s)
			}
		}
		f, _ = strconv.ParseUint(frac+strings.Repeat("0", 8-len(frac)), 10, 64)
	}
	hi, lo := bits.Mul64(w, Unit)
	if hi != 0 {
		return 0, fmt.Errorf("%w: %q", ErrAmountOverflow, s)
	}
	v, err := AddAmounts(lo, f)
	if err != nil {
		return 0, fmt.Errorf("%w: %q", ErrAmountOverflow, s)
	}
	return v, nil
}
