package process

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Namespaces of prefix expressions.
const (
	nsTimestamp  = "timestamp"
	nsQuery      = "partitionKeyFromQuery"
	nsLambda     = "partitionKeyFromLambda"
	nsFirehose   = "firehose"
	fhRandom     = "random-string"
	fhErrorType  = "error-output-type"
	defaultHours = "yyyy/MM/dd/HH/"
)

// RandomPlaceholder stands for !{firehose:random-string} in a buffer key:
// the string itself is derived from the buffer's start position when the
// buffer is flushed (see RandomString), so it is not known per record.
const RandomPlaceholder = "\x00"

// Template is a compiled S3 prefix: literal text and !{namespace:value}
// expressions.
type Template struct {
	source string
	parts  []templatePart
	// HasTimestamp, HasQueryKeys, HasLambdaKeys, HasRandom and
	// HasErrorType say which namespaces the template uses.
	HasTimestamp, HasQueryKeys, HasLambdaKeys, HasRandom, HasErrorType bool
}

type templatePart struct {
	ns      string // "" for literal
	value   string // literal text or the expression's argument
	pattern *Pattern
}

// ErrMissingPartitionKey is returned by Eval when an expression names a
// partition key the record does not have.
var ErrMissingPartitionKey = errors.New("missing partition key")

// CompileTemplate parses a prefix. With appendHours set, a template that
// uses no timestamp expression gets !{timestamp:yyyy/MM/dd/HH/} appended
// (Firehose's rule for prefixes without dynamic partitioning).
func CompileTemplate(s string, appendHours bool) (*Template, error) {
	t := &Template{source: s}
	rest := s
	for rest != "" {
		i := strings.Index(rest, "!{")
		if i < 0 {
			t.parts = append(t.parts, templatePart{value: rest})
			break
		}
		if i > 0 {
			t.parts = append(t.parts, templatePart{value: rest[:i]})
		}
		end := strings.IndexByte(rest[i:], '}')
		if end < 0 {
			return nil, fmt.Errorf("unterminated expression %q", rest[i:])
		}
		expr := rest[i+2 : i+end]
		rest = rest[i+end+1:]
		ns, value, ok := strings.Cut(expr, ":")
		if !ok || value == "" {
			return nil, fmt.Errorf("expression !{%s} must have the form !{namespace:value}", expr)
		}
		part := templatePart{ns: ns, value: value}
		switch ns {
		case nsTimestamp:
			p, err := CompilePattern(value)
			if err != nil {
				return nil, err
			}
			part.pattern = p
			t.HasTimestamp = true
		case nsQuery:
			t.HasQueryKeys = true
		case nsLambda:
			t.HasLambdaKeys = true
		case nsFirehose:
			switch value {
			case fhRandom:
				t.HasRandom = true
			case fhErrorType:
				t.HasErrorType = true
			default:
				return nil, fmt.Errorf("unsupported firehose expression !{firehose:%s}", value)
			}
		default:
			return nil, fmt.Errorf("unsupported namespace %q in expression !{%s}", ns, expr)
		}
		t.parts = append(t.parts, part)
	}
	if appendHours && !t.HasTimestamp {
		p, _ := CompilePattern(defaultHours)
		t.parts = append(t.parts, templatePart{ns: nsTimestamp, value: defaultHours, pattern: p})
		t.HasTimestamp = true
	}
	return t, nil
}

// String returns the source text of the template.
func (t *Template) String() string { return t.source }

// HasExpressions reports whether the source text holds any !{} expression.
func (t *Template) HasExpressions() bool {
	return t.HasTimestamp && strings.Contains(t.source, "!{") || t.HasQueryKeys || t.HasLambdaKeys || t.HasRandom || t.HasErrorType
}

// Values are the inputs of a template evaluation.
type Values struct {
	// Time is the arrival time the timestamp expressions format (UTC).
	Time time.Time
	// QueryKeys and LambdaKeys are the record's partition keys.
	QueryKeys, LambdaKeys map[string]string
	// Random replaces !{firehose:random-string}; RandomPlaceholder when the
	// string is substituted later.
	Random string
	// ErrorType replaces !{firehose:error-output-type}.
	ErrorType string
}

// Append evaluates the template into b.
func (t *Template) Append(b []byte, v *Values) ([]byte, error) {
	for i := range t.parts {
		p := &t.parts[i]
		switch p.ns {
		case "":
			b = append(b, p.value...)
		case nsTimestamp:
			b = p.pattern.Append(b, v.Time)
		case nsQuery, nsLambda:
			keys := v.QueryKeys
			if p.ns == nsLambda {
				keys = v.LambdaKeys
			}
			k, ok := keys[p.value]
			if !ok {
				return b, fmt.Errorf("%w %q (%s)", ErrMissingPartitionKey, p.value, p.ns)
			}
			b = append(b, k...)
		case nsFirehose:
			if p.value == fhRandom {
				b = append(b, v.Random...)
			} else {
				b = append(b, v.ErrorType...)
			}
		}
	}
	return b, nil
}

// Eval evaluates the template.
func (t *Template) Eval(v *Values) (string, error) {
	b, err := t.Append(nil, v)
	return string(b), err
}
