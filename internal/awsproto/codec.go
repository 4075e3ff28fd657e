package awsproto

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strings"

	"github.com/fxamacker/cbor/v2"
)

var (
	decMode cbor.DecMode
	encMode cbor.EncMode

	timestampType = reflect.TypeFor[Timestamp]()
)

func init() {
	var err error
	decMode, err = cbor.DecOptions{
		MaxNestedLevels:  32,
		MaxArrayElements: 1 << 20,
		MaxMapPairs:      1 << 20,
		// AWS treats field names case-sensitively; unknown ones are ignored.
		FieldNameMatching: cbor.FieldNameMatchingCaseSensitive,
		// Some clients send text where a blob is expected; accept it.
		ByteStringToString: cbor.ByteStringToStringAllowed,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	encMode, err = cbor.EncOptions{}.EncMode()
	if err != nil {
		panic(err)
	}
}

// Decode decodes a request body in format f into v, a pointer to a struct
// with `json` field tags. An empty body is a SerializationException, as is
// anything but an object (JSON) or a map (CBOR) at the top level. Unknown
// fields are ignored; null fields leave their Go field untouched.
func Decode(f Format, body []byte, v any) *Error {
	if f == CBOR {
		return decodeCBOR(body, v)
	}
	return decodeJSON(body, v)
}

func decodeJSON(body []byte, v any) *Error {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return serializationError("")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return jsonError(err)
	}
	return nil
}

func decodeCBOR(body []byte, v any) *Error {
	if len(body) == 0 {
		return serializationError("")
	}
	// Major type 5 is a map; 0xbf starts an indefinite-length map.
	if body[0]>>5 != 5 {
		return serializationError("")
	}
	if err := decMode.Unmarshal(body, v); err != nil {
		return cborError(err)
	}
	return nil
}

func serializationError(msg string) *Error {
	return NewError(TypeSerialization, msg)
}

// jsonError maps an encoding/json error to a SerializationException with
// the wording of AWS's (Java) deserializer where there is one.
func jsonError(err error) *Error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return serializationError(typeMismatch(typeErr.Value, typeErr.Type))
	}
	var b64Err base64.CorruptInputError
	if errors.As(err, &b64Err) {
		return serializationError("Invalid Base64 data")
	}
	if errors.Is(err, errBadTimestamp) {
		return serializationError("class java.lang.String can not be converted to milliseconds since epoch")
	}
	return serializationError("")
}

func cborError(err error) *Error {
	var typeErr *cbor.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return serializationError(typeMismatch(cborKind(typeErr.CBORType), typeByName(typeErr.GoType)))
	}
	return serializationError("")
}

// typeMismatch words a type mismatch as AWS does: the JSON kind found
// against the Java type the field has.
func typeMismatch(found string, want reflect.Type) string {
	switch found {
	case "array":
		return "Start of list found where not expected"
	case "object":
		return "Start of structure or map found where not expected."
	}
	var from string
	switch found {
	case "string":
		from = "class java.lang.String"
	case "bool":
		from = "class java.lang.Boolean"
	default:
		from = "class java.math.BigDecimal"
	}
	return from + " can not be converted to " + javaType(want)
}

func javaType(t reflect.Type) string {
	if t == nil {
		return "an Object"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timestampType {
		return "milliseconds since epoch"
	}
	switch t.Kind() {
	case reflect.String:
		return "an String"
	case reflect.Bool:
		return "an Boolean"
	case reflect.Int, reflect.Int32, reflect.Int16, reflect.Int8, reflect.Uint32, reflect.Uint16, reflect.Uint8:
		return "an Integer"
	case reflect.Int64, reflect.Uint64, reflect.Uint:
		return "an Long"
	case reflect.Float32, reflect.Float64:
		return "an Double"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a Blob"
		}
		return "a List"
	case reflect.Map:
		return "a Map"
	}
	return "an Object"
}

func jsonKind(b []byte) string {
	if len(b) == 0 {
		return "value"
	}
	switch b[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	}
	return "number"
}

func cborKind(s string) string {
	switch {
	case strings.Contains(s, "text string"), strings.Contains(s, "byte string"):
		return "string"
	case strings.Contains(s, "array"):
		return "array"
	case strings.Contains(s, "map"):
		return "object"
	case strings.Contains(s, "primitives"), strings.Contains(s, "bool"):
		return "bool"
	}
	return "number"
}

func typeByName(name string) reflect.Type {
	switch {
	case strings.Contains(name, "[]uint8"):
		return reflect.TypeFor[[]byte]()
	case strings.HasSuffix(name, "string"):
		return reflect.TypeFor[string]()
	case strings.HasSuffix(name, "bool"):
		return reflect.TypeFor[bool]()
	case strings.HasSuffix(name, "int64"):
		return reflect.TypeFor[int64]()
	case strings.Contains(name, "int"):
		return reflect.TypeFor[int32]()
	case strings.Contains(name, "Timestamp"):
		return timestampType
	case strings.HasPrefix(name, "map"):
		return reflect.TypeFor[map[string]string]()
	case strings.HasPrefix(name, "[]"):
		return reflect.TypeFor[[]string]()
	}
	return nil
}

// Encode encodes a response value in format f. v's fields carry `json`
// tags (with omitempty for optional members).
func Encode(f Format, v any) ([]byte, error) {
	if f == CBOR {
		return encMode.Marshal(v)
	}
	return json.Marshal(v)
}
