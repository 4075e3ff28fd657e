package value

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

const msPerDay = 86400000

// ToTime converts epoch milliseconds to a UTC time.Time.
func ToTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// FormatTimestamp prints "2006-01-02 15:04:05.000".
func FormatTimestamp(ms int64) string { return ToTime(ms).Format("2006-01-02 15:04:05.000") }

// FormatDate prints "2006-01-02".
func FormatDate(ms int64) string { return ToTime(ms).Format("2006-01-02") }

// FormatTime prints "15:04:05" (with milliseconds when not zero).
func FormatTime(ms int64) string {
	t := ToTime(ms)
	if ms%1000 != 0 {
		return t.Format("15:04:05.000")
	}
	return t.Format("15:04:05")
}

// FormatIntervalDT prints a day-time interval as "[-]d hh:mm:ss.SSS".
func FormatIntervalDT(ms int64) string {
	sign := ""
	if ms < 0 {
		sign, ms = "-", -ms
	}
	d := ms / msPerDay
	ms %= msPerDay
	return fmt.Sprintf("%s%d %02d:%02d:%02d.%03d", sign, d, ms/3600000, ms/60000%60, ms/1000%60, ms%1000)
}

var timestampLayouts = []string{
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// ParseTimestamp parses the timestamp forms KDA accepts in data and
// literals: "1992-02-14", "1992-02-14 18:35:44.0", ISO-8601 with a "T",
// an optional zone, and up to nanosecond fractions (truncated to ms).
func ParseTimestamp(s string) (int64, error) {
	s = strings.TrimSpace(s)
	for _, layout := range timestampLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixMilli(), nil
		}
	}
	return 0, fmt.Errorf("cannot parse %q as TIMESTAMP", s)
}

// ParseDate parses "yyyy-MM-dd" (a timestamp is truncated to its date).
func ParseDate(s string) (int64, error) {
	ms, err := ParseTimestamp(s)
	if err != nil {
		return 0, fmt.Errorf("cannot parse %q as DATE", s)
	}
	return floorDiv(ms, msPerDay) * msPerDay, nil
}

// ParseTime parses "HH:mm:ss[.SSS]".
func ParseTime(s string) (int64, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"15:04:05.999999999", "15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return int64(t.Hour())*3600000 + int64(t.Minute())*60000 + int64(t.Second())*1000 + int64(t.Nanosecond()/1e6), nil
		}
	}
	return 0, fmt.Errorf("cannot parse %q as TIME", s)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// FloorDiv is integer division rounding towards negative infinity.
func FloorDiv(a, b int64) int64 { return floorDiv(a, b) }

// Java SimpleDateFormat-style patterns (TIMESTAMP_TO_CHAR, CHAR_TO_TIMESTAMP).

type patItem struct {
	letter byte // 0 for a literal
	count  int
	lit    string
}

// Pattern is a compiled Java-style date-time pattern.
type Pattern struct {
	items []patItem
}

const patternLetters = "GyYMLdHhkKmsSEaDFwWuzZX"

// CompilePattern compiles a Java SimpleDateFormat pattern such as
// "yyyy-MM-dd'T'HH:mm:ss.SSS". Letters outside Java's set are an error.
func CompilePattern(p string) (*Pattern, error) {
	var items []patItem
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\'':
			j := i + 1
			var lit strings.Builder
			for {
				if j >= len(p) {
					return nil, fmt.Errorf("unterminated quote in pattern %q", p)
				}
				if p[j] == '\'' {
					if j+1 < len(p) && p[j+1] == '\'' {
						lit.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				lit.WriteByte(p[j])
				j++
			}
			if j == i+1 {
				lit.WriteByte('\'')
			}
			items = append(items, patItem{lit: lit.String()})
			i = j + 1
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			if !strings.ContainsRune(patternLetters, rune(c)) {
				return nil, fmt.Errorf("illegal pattern character '%c' in %q", c, p)
			}
			j := i
			for j < len(p) && p[j] == c {
				j++
			}
			items = append(items, patItem{letter: c, count: j - i})
			i = j
		default:
			items = append(items, patItem{lit: string(c)})
			i++
		}
	}
	return &Pattern{items: items}, nil
}

func pad(n int64, width int) string {
	s := strconv.FormatInt(n, 10)
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	return s
}

// Format renders epoch milliseconds (UTC) with the pattern.
func (p *Pattern) Format(ms int64) string {
	t := ToTime(ms)
	var b strings.Builder
	for _, it := range p.items {
		if it.letter == 0 {
			b.WriteString(it.lit)
			continue
		}
		n := it.count
		switch it.letter {
		case 'G':
			if t.Year() > 0 {
				b.WriteString("AD")
			} else {
				b.WriteString("BC")
			}
		case 'y', 'Y', 'u':
			if it.letter == 'u' {
				b.WriteString(strconv.Itoa(int(t.Weekday()+6)%7 + 1))
				continue
			}
			if n == 2 {
				b.WriteString(pad(int64(t.Year()%100), 2))
			} else {
				b.WriteString(pad(int64(t.Year()), n))
			}
		case 'M', 'L':
			switch {
			case n >= 4:
				b.WriteString(t.Month().String())
			case n == 3:
				b.WriteString(t.Month().String()[:3])
			default:
				b.WriteString(pad(int64(t.Month()), n))
			}
		case 'd':
			b.WriteString(pad(int64(t.Day()), n))
		case 'D':
			b.WriteString(pad(int64(t.YearDay()), n))
		case 'H':
			b.WriteString(pad(int64(t.Hour()), n))
		case 'k':
			h := t.Hour()
			if h == 0 {
				h = 24
			}
			b.WriteString(pad(int64(h), n))
		case 'K':
			b.WriteString(pad(int64(t.Hour()%12), n))
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			b.WriteString(pad(int64(h), n))
		case 'm':
			b.WriteString(pad(int64(t.Minute()), n))
		case 's':
			b.WriteString(pad(int64(t.Second()), n))
		case 'S':
			msec := int64(t.Nanosecond() / 1e6)
			b.WriteString(pad(msec, n))
		case 'E':
			if n >= 4 {
				b.WriteString(t.Weekday().String())
			} else {
				b.WriteString(t.Weekday().String()[:3])
			}
		case 'a':
			if t.Hour() < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
		case 'F':
			b.WriteString(pad(int64((t.Day()-1)/7+1), n))
		case 'w':
			_, wk := t.ISOWeek()
			b.WriteString(pad(int64(wk), n))
		case 'W':
			b.WriteString(pad(int64((t.Day()-1+int(t.AddDate(0, 0, 1-t.Day()).Weekday()))/7+1), n))
		case 'z':
			b.WriteString("UTC")
		case 'Z':
			b.WriteString("+0000")
		case 'X':
			b.WriteString("Z")
		}
	}
	return b.String()
}

// Parse parses s with the pattern into epoch milliseconds (UTC).
func (p *Pattern) Parse(s string) (int64, error) {
	year, month, day, hour, minute, sec, msec := 1970, 1, 1, 0, 0, 0, 0
	pm, hasAmPm, h12 := false, false, false
	offset := 0
	i := 0
	fail := func() (int64, error) { return 0, fmt.Errorf("cannot parse %q with the pattern", s) }
	for k, it := range p.items {
		if it.letter == 0 {
			if !strings.HasPrefix(s[i:], it.lit) {
				return fail()
			}
			i += len(it.lit)
			continue
		}
		// Adjacent numeric fields ("yyyyMMdd") take exactly their width.
		maxWidth := 0
		if k+1 < len(p.items) && p.items[k+1].letter != 0 {
			maxWidth = it.count
		}
		readNum := func() (int, bool) {
			j := i
			if j < len(s) && (s[j] == '-' || s[j] == '+') && it.letter == 'y' {
				j++
			}
			for j < len(s) && s[j] >= '0' && s[j] <= '9' && (maxWidth == 0 || j-i < maxWidth) {
				j++
			}
			if j == i {
				return 0, false
			}
			n, err := strconv.Atoi(s[i:j])
			if err != nil {
				return 0, false
			}
			i = j
			return n, true
		}
		readName := func(names []string) (int, bool) {
			for idx, name := range names {
				cands := []string{name}
				if len(name) > 3 {
					cands = append(cands, name[:3])
				}
				for _, cand := range cands {
					if len(s)-i >= len(cand) && strings.EqualFold(s[i:i+len(cand)], cand) {
						i += len(cand)
						return idx, true
					}
				}
			}
			return 0, false
		}
		var ok bool
		switch it.letter {
		case 'y', 'Y', 'u':
			start := i
			year, ok = readNum()
			if ok && it.count == 2 && i-start == 2 {
				year += 2000
				if year > time.Now().Year()+20 {
					year -= 100
				}
			}
		case 'M', 'L':
			if it.count >= 3 {
				var idx int
				idx, ok = readName(monthNames)
				month = idx + 1
			} else {
				month, ok = readNum()
			}
		case 'd':
			day, ok = readNum()
		case 'D', 'F', 'w', 'W':
			_, ok = readNum()
		case 'H', 'k':
			hour, ok = readNum()
			if it.letter == 'k' && hour == 24 {
				hour = 0
			}
		case 'h', 'K':
			hour, ok = readNum()
			h12 = true
		case 'm':
			minute, ok = readNum()
		case 's':
			sec, ok = readNum()
		case 'S':
			start := i
			msec, ok = readNum()
			// Java reads S as milliseconds whatever the width; more than
			// three digits are treated as a fraction, which is what users mean.
			if ok && i-start > 3 {
				frac := s[start:i]
				msec, _ = strconv.Atoi(frac[:3])
			}
		case 'E':
			_, ok = readName(dayNames)
		case 'a':
			var idx int
			idx, ok = readName([]string{"AM", "PM"})
			hasAmPm, pm = true, idx == 1
		case 'G':
			_, ok = readName([]string{"AD", "BC"})
		case 'z', 'Z', 'X':
			ok = true
			if strings.HasPrefix(s[i:], "Z") {
				i++
			} else if strings.HasPrefix(s[i:], "UTC") || strings.HasPrefix(s[i:], "GMT") {
				i += 3
			}
			if i < len(s) && (s[i] == '+' || s[i] == '-') {
				sign := 1
				if s[i] == '-' {
					sign = -1
				}
				j := i + 1
				digits := ""
				for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == ':') {
					if s[j] != ':' {
						digits += string(s[j])
					}
					j++
				}
				if len(digits) != 2 && len(digits) != 4 {
					return fail()
				}
				hh, _ := strconv.Atoi(digits[:2])
				mm := 0
				if len(digits) == 4 {
					mm, _ = strconv.Atoi(digits[2:])
				}
				offset = sign * (hh*3600 + mm*60)
				i = j
			}
		}
		if !ok {
			return fail()
		}
	}
	if i != len(s) {
		return fail()
	}
	if h12 || hasAmPm {
		hour %= 12
		if pm {
			hour += 12
		}
	}
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 60 {
		return fail()
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, msec*1e6, time.UTC)
	if t.Day() != day {
		return fail()
	}
	return t.UnixMilli() - int64(offset)*1000, nil
}

var monthNames = []string{"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}

var dayNames = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
