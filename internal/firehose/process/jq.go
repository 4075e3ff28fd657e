package process

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/itchyny/gojq"
)

// Extractor evaluates a MetadataExtraction jq query over JSON records. The
// query must produce one object whose values are scalars, e.g.
// {customer_id: .customer_id, year: .event_timestamp | strftime("%Y")}.
type Extractor struct {
	code *gojq.Code
	// Keys are the object keys the query is known to produce when it is
	// an object construction; empty when it cannot be told statically.
	Keys []string
}

// CompileQuery parses and compiles a jq query.
func CompileQuery(query string) (*Extractor, error) {
	q, err := gojq.Parse(query)
	if err != nil {
		return nil, fmt.Errorf("parse jq query %q: %w", query, err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return nil, fmt.Errorf("compile jq query %q: %w", query, err)
	}
	e := &Extractor{code: code}
	if q.Term != nil && q.Term.Object != nil {
		for _, kv := range q.Term.Object.KeyVals {
			if kv.Key != "" {
				e.Keys = append(e.Keys, kv.Key)
			} else if kv.KeyString != nil && kv.KeyString.Str != "" {
				e.Keys = append(e.Keys, kv.KeyString.Str)
			}
		}
		sort.Strings(e.Keys)
	}
	return e, nil
}

// Extract runs the query over a JSON record and returns the partition
// keys. A record that is not JSON, a query error, a result that is not an
// object of scalars, or a null value is an error (the record then goes to
// the error output).
func (e *Extractor) Extract(data []byte) (map[string]string, error) {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("record is not valid JSON: %w", err)
	}
	iter := e.code.Run(v)
	out, ok := iter.Next()
	if !ok {
		return nil, fmt.Errorf("jq query produced no result")
	}
	if err, isErr := out.(error); isErr {
		return nil, fmt.Errorf("jq query failed: %w", err)
	}
	obj, ok := out.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("jq query must produce an object, got %s", jqType(out))
	}
	keys := make(map[string]string, len(obj))
	for k, val := range obj {
		s, err := scalarString(val)
		if err != nil {
			return nil, fmt.Errorf("partition key %q: %w", k, err)
		}
		keys[k] = s
	}
	return keys, nil
}

func scalarString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		if strings.IndexByte(x, 0) >= 0 {
			return "", fmt.Errorf("value holds a NUL character")
		}
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int:
		return strconv.Itoa(x), nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e17 {
			return strconv.FormatInt(int64(x), 10), nil
		}
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case *big.Int:
		return x.String(), nil
	case nil:
		return "", fmt.Errorf("value is null")
	}
	return "", fmt.Errorf("value must be a scalar, got %s", jqType(v))
}

func jqType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	}
	return "number"
}
