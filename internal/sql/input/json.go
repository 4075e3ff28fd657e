package input

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unsafe"

	"github.com/eddy-streaming/eddy/internal/sql/value"
)

// jsonNode is one step of the compiled JSONPath trie.
type jsonNode struct {
	children map[string]*jsonNode
	elem     *jsonNode // subtree applied to each element of an exploded array
	column   int       // column captured at this node, or -1
	inElem   bool      // the node is under the exploded array
}

type jsonPlan struct {
	root       *jsonNode
	columns    []Column
	elemCols   []int // columns captured per array element
	hasExplode bool
}

// rawVal is a located JSON value.
type rawVal struct {
	kind       byte // 0 missing, 's' string, 'n' number, 't', 'f', 'z' null, 'o' object, 'a' array
	start, end int
	escaped    bool
}

func newNode() *jsonNode { return &jsonNode{column: -1} }

// parsePath splits "$.a.b[0:].c" into steps; "[0:]" is its own step.
func parsePath(p string) ([]string, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(p), "$")
	if !ok {
		return nil, fmt.Errorf("JSONPath %q must start with $", p)
	}
	var steps []string
	for rest != "" {
		switch {
		case strings.HasPrefix(rest, "[0:]"):
			steps = append(steps, "[0:]")
			rest = rest[4:]
		case strings.HasPrefix(rest, "['") || strings.HasPrefix(rest, `["`):
			q := rest[1]
			end := strings.IndexByte(rest[2:], q)
			if end < 0 || !strings.HasPrefix(rest[2+end+1:], "]") {
				return nil, fmt.Errorf("JSONPath %q: unterminated bracket", p)
			}
			steps = append(steps, rest[2:2+end])
			rest = rest[2+end+2:]
		case strings.HasPrefix(rest, "["):
			return nil, fmt.Errorf("JSONPath %q: only the array index expression [0:] is supported", p)
		case strings.HasPrefix(rest, "."):
			rest = rest[1:]
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			if end == 0 {
				return nil, fmt.Errorf("JSONPath %q: empty element name", p)
			}
			steps = append(steps, rest[:end])
			rest = rest[end:]
		default:
			return nil, fmt.Errorf("JSONPath %q: unexpected %q", p, rest)
		}
	}
	return steps, nil
}

func compileJSON(cols []Column) (*jsonPlan, error) {
	plan := &jsonPlan{root: newNode(), columns: cols}
	var explodeAt string
	for i, c := range cols {
		steps, err := parsePath(c.Mapping)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", c.Name, err)
		}
		// A trailing [0:] selects the whole array: the same as no index.
		if n := len(steps); n > 0 && steps[n-1] == "[0:]" {
			steps = steps[:n-1]
		}
		node := plan.root
		inElem := false
		for k, s := range steps {
			if s == "[0:]" {
				if inElem {
					return nil, fmt.Errorf("column %s: only one level of array dereferencing is supported", c.Name)
				}
				prefix := strings.Join(steps[:k], ".")
				if explodeAt != "" && explodeAt != prefix {
					return nil, fmt.Errorf("column %s: only one array can be flattened per schema", c.Name)
				}
				explodeAt = prefix
				if node.elem == nil {
					node.elem = newNode()
					node.elem.inElem = true
				}
				node = node.elem
				inElem = true
				continue
			}
			if node.children == nil {
				node.children = map[string]*jsonNode{}
			}
			child := node.children[s]
			if child == nil {
				child = newNode()
				child.inElem = inElem
				node.children[s] = child
			}
			node = child
		}
		if node.column >= 0 {
			return nil, fmt.Errorf("columns %s and %s map the same path", cols[node.column].Name, c.Name)
		}
		node.column = i
		if inElem {
			plan.elemCols = append(plan.elemCols, i)
			plan.hasExplode = true
		}
	}
	return plan, nil
}

// ErrNotJSONObject is the error for a record that is not a JSON object.
var ErrNotJSONObject = errors.New("record is not a JSON object")

type jsonScanner struct {
	data  []byte
	pos   int
	plan  *jsonPlan
	vals  []rawVal   // per column (non-element columns)
	elems [][]rawVal // per element: per column
	cur   []rawVal   // the element being scanned
	depth int
}

func (m *Mapper) mapJSON(data []byte, emit func([]value.Value), fail func(error, []byte)) {
	plan := m.json
	if m.scan == nil {
		m.scan = &jsonScanner{plan: plan, vals: make([]rawVal, len(plan.columns))}
	}
	sc := m.scan
	sc.data, sc.pos, sc.depth, sc.elems, sc.cur = data, 0, 0, sc.elems[:0], nil
	clear(sc.vals)
	defer func() { sc.data = nil }()
	if err := sc.scanRecord(); err != nil {
		fail(err, data)
		return
	}
	// Columns not under the array, once.
	for i, c := range plan.columns {
		if plan.hasExplode && isElemCol(plan, i) {
			continue
		}
		v, err := convertJSON(data, sc.vals[i], c.Type)
		if err != nil {
			fail(&CoercionError{Column: c.Name, Err: err}, data)
			return
		}
		m.row[i] = v
	}
	if !plan.hasExplode {
		emit(m.row)
		return
	}
	if len(sc.elems) == 0 {
		// An array always flattens to at least one row (of nulls).
		for _, i := range plan.elemCols {
			m.row[i] = value.Value{}
		}
		emit(m.row)
		return
	}
	// Convert every element first, so a bad element fails the record whole.
	m.rows = m.rows[:0]
	for _, el := range sc.elems {
		row := make([]value.Value, len(m.row))
		copy(row, m.row)
		for _, i := range plan.elemCols {
			v, err := convertJSON(data, el[i], plan.columns[i].Type)
			if err != nil {
				fail(&CoercionError{Column: plan.columns[i].Name, Err: err}, data)
				return
			}
			row[i] = v
		}
		m.rows = append(m.rows, row)
	}
	for _, r := range m.rows {
		emit(r)
	}
}

func isElemCol(plan *jsonPlan, i int) bool {
	for _, c := range plan.elemCols {
		if c == i {
			return true
		}
	}
	return false
}

func convertJSON(data []byte, rv rawVal, t value.Type) (value.Value, error) {
	switch rv.kind {
	case 0, 'z':
		return value.Value{}, nil
	case 's':
		raw := data[rv.start+1 : rv.end-1]
		var s string
		if rv.escaped {
			if err := json.Unmarshal(data[rv.start:rv.end], &s); err != nil {
				return value.Value{}, err
			}
		} else {
			s = string(raw)
		}
		return coerceText(s, t, false)
	case 'n':
		// The text is only parsed, never kept: no copy needed.
		return coerceNumber(unsafe.String(&data[rv.start], rv.end-rv.start), t)
	case 't', 'f':
		return coerceBool(rv.kind == 't', t)
	case 'o', 'a':
		if t.Kind == value.String {
			v, _ := value.Cast(value.StringValue(string(data[rv.start:rv.end])), t)
			return v, nil
		}
		return value.Value{}, fmt.Errorf("cannot convert a JSON %s to %s", map[byte]string{'o': "object", 'a': "array"}[rv.kind], t)
	}
	return value.Value{}, fmt.Errorf("unexpected JSON value")
}

func (s *jsonScanner) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", s.pos, fmt.Sprintf(format, args...))
}

func (s *jsonScanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

func (s *jsonScanner) scanRecord() error {
	s.ws()
	if s.pos >= len(s.data) || s.data[s.pos] != '{' {
		return ErrNotJSONObject
	}
	if err := s.value(s.plan.root); err != nil {
		return err
	}
	s.ws()
	if s.pos != len(s.data) {
		return s.errorf("trailing data")
	}
	return nil
}

// value scans one value at s.pos, following node (nil: just skip it).
func (s *jsonScanner) value(node *jsonNode) error {
	s.ws()
	if s.pos >= len(s.data) {
		return s.errorf("unexpected end")
	}
	start := s.pos
	var kind byte
	escaped := false
	switch c := s.data[s.pos]; {
	case c == '{':
		kind = 'o'
		if err := s.object(node); err != nil {
			return err
		}
	case c == '[':
		kind = 'a'
		if err := s.array(node); err != nil {
			return err
		}
	case c == '"':
		kind = 's'
		var err error
		if escaped, err = s.str(); err != nil {
			return err
		}
	case c == 't':
		kind = 't'
		if err := s.lit("true"); err != nil {
			return err
		}
	case c == 'f':
		kind = 'f'
		if err := s.lit("false"); err != nil {
			return err
		}
	case c == 'n':
		kind = 'z'
		if err := s.lit("null"); err != nil {
			return err
		}
	case c == '-' || c >= '0' && c <= '9':
		kind = 'n'
		if err := s.number(); err != nil {
			return err
		}
	default:
		return s.errorf("unexpected character %q", c)
	}
	if node != nil && node.column >= 0 {
		rv := rawVal{kind: kind, start: start, end: s.pos, escaped: escaped}
		if node.inElem {
			if s.cur != nil {
				s.cur[node.column] = rv
			}
		} else {
			s.vals[node.column] = rv
		}
	}
	return nil
}

func (s *jsonScanner) lit(word string) error {
	if len(s.data)-s.pos < len(word) || string(s.data[s.pos:s.pos+len(word)]) != word {
		return s.errorf("invalid literal")
	}
	s.pos += len(word)
	return nil
}

func (s *jsonScanner) number() error {
	start := s.pos
	if s.data[s.pos] == '-' {
		s.pos++
	}
	digits := 0
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		if c >= '0' && c <= '9' {
			digits++
		} else if c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-' {
			break
		}
		s.pos++
	}
	if digits == 0 {
		s.pos = start
		return s.errorf("invalid number")
	}
	return nil
}

// str scans a string; it reports whether it contains escapes.
func (s *jsonScanner) str() (bool, error) {
	s.pos++ // opening quote
	escaped := false
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			s.pos++
			return escaped, nil
		case c == '\\':
			escaped = true
			s.pos += 2
		case c < 0x20:
			return false, s.errorf("control character in string")
		default:
			s.pos++
		}
	}
	return false, s.errorf("unterminated string")
}

const maxJSONDepth = 512

func (s *jsonScanner) object(node *jsonNode) error {
	s.depth++
	if s.depth > maxJSONDepth {
		return s.errorf("nesting too deep")
	}
	defer func() { s.depth-- }()
	s.pos++ // {
	s.ws()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		return nil
	}
	for {
		s.ws()
		if s.pos >= len(s.data) || s.data[s.pos] != '"' {
			return s.errorf("expected a member name")
		}
		kstart := s.pos
		escaped, err := s.str()
		if err != nil {
			return err
		}
		var child *jsonNode
		if node != nil && node.children != nil {
			if escaped {
				var k string
				if err := json.Unmarshal(s.data[kstart:s.pos], &k); err != nil {
					return s.errorf("invalid member name")
				}
				child = node.children[k]
			} else {
				child = node.children[string(s.data[kstart+1:s.pos-1])]
			}
		}
		s.ws()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return s.errorf("expected ':'")
		}
		s.pos++
		if err := s.value(child); err != nil {
			return err
		}
		s.ws()
		if s.pos >= len(s.data) {
			return s.errorf("unterminated object")
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return nil
		default:
			return s.errorf("expected ',' or '}'")
		}
	}
}

func (s *jsonScanner) array(node *jsonNode) error {
	s.depth++
	if s.depth > maxJSONDepth {
		return s.errorf("nesting too deep")
	}
	defer func() { s.depth-- }()
	s.pos++ // [
	var elem *jsonNode
	if node != nil {
		elem = node.elem
	}
	s.ws()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		return nil
	}
	for {
		if elem != nil {
			s.cur = make([]rawVal, len(s.plan.columns))
			s.elems = append(s.elems, s.cur)
		}
		if err := s.value(elem); err != nil {
			return err
		}
		if elem != nil {
			s.cur = nil
		}
		s.ws()
		if s.pos >= len(s.data) {
			return s.errorf("unterminated array")
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return nil
		default:
			return s.errorf("expected ',' or ']'")
		}
	}
}
