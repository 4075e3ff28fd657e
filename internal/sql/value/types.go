package value

import (
	"fmt"
	"strconv"
	"strings"
)

// Type is a SQL column type.
type Type struct {
	Name      string // canonical name: VARCHAR, INTEGER, DECIMAL, INTERVAL DAY TO SECOND ...
	Kind      Kind
	Length    int // CHAR/VARCHAR/BINARY/VARBINARY length; 0 = unbounded
	Precision int // DECIMAL precision
	Scale     int // DECIMAL scale
	NotNull   bool
}

func (t Type) String() string {
	switch t.Name {
	case "CHAR", "VARCHAR", "BINARY", "VARBINARY":
		if t.Length > 0 {
			return fmt.Sprintf("%s(%d)", t.Name, t.Length)
		}
	case "DECIMAL":
		return fmt.Sprintf("DECIMAL(%d,%d)", t.Precision, t.Scale)
	}
	return t.Name
}

// MaxLength is the largest CHAR/VARCHAR/BINARY/VARBINARY length.
const MaxLength = 1 << 20

// Integer ranges by type name.
var intRanges = map[string][2]int64{
	"TINYINT":  {-128, 127},
	"SMALLINT": {-32768, 32767},
	"INTEGER":  {-2147483648, 2147483647},
	"BIGINT":   {-1 << 63, 1<<63 - 1},
}

// NewType builds a Type from a canonical name and its arguments
// (as the parser's TypeName holds them).
func NewType(name string, args []int) (Type, error) {
	t := Type{Name: name}
	switch name {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT":
		t.Kind = Int
	case "REAL", "FLOAT", "DOUBLE":
		t.Kind = Float
	case "DECIMAL":
		t.Kind = Decimal
		t.Precision, t.Scale = 19, 0
		if len(args) > 0 {
			t.Precision = args[0]
		}
		if len(args) > 1 {
			t.Scale = args[1]
		}
		if t.Precision < 1 || t.Precision > 38 || t.Scale > t.Precision || len(args) > 2 {
			return Type{}, fmt.Errorf("invalid DECIMAL%v", args)
		}
		return t, nil
	case "BOOLEAN":
		t.Kind = Bool
	case "CHAR", "VARCHAR":
		t.Kind = String
		if name == "CHAR" {
			t.Length = 1
		}
	case "BINARY", "VARBINARY":
		t.Kind = Bytes
		if name == "BINARY" {
			t.Length = 1
		}
	case "DATE":
		t.Kind = Date
	case "TIME":
		t.Kind = Time
	case "TIMESTAMP":
		t.Kind = Timestamp
	default:
		if strings.HasPrefix(name, "INTERVAL ") {
			if strings.Contains(name, "YEAR") || name == "INTERVAL MONTH" {
				t.Kind = IntervalYM
			} else {
				t.Kind = IntervalDT
			}
			return t, nil
		}
		return Type{}, fmt.Errorf("unknown type %s", name)
	}
	switch t.Kind {
	case String, Bytes:
		if len(args) > 1 {
			return Type{}, fmt.Errorf("invalid %s%v", name, args)
		}
		if len(args) == 1 {
			if args[0] < 1 || args[0] > MaxLength {
				return Type{}, fmt.Errorf("%s length must be between 1 and %d", name, MaxLength)
			}
			t.Length = args[0]
		}
	default:
		if len(args) > 0 && !(t.Kind == Timestamp || t.Kind == Time || t.Kind == Float) {
			return Type{}, fmt.Errorf("type %s takes no length", name)
		}
	}
	return t, nil
}

// ParseType parses a type as written in an input schema's SqlType:
// "VARCHAR(4)", "DECIMAL(5,2)", "DOUBLE", "INTEGER NOT NULL".
func ParseType(s string) (Type, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	notNull := false
	if rest, ok := strings.CutSuffix(s, " NOT NULL"); ok {
		s, notNull = strings.TrimSpace(rest), true
	}
	name, argText, hasArgs := strings.Cut(s, "(")
	name = strings.Join(strings.Fields(name), " ")
	var args []int
	if hasArgs {
		argText, ok := strings.CutSuffix(strings.TrimSpace(argText), ")")
		if !ok {
			return Type{}, fmt.Errorf("invalid type %q", s)
		}
		for _, a := range strings.Split(argText, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(a))
			if err != nil || n < 0 {
				return Type{}, fmt.Errorf("invalid type %q", s)
			}
			args = append(args, n)
		}
	}
	switch name {
	case "INT":
		name = "INTEGER"
	case "NUMERIC", "DEC":
		name = "DECIMAL"
	case "DOUBLE PRECISION":
		name = "DOUBLE"
	case "CHARACTER":
		name = "CHAR"
	case "CHARACTER VARYING":
		name = "VARCHAR"
	}
	t, err := NewType(name, args)
	if err != nil {
		return Type{}, err
	}
	t.NotNull = notNull
	return t, nil
}
