package convert

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// Kind is the kind of a Glue (Hive) column type.
type Kind int

// The Glue types a schema can use.
const (
	Boolean Kind = iota
	TinyInt
	SmallInt
	Int
	BigInt
	Float
	Double
	Decimal
	String
	Date
	Timestamp
	Binary
	Array
	Map
	Struct
)

// Type is a parsed Glue column type, such as "bigint", "decimal(10,2)",
// "array<string>" or "struct<a:int,b:map<string,double>>".
type Type struct {
	Kind             Kind
	Precision, Scale int      // Decimal
	Elem             *Type    // Array
	Key, Value       *Type    // Map
	Fields           []*Field // Struct
}

// Field is a named member of a struct type.
type Field struct {
	Name string
	Type *Type
}

// Scalar reports whether the type is not a container.
func (t *Type) Scalar() bool { return t.Kind < Array }

// ParseType parses a Glue type name (case-insensitive).
func ParseType(s string) (*Type, error) {
	p := typeParser{s: s}
	t, err := p.parse()
	if err != nil {
		return nil, fmt.Errorf("invalid column type %q: %w", s, err)
	}
	p.skipSpace()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("invalid column type %q: unexpected %q", s, p.s[p.i:])
	}
	return t, nil
}

type typeParser struct {
	s string
	i int
}

func (p *typeParser) skipSpace() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *typeParser) word() string {
	p.skipSpace()
	j := p.i
	for j < len(p.s) && (isWordByte(p.s[j])) {
		j++
	}
	w := p.s[p.i:j]
	p.i = j
	return w
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func (p *typeParser) expect(c byte) error {
	p.skipSpace()
	if p.i >= len(p.s) || p.s[p.i] != c {
		return fmt.Errorf("expected %q at offset %d", c, p.i)
	}
	p.i++
	return nil
}

func (p *typeParser) peek(c byte) bool {
	p.skipSpace()
	return p.i < len(p.s) && p.s[p.i] == c
}

func (p *typeParser) params() ([]int, error) {
	if !p.peek('(') {
		return nil, nil
	}
	p.i++
	var out []int
	for {
		n, err := strconv.Atoi(p.word())
		if err != nil {
			return nil, fmt.Errorf("bad type parameter")
		}
		out = append(out, n)
		if p.peek(',') {
			p.i++
			continue
		}
		return out, p.expect(')')
	}
}

func (p *typeParser) parse() (*Type, error) {
	name := strings.ToLower(p.word())
	switch name {
	case "boolean":
		return &Type{Kind: Boolean}, nil
	case "tinyint":
		return &Type{Kind: TinyInt}, nil
	case "smallint":
		return &Type{Kind: SmallInt}, nil
	case "int", "integer":
		return &Type{Kind: Int}, nil
	case "bigint":
		return &Type{Kind: BigInt}, nil
	case "float":
		return &Type{Kind: Float}, nil
	case "double":
		return &Type{Kind: Double}, nil
	case "string":
		return &Type{Kind: String}, nil
	case "char", "varchar":
		_, err := p.params()
		return &Type{Kind: String}, err
	case "date":
		return &Type{Kind: Date}, nil
	case "timestamp":
		return &Type{Kind: Timestamp}, nil
	case "binary":
		return &Type{Kind: Binary}, nil
	case "decimal":
		ps, err := p.params()
		if err != nil {
			return nil, err
		}
		t := &Type{Kind: Decimal, Precision: 10, Scale: 0}
		if len(ps) > 0 {
			t.Precision = ps[0]
		}
		if len(ps) > 1 {
			t.Scale = ps[1]
		}
		if t.Precision < 1 || t.Precision > 18 || t.Scale < 0 || t.Scale > t.Precision {
			return nil, fmt.Errorf("decimal precision must be 1 to 18 and scale 0 to precision")
		}
		return t, nil
	case "array":
		if err := p.expect('<'); err != nil {
			return nil, err
		}
		elem, err := p.parse()
		if err != nil {
			return nil, err
		}
		return &Type{Kind: Array, Elem: elem}, p.expect('>')
	case "map":
		if err := p.expect('<'); err != nil {
			return nil, err
		}
		k, err := p.parse()
		if err != nil {
			return nil, err
		}
		if !k.Scalar() {
			return nil, fmt.Errorf("map keys must be scalar")
		}
		if err := p.expect(','); err != nil {
			return nil, err
		}
		v, err := p.parse()
		if err != nil {
			return nil, err
		}
		return &Type{Kind: Map, Key: k, Value: v}, p.expect('>')
	case "struct":
		if err := p.expect('<'); err != nil {
			return nil, err
		}
		t := &Type{Kind: Struct}
		for {
			fname := p.word()
			if fname == "" {
				return nil, fmt.Errorf("expected a field name at offset %d", p.i)
			}
			if err := p.expect(':'); err != nil {
				return nil, err
			}
			ft, err := p.parse()
			if err != nil {
				return nil, err
			}
			t.Fields = append(t.Fields, &Field{Name: fname, Type: ft})
			if p.peek(',') {
				p.i++
				continue
			}
			return t, p.expect('>')
		}
	case "":
		return nil, fmt.Errorf("missing type name at offset %d", p.i)
	}
	return nil, fmt.Errorf("unsupported type %q", name)
}

// node returns the optional Parquet node of the type (Hive columns are
// nullable).
func (t *Type) node() parquet.Node { return parquet.Optional(t.bare()) }

// bare returns the Parquet node of the type without repetition.
func (t *Type) bare() parquet.Node {
	var n parquet.Node
	switch t.Kind {
	case Boolean:
		n = parquet.Leaf(parquet.BooleanType)
	case TinyInt:
		n = parquet.Int(8)
	case SmallInt:
		n = parquet.Int(16)
	case Int:
		n = parquet.Int(32)
	case BigInt:
		n = parquet.Int(64)
	case Float:
		n = parquet.Leaf(parquet.FloatType)
	case Double:
		n = parquet.Leaf(parquet.DoubleType)
	case Decimal:
		if t.Precision <= 9 {
			n = parquet.Decimal(t.Scale, t.Precision, parquet.Int32Type)
		} else {
			n = parquet.Decimal(t.Scale, t.Precision, parquet.Int64Type)
		}
	case String:
		n = parquet.String()
	case Date:
		n = parquet.Date()
	case Timestamp:
		n = parquet.Timestamp(parquet.Millisecond)
	case Binary:
		n = parquet.Leaf(parquet.ByteArrayType)
	case Array:
		n = parquet.List(t.Elem.node())
	case Map:
		n = parquet.Map(parquet.Required(t.Key.bare()), t.Value.node())
	case Struct:
		g := parquet.Group{}
		for _, f := range t.Fields {
			g[f.Name] = f.Type.node()
		}
		n = g
	}
	return n
}
