package policy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// MaxPolicySize is the largest policy document accepted, in bytes.
const MaxPolicySize = 20 << 10

// Policy versions.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Effect is a statement's effect.
type Effect string

// Effects.
const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Policy is a parsed, validated resource policy. It is immutable.
type Policy struct {
	// Version is the policy language version; 2008-10-17 when the
	// document has none.
	Version string
	// ID is the optional Id element.
	ID string
	// Statements are in document order.
	Statements []Statement
}

// Statement is one statement of a policy.
type Statement struct {
	// Sid is the optional statement ID.
	Sid string
	// Effect is Allow or Deny.
	Effect Effect

	principals  principals
	actions     []string // lower case patterns
	notAction   bool
	resources   []string // patterns
	notResource bool
	conditions  []condition
}

// InvalidPolicyError is a policy document Parse refuses. Its message says
// what is wrong and where, e.g. `statement "Writers": Action
// "kinesis:PutRecod" matches no Kinesis action`.
type InvalidPolicyError struct {
	// Msg is the problem.
	Msg string
}

func (e *InvalidPolicyError) Error() string { return e.Msg }

func invalid(format string, args ...any) *InvalidPolicyError {
	return &InvalidPolicyError{Msg: fmt.Sprintf(format, args...)}
}

// Parse parses and validates a policy document. resourceARN is the
// resource the policy is being attached to: every statement's Resource
// must match it. Empty skips that check (for documents validated when
// they were stored).
func Parse(doc, resourceARN string) (*Policy, error) {
	if len(doc) > MaxPolicySize {
		return nil, invalid("the policy is %d bytes; at most %d are allowed", len(doc), MaxPolicySize)
	}
	tree, err := decodeStrict([]byte(doc))
	if err != nil {
		return nil, invalid("the policy is not valid JSON: %v", err)
	}
	top, ok := tree.(object)
	if !ok {
		return nil, invalid("the policy must be a JSON object, not %s", jsonType(tree))
	}
	p := &Policy{Version: Version2008}
	var statements []any
	for _, key := range top.keys {
		v := top.values[key]
		switch key {
		case "Version":
			s, ok := v.(string)
			if !ok || (s != Version2012 && s != Version2008) {
				return nil, invalid("Version must be %q or %q", Version2012, Version2008)
			}
			p.Version = s
		case "Id":
			s, ok := v.(string)
			if !ok {
				return nil, invalid("Id must be a string, not %s", jsonType(v))
			}
			p.ID = s
		case "Statement":
			switch st := v.(type) {
			case object:
				statements = []any{st}
			case []any:
				statements = st
			default:
				return nil, invalid("Statement must be an object or a list of objects, not %s", jsonType(v))
			}
		default:
			return nil, invalid("unknown element %q; a policy has Version, Id and Statement", key)
		}
	}
	if len(statements) == 0 {
		return nil, invalid("the policy has no Statement")
	}
	sids := map[string]bool{}
	for i, raw := range statements {
		obj, ok := raw.(object)
		if !ok {
			return nil, invalid("statement %d must be an object, not %s", i+1, jsonType(raw))
		}
		st, err := parseStatement(obj, i, p.Version, resourceARN)
		if err != nil {
			return nil, err
		}
		if st.Sid != "" {
			if sids[st.Sid] {
				return nil, invalid("Sid %q is used by two statements", st.Sid)
			}
			sids[st.Sid] = true
		}
		p.Statements = append(p.Statements, st)
	}
	return p, nil
}

var statementKeys = []string{"Sid", "Effect", "Principal", "Action", "NotAction", "Resource", "NotResource", "Condition"}

func parseStatement(obj object, index int, version, resourceARN string) (Statement, error) {
	var st Statement
	where := fmt.Sprintf("statement %d", index+1)
	if v, ok := obj.values["Sid"]; ok {
		s, ok := v.(string)
		if !ok {
			return st, invalid("%s: Sid must be a string, not %s", where, jsonType(v))
		}
		st.Sid = s
		if s != "" {
			where = fmt.Sprintf("statement %q", s)
		}
	}
	for _, key := range obj.keys {
		switch {
		case key == "NotPrincipal":
			return st, invalid("%s: NotPrincipal is not supported; name the principals in Principal, with a Deny statement if need be", where)
		case !slices.Contains(statementKeys, key):
			return st, invalid("%s: unknown element %q; a statement has %s", where, key, strings.Join(statementKeys, ", "))
		}
	}
	switch v := obj.values["Effect"]; v {
	case string(Allow), string(Deny):
		st.Effect = Effect(v.(string))
	case nil:
		return st, invalid("%s: Effect is missing", where)
	default:
		return st, invalid("%s: Effect must be \"Allow\" or \"Deny\"", where)
	}
	var err error
	if st.principals, err = parsePrincipal(obj.values["Principal"]); err != nil {
		return st, invalid("%s: %v", where, err)
	}
	if st.actions, st.notAction, err = parseActions(obj); err != nil {
		return st, invalid("%s: %v", where, err)
	}
	if st.resources, st.notResource, err = parseResources(obj, version); err != nil {
		return st, invalid("%s: %v", where, err)
	}
	if resourceARN != "" && !st.notResource && !slices.ContainsFunc(st.resources, func(p string) bool { return wildcardMatch(p, resourceARN) }) {
		return st, invalid("%s: Resource %s does not match the resource the policy is attached to, %s",
			where, quoteList(st.resources), resourceARN)
	}
	if c, ok := obj.values["Condition"]; ok {
		if st.conditions, err = parseConditions(c, version); err != nil {
			return st, invalid("%s: Condition: %v", where, err)
		}
	}
	return st, nil
}

// stringList reads a string or a non-empty list of strings.
func stringList(v any, name string) ([]string, error) {
	switch t := v.(type) {
	case string:
		return []string{t}, nil
	case []any:
		if len(t) == 0 {
			return nil, fmt.Errorf("%s must not be an empty list", name)
		}
		out := make([]string, len(t))
		for i, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%s must hold strings, not %s", name, jsonType(e))
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s must be a string or a list of strings, not %s", name, jsonType(v))
}

var actionPattern = regexp.MustCompile(`^[A-Za-z*?]+$`)

// parseActions reads Action or NotAction: "*" or "kinesis:<name>", with
// wildcards in the name. Each must match at least one Kinesis action.
func parseActions(obj object) ([]string, bool, error) {
	key, not, err := exactlyOne(obj, "Action", "NotAction")
	if err != nil {
		return nil, false, err
	}
	list, err := stringList(obj.values[key], key)
	if err != nil {
		return nil, false, err
	}
	out := make([]string, len(list))
	for i, a := range list {
		if a == "*" {
			out[i] = "*"
			continue
		}
		prefix, name, ok := strings.Cut(a, ":")
		if !ok || !strings.EqualFold(prefix, ServicePrefix) {
			return nil, false, fmt.Errorf("%s %q is not a Kinesis action (kinesis:<Operation>)", key, a)
		}
		if !actionPattern.MatchString(name) {
			return nil, false, fmt.Errorf("%s %q is not an action name", key, a)
		}
		pattern := strings.ToLower(a)
		if !slices.ContainsFunc(actionsLower, func(known string) bool { return wildcardMatch(pattern, known) }) {
			return nil, false, fmt.Errorf("%s %q matches no Kinesis action", key, a)
		}
		out[i] = pattern
	}
	return out, not, nil
}

// parseResources reads Resource or NotResource: "*" or ARNs, with
// wildcards.
func parseResources(obj object, version string) ([]string, bool, error) {
	key, not, err := exactlyOne(obj, "Resource", "NotResource")
	if err != nil {
		return nil, false, err
	}
	list, err := stringList(obj.values[key], key)
	if err != nil {
		return nil, false, err
	}
	for _, r := range list {
		if r == "*" {
			continue
		}
		if version == Version2012 && strings.Contains(r, "${") {
			return nil, false, fmt.Errorf("%s %q uses a policy variable; policy variables are not supported", key, r)
		}
		if _, ok := ParseARN(r); !ok {
			return nil, false, fmt.Errorf("%s %q is not an ARN (arn:partition:service:region:account:resource) or \"*\"", key, r)
		}
	}
	return list, not, nil
}

// exactlyOne returns which of two exclusive elements the statement has.
func exactlyOne(obj object, name, notName string) (key string, not bool, err error) {
	_, has := obj.values[name]
	_, hasNot := obj.values[notName]
	switch {
	case has && hasNot:
		return "", false, fmt.Errorf("%s and %s cannot both be given", name, notName)
	case hasNot:
		return notName, true, nil
	case has:
		return name, false, nil
	}
	return "", false, fmt.Errorf("%s is missing", name)
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	if len(q) == 1 {
		return q[0]
	}
	return "[" + strings.Join(q, ", ") + "]"
}
