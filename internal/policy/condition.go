package policy

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Condition support. A Condition block maps operators to keys to values:
//
//	"Condition": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.0.2.7"]},
//	              "Bool": {"aws:SecureTransport": "true"}}
//
// Every operator and every key must hold (AND); for one key, any value
// may match (OR), and for a negated operator (StringNotEquals,
// StringNotLike, ArnNotEquals, ArnNotLike, NotIpAddress, DateNotEquals)
// none may. A key the request lacks makes a condition false, a negated one
// true, and one with the IfExists suffix true.
//
// Operators: StringEquals, StringNotEquals, StringEqualsIgnoreCase,
// StringNotEqualsIgnoreCase, StringLike, StringNotLike; ArnEquals,
// ArnNotEquals, ArnLike, ArnNotLike; Bool; IpAddress, NotIpAddress;
// DateEquals, DateNotEquals, DateLessThan, DateLessThanEquals,
// DateGreaterThan, DateGreaterThanEquals; each with IfExists; and Null.
//
// Keys (case-insensitive):
//
//	aws:SourceIp          client IP address          IpAddress, NotIpAddress
//	aws:SecureTransport   request came over TLS      Bool
//	aws:PrincipalArn      caller's principal ARN     String*, Arn*
//	aws:PrincipalAccount  caller's account ID        String*
//	aws:username          IAM user name (users only) String*
//	aws:CurrentTime       request time               Date*
//	aws:EpochTime         request time               Date* (values in epoch seconds or ISO 8601)
//
// Null works with every key. Anything else is refused when the policy is
// parsed.

// condition is one operator-key pair with its values.
type condition struct {
	operator string // without IfExists
	ifExists bool
	key      string // lower case
	values   []string
	prefixes []netip.Prefix // IpAddress, NotIpAddress
	times    []time.Time    // Date*
}

type keyKind int

const (
	kindString keyKind = iota
	kindARN
	kindIP
	kindBool
	kindDate
)

// conditionKeys maps each supported key (lower case) to its kind.
var conditionKeys = map[string]keyKind{
	"aws:sourceip":         kindIP,
	"aws:securetransport":  kindBool,
	"aws:principalarn":     kindARN,
	"aws:principalaccount": kindString,
	"aws:username":         kindString,
	"aws:currenttime":      kindDate,
	"aws:epochtime":        kindDate,
}

// operators maps each operator to the key kinds it applies to, and
// whether it is negated.
var operators = map[string]struct {
	kinds   []keyKind
	negated bool
}{
	"StringEquals":              {[]keyKind{kindString, kindARN}, false},
	"StringNotEquals":           {[]keyKind{kindString, kindARN}, true},
	"StringEqualsIgnoreCase":    {[]keyKind{kindString, kindARN}, false},
	"StringNotEqualsIgnoreCase": {[]keyKind{kindString, kindARN}, true},
	"StringLike":                {[]keyKind{kindString, kindARN}, false},
	"StringNotLike":             {[]keyKind{kindString, kindARN}, true},
	"ArnEquals":                 {[]keyKind{kindARN}, false},
	"ArnNotEquals":              {[]keyKind{kindARN}, true},
	"ArnLike":                   {[]keyKind{kindARN}, false},
	"ArnNotLike":                {[]keyKind{kindARN}, true},
	"Bool":                      {[]keyKind{kindBool}, false},
	"IpAddress":                 {[]keyKind{kindIP}, false},
	"NotIpAddress":              {[]keyKind{kindIP}, true},
	"DateEquals":                {[]keyKind{kindDate}, false},
	"DateNotEquals":             {[]keyKind{kindDate}, true},
	"DateLessThan":              {[]keyKind{kindDate}, false},
	"DateLessThanEquals":        {[]keyKind{kindDate}, false},
	"DateGreaterThan":           {[]keyKind{kindDate}, false},
	"DateGreaterThanEquals":     {[]keyKind{kindDate}, false},
	"Null":                      {[]keyKind{kindString, kindARN, kindIP, kindBool, kindDate}, false},
}

func parseConditions(v any, version string) ([]condition, error) {
	block, ok := v.(object)
	if !ok {
		return nil, fmt.Errorf("must be an object of operators, not %s", jsonType(v))
	}
	var out []condition
	for _, opName := range block.keys {
		if strings.HasPrefix(opName, "ForAnyValue:") || strings.HasPrefix(opName, "ForAllValues:") {
			return nil, fmt.Errorf("%q: set operators are not supported (every supported key has one value)", opName)
		}
		base, ifExists := strings.CutSuffix(opName, "IfExists")
		spec, known := operators[base]
		if !known || (ifExists && base == "Null") {
			return nil, fmt.Errorf("operator %q is not supported", opName)
		}
		keys, ok := block.values[opName].(object)
		if !ok || len(keys.keys) == 0 {
			return nil, fmt.Errorf("%s must be an object of condition keys to values", opName)
		}
		for _, key := range keys.keys {
			lower := strings.ToLower(key)
			kind, known := conditionKeys[lower]
			if !known {
				return nil, fmt.Errorf("condition key %q is not supported (supported: aws:SourceIp, aws:SecureTransport, "+
					"aws:PrincipalArn, aws:PrincipalAccount, aws:username, aws:CurrentTime, aws:EpochTime)", key)
			}
			if !slices.Contains(spec.kinds, kind) {
				return nil, fmt.Errorf("operator %s does not apply to %s", opName, key)
			}
			values, err := conditionValues(keys.values[key], opName, key)
			if err != nil {
				return nil, err
			}
			c := condition{operator: base, ifExists: ifExists, key: lower, values: values}
			if err := c.compile(kind, version); err != nil {
				return nil, fmt.Errorf("%s %s: %v", opName, key, err)
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// conditionValues reads a value or a non-empty list of values; strings,
// booleans and numbers are taken as their text.
func conditionValues(v any, opName, key string) ([]string, error) {
	list, isList := v.([]any)
	if !isList {
		list = []any{v}
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("%s %s: no values", opName, key)
	}
	out := make([]string, len(list))
	for i, e := range list {
		switch t := e.(type) {
		case string:
			out[i] = t
		case bool:
			out[i] = strconv.FormatBool(t)
		case json.Number:
			out[i] = t.String()
		default:
			return nil, fmt.Errorf("%s %s: values must be strings, not %s", opName, key, jsonType(e))
		}
	}
	return out, nil
}

// compile checks the values against the operator and pre-parses them.
func (c *condition) compile(kind keyKind, version string) error {
	for _, v := range c.values {
		if version == Version2012 && strings.Contains(v, "${") {
			return fmt.Errorf("value %q uses a policy variable; policy variables are not supported", v)
		}
	}
	switch {
	case c.operator == "Null" || c.operator == "Bool":
		for _, v := range c.values {
			if !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
				return fmt.Errorf("value %q is not true or false", v)
			}
		}
	case kind == kindIP:
		for _, v := range c.values {
			p, err := netip.ParsePrefix(v)
			if err != nil {
				a, aerr := netip.ParseAddr(v)
				if aerr != nil {
					return fmt.Errorf("value %q is not an IP address or CIDR block", v)
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
			c.prefixes = append(c.prefixes, p.Masked())
		}
	case kind == kindDate:
		for _, v := range c.values {
			t, err := parseConditionTime(v)
			if err != nil {
				return err
			}
			c.times = append(c.times, t)
		}
	case strings.HasPrefix(c.operator, "Arn"):
		for _, v := range c.values {
			if _, ok := ParseARN(v); !ok && v != "*" {
				return fmt.Errorf("value %q is not an ARN", v)
			}
		}
	}
	return nil
}

// parseConditionTime reads epoch seconds or an ISO 8601 date or time.
func parseConditionTime(v string) (time.Time, error) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("value %q is not a date (ISO 8601 or epoch seconds)", v)
}

// holds evaluates the condition on a request.
func (c condition) holds(r Request) bool {
	actual, present := r.conditionValue(c.key)
	if c.operator == "Null" {
		return slices.ContainsFunc(c.values, func(v string) bool { return strings.EqualFold(v, "true") == !present })
	}
	negated := operators[c.operator].negated
	if !present {
		return c.ifExists || negated
	}
	matched := false
	switch c.operator {
	case "IpAddress", "NotIpAddress":
		if addr, err := netip.ParseAddr(actual); err == nil {
			addr = addr.Unmap()
			matched = slices.ContainsFunc(c.prefixes, func(p netip.Prefix) bool { return p.Contains(addr) })
		}
	case "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals":
		t := r.Time.UTC().Truncate(time.Second)
		matched = slices.ContainsFunc(c.times, func(v time.Time) bool { return compareTime(c.operator, t, v) })
	default:
		matched = slices.ContainsFunc(c.values, func(v string) bool { return compareString(c.operator, actual, v) })
	}
	return matched != negated
}

func compareTime(operator string, t, v time.Time) bool {
	switch operator {
	case "DateEquals", "DateNotEquals":
		return t.Equal(v)
	case "DateLessThan":
		return t.Before(v)
	case "DateLessThanEquals":
		return !t.After(v)
	case "DateGreaterThan":
		return t.After(v)
	}
	return !t.Before(v) // DateGreaterThanEquals
}

func compareString(operator, actual, v string) bool {
	switch operator {
	case "StringEquals", "StringNotEquals":
		return actual == v
	case "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase":
		return strings.EqualFold(actual, v)
	case "StringLike", "StringNotLike":
		return wildcardMatch(v, actual)
	case "ArnEquals", "ArnNotEquals", "ArnLike", "ArnNotLike":
		return arnMatch(v, actual)
	case "Bool":
		return strings.EqualFold(actual, v)
	}
	return false
}

// arnMatch matches an ARN against an ARN pattern part by part, as IAM's
// ArnLike and ArnEquals do: wildcards do not cross the first five colons.
func arnMatch(pattern, arn string) bool {
	if pattern == "*" {
		return true
	}
	pp := strings.SplitN(pattern, ":", 6)
	ap := strings.SplitN(arn, ":", 6)
	if len(pp) != 6 || len(ap) != 6 {
		return false
	}
	for i := range pp {
		if !wildcardMatch(pp[i], ap[i]) {
			return false
		}
	}
	return true
}
