package exec

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/eddy-streaming/eddy/internal/sql/functions"
	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// compileLike translates a LIKE or SIMILAR TO pattern to an anchored
// regular expression.
func compileLike(pattern string, escape value.Value, similar bool) (*regexp.Regexp, error) {
	esc := rune(-1)
	if !escape.IsNull() {
		es := escape.String()
		if len([]rune(es)) != 1 {
			return nil, fmt.Errorf("ESCAPE must be one character, got %q", es)
		}
		esc = []rune(es)[0]
	}
	var b strings.Builder
	b.WriteString("(?s)^(?:")
	runes := []rune(pattern)
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		if r == esc {
			if i+1 >= len(runes) {
				return nil, fmt.Errorf("pattern %q ends with the escape character", pattern)
			}
			i++
			b.WriteString(regexp.QuoteMeta(string(runes[i])))
			continue
		}
		switch {
		case r == '%':
			b.WriteString(".*")
		case r == '_':
			b.WriteString(".")
		case similar && strings.ContainsRune("[]|*+?{}()", r):
			b.WriteRune(r)
		case similar && r == '^' && i > 0 && runes[i-1] == '[':
			b.WriteRune(r)
		case similar && r == '-':
			b.WriteRune(r)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(")$")
	return functions.CompileRegex(b.String())
}
