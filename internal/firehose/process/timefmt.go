package process

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Pattern is a compiled java.time.format.DateTimeFormatter pattern, the
// form Firehose uses in !{timestamp:...} expressions (yyyy/MM/dd/HH). The
// supported letters are G y u M L d D H k h K m s S a E e z Z X x;
// text in single quotes is literal (” is a quote), and other
// non-letters are copied.
type Pattern struct {
	parts []patternPart
}

type patternPart struct {
	letter byte   // 0 for literal text
	count  int    // repetitions of letter
	text   string // literal text
}

// CompilePattern parses a Java date-time pattern.
func CompilePattern(s string) (*Pattern, error) {
	p := &Pattern{}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\'':
			j := i + 1
			var lit []byte
			for {
				if j >= len(s) {
					return nil, fmt.Errorf("unterminated quote in timestamp pattern %q", s)
				}
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						lit = append(lit, '\'')
						j += 2
						continue
					}
					break
				}
				lit = append(lit, s[j])
				j++
			}
			if j == i+1 { // '' is a literal quote
				lit = []byte{'\''}
			}
			p.parts = append(p.parts, patternPart{text: string(lit)})
			i = j + 1
		case isASCIILetter(c):
			j := i
			for j < len(s) && s[j] == c {
				j++
			}
			if !knownLetter(c) {
				return nil, fmt.Errorf("unknown pattern letter %q in timestamp pattern %q", c, s)
			}
			p.parts = append(p.parts, patternPart{letter: c, count: j - i})
			i = j
		default:
			j := i
			for j < len(s) && s[j] != '\'' && !isASCIILetter(s[j]) {
				j++
			}
			p.parts = append(p.parts, patternPart{text: s[i:j]})
			i = j
		}
	}
	return p, nil
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func knownLetter(c byte) bool {
	switch c {
	case 'G', 'y', 'u', 'M', 'L', 'd', 'D', 'H', 'k', 'h', 'K', 'm', 's', 'S', 'a', 'E', 'e', 'z', 'Z', 'X', 'x':
		return true
	}
	return false
}

// Append appends t (converted to UTC) formatted by the pattern to b.
func (p *Pattern) Append(b []byte, t time.Time) []byte {
	t = t.UTC()
	for _, part := range p.parts {
		if part.letter == 0 {
			b = append(b, part.text...)
			continue
		}
		n := part.count
		switch part.letter {
		case 'G':
			b = append(b, "AD"...)
		case 'y', 'u':
			if n == 2 {
				b = appendPadded(b, t.Year()%100, 2)
			} else {
				b = appendPadded(b, t.Year(), n)
			}
		case 'M', 'L':
			switch {
			case n >= 4:
				b = append(b, t.Month().String()...)
			case n == 3:
				b = append(b, t.Month().String()[:3]...)
			default:
				b = appendPadded(b, int(t.Month()), n)
			}
		case 'd':
			b = appendPadded(b, t.Day(), n)
		case 'D':
			b = appendPadded(b, t.YearDay(), n)
		case 'H':
			b = appendPadded(b, t.Hour(), n)
		case 'k':
			h := t.Hour()
			if h == 0 {
				h = 24
			}
			b = appendPadded(b, h, n)
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			b = appendPadded(b, h, n)
		case 'K':
			b = appendPadded(b, t.Hour()%12, n)
		case 'm':
			b = appendPadded(b, t.Minute(), n)
		case 's':
			b = appendPadded(b, t.Second(), n)
		case 'S':
			frac := fmt.Sprintf("%09d", t.Nanosecond())
			for i := 0; i < n; i++ {
				if i < len(frac) {
					b = append(b, frac[i])
				} else {
					b = append(b, '0')
				}
			}
		case 'a':
			if t.Hour() < 12 {
				b = append(b, "AM"...)
			} else {
				b = append(b, "PM"...)
			}
		case 'E':
			if n >= 4 {
				b = append(b, t.Weekday().String()...)
			} else {
				b = append(b, t.Weekday().String()[:3]...)
			}
		case 'e':
			wd := int(t.Weekday())
			if wd == 0 {
				wd = 7
			}
			b = appendPadded(b, wd, n)
		case 'z':
			b = append(b, "UTC"...)
		case 'Z':
			b = append(b, "+0000"...)
		case 'X':
			b = append(b, 'Z')
		case 'x':
			if n == 1 {
				b = append(b, "+00"...)
			} else if n == 3 || n == 5 {
				b = append(b, "+00:00"...)
			} else {
				b = append(b, "+0000"...)
			}
		}
	}
	return b
}

// Format returns t formatted by the pattern.
func (p *Pattern) Format(t time.Time) string { return string(p.Append(nil, t)) }

func appendPadded(b []byte, v, width int) []byte {
	s := strconv.Itoa(v)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// GoLayout returns a time.Parse layout equivalent to the pattern, for
// parsing. Fractions of seconds (S) must follow a '.' or ',' literal.
func (p *Pattern) GoLayout() (string, error) {
	var b []byte
	for _, part := range p.parts {
		if part.letter == 0 {
			b = append(b, part.text...)
			continue
		}
		n := part.count
		var tok string
		switch part.letter {
		case 'y', 'u':
			tok = "2006"
			if n == 2 {
				tok = "06"
			}
		case 'M', 'L':
			switch {
			case n >= 4:
				tok = "January"
			case n == 3:
				tok = "Jan"
			case n == 2:
				tok = "01"
			default:
				tok = "1"
			}
		case 'd':
			tok = "02"
			if n == 1 {
				tok = "2"
			}
		case 'D':
			tok = "002"
		case 'H', 'k':
			tok = "15"
		case 'h', 'K':
			tok = "03"
			if n == 1 {
				tok = "3"
			}
		case 'm':
			tok = "04"
			if n == 1 {
				tok = "4"
			}
		case 's':
			tok = "05"
			if n == 1 {
				tok = "5"
			}
		case 'S':
			if len(b) == 0 || (b[len(b)-1] != '.' && b[len(b)-1] != ',') {
				return "", fmt.Errorf("fraction of second must follow '.' or ','")
			}
			tok = strings.Repeat("0", n)
		case 'a':
			tok = "PM"
		case 'E':
			tok = "Mon"
			if n >= 4 {
				tok = "Monday"
			}
		case 'z':
			tok = "MST"
		case 'Z':
			tok = "-0700"
		case 'X':
			tok = "Z07:00"
			if n == 1 || n == 2 || n == 4 {
				tok = "Z0700"
			}
		case 'x':
			tok = "-07:00"
			if n == 1 || n == 2 || n == 4 {
				tok = "-0700"
			}
		default:
			return "", fmt.Errorf("pattern letter %q cannot be parsed", part.letter)
		}
		b = append(b, tok...)
	}
	return string(b), nil
}
