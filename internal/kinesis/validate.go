package kinesis

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/eddy-streaming/eddy/internal/awsproto"
)

// validator collects the model-constraint violations of a request, in the
// style of AWS's ValidationException:
//
//	2 validation errors detected: Value null at 'streamName' failed to
//	satisfy constraint: Member must not be null; Value '0' at 'shardCount'
//	failed to satisfy constraint: Member must have value greater than or
//	equal to 1
type validator struct {
	errs []string
}

// maxValidationErrors is how many violations a message lists at most.
const maxValidationErrors = 10

func (v *validator) fail(value string, quoted bool, field, constraint string) {
	if len(v.errs) >= maxValidationErrors {
		return
	}
	if quoted {
		value = "'" + value + "'"
	}
	v.errs = append(v.errs, "Value "+value+" at '"+field+"' failed to satisfy constraint: "+constraint)
}

// err returns the ValidationException, or nil when nothing failed.
func (v *validator) err() error {
	if len(v.errs) == 0 {
		return nil
	}
	noun := " validation error detected: "
	if len(v.errs) > 1 {
		noun = " validation errors detected: "
	}
	return awsproto.NewError(errValidation, strconv.Itoa(len(v.errs))+noun+strings.Join(v.errs, "; "))
}

func (v *validator) required(field string, present bool) bool {
	if !present {
		v.fail("null", false, field, "Member must not be null")
	}
	return present
}

// str checks an optional string's length bounds and pattern (nil pattern:
// none). Unicode length is counted in UTF-16 units as Java does; for the
// ASCII patterns used here that is the byte length.
func (v *validator) str(field string, s *string, min, max int, pattern *regexp.Regexp) {
	if s == nil {
		return
	}
	n := javaLength(*s)
	if pattern != nil && !pattern.MatchString(*s) {
		v.fail(*s, true, field, "Member must satisfy regular expression pattern: "+patternSource(pattern))
	}
	if n < min {
		v.fail(*s, true, field, "Member must have length greater than or equal to "+strconv.Itoa(min))
	}
	if max > 0 && n > max {
		v.fail(*s, true, field, "Member must have length less than or equal to "+strconv.Itoa(max))
	}
}

// reqStr is str for a required member.
func (v *validator) reqStr(field string, s *string, min, max int, pattern *regexp.Regexp) {
	if v.required(field, s != nil) {
		v.str(field, s, min, max, pattern)
	}
}

// intRange checks an optional integer's bounds (max 0: none).
func (v *validator) intRange(field string, n *int64, min, max int64) {
	if n == nil {
		return
	}
	if *n < min {
		v.fail(strconv.FormatInt(*n, 10), true, field, "Member must have value greater than or equal to "+strconv.FormatInt(min, 10))
	}
	if max > 0 && *n > max {
		v.fail(strconv.FormatInt(*n, 10), true, field, "Member must have value less than or equal to "+strconv.FormatInt(max, 10))
	}
}

// enum checks an optional string against a value set.
func (v *validator) enum(field string, s *string, values []string) {
	if s == nil {
		return
	}
	for _, x := range values {
		if *s == x {
			return
		}
	}
	v.fail(*s, true, field, "Member must satisfy enum value set: ["+strings.Join(values, ", ")+"]")
}

// blob checks a blob's length; AWS prints blobs as Java ByteBuffers.
func (v *validator) blob(field string, b []byte, max int) {
	if len(b) > max {
		n := strconv.Itoa(len(b))
		v.fail("java.nio.HeapByteBuffer[pos=0 lim="+n+" cap="+n+"]", true, field,
			"Member must have length less than or equal to "+strconv.Itoa(max))
	}
}

// tagMap checks a tag map's size and its keys' and values' lengths.
func (v *validator) tagMap(field string, tags map[string]string, min, max int) {
	if len(tags) < min {
		v.fail(mapString(tags), true, field, "Member must have length greater than or equal to "+strconv.Itoa(min))
	}
	if len(tags) > max {
		v.fail(mapString(tags), true, field, "Member must have length less than or equal to "+strconv.Itoa(max))
	}
	for k, val := range tags {
		if n := javaLength(k); n < 1 || n > 128 {
			v.fail(mapString(tags), true, field, "Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]")
			break
		}
		if javaLength(val) > 256 {
			v.fail(mapString(tags), true, field, "Map value must satisfy constraint: [Member must have length less than or equal to 256, Member must have length greater than or equal to 0]")
			break
		}
	}
}

// tagKeys checks a list of tag keys.
func (v *validator) tagKeys(field string, keys []string, min, max int) {
	if len(keys) < min {
		v.fail("["+strings.Join(keys, ", ")+"]", true, field, "Member must have length greater than or equal to "+strconv.Itoa(min))
	}
	if len(keys) > max {
		v.fail("["+strings.Join(keys, ", ")+"]", true, field, "Member must have length less than or equal to "+strconv.Itoa(max))
	}
	for _, k := range keys {
		if n := javaLength(k); n < 1 || n > 128 {
			v.fail("["+strings.Join(keys, ", ")+"]", true, field, "Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]")
			break
		}
	}
}

func mapString(m map[string]string) string {
	keys := sortedKeys(m)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// javaLength is the length of s in UTF-16 code units.
func javaLength(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// Patterns of the Kinesis model. They are matched whole.
var (
	patternName          = mustPattern(`[a-zA-Z0-9_.-]+`)
	patternStreamARN     = mustPattern(`arn:aws.*:kinesis:.*:\d{12}:stream/\S+`)
	patternResourceARN   = mustPattern(`arn:aws.*:kinesis:.*:\d{12}:.+`)
	patternHashKey       = mustPattern(`0|([1-9]\d{0,38})`)
	patternSequence      = mustPattern(`0|([1-9]\d{0,128})`)
	patternSources       = map[*regexp.Regexp]string{}
	shardIteratorTypes   = []string{"AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"}
	shardFilterTypes     = []string{"AFTER_SHARD_ID", "AT_TRIM_HORIZON", "FROM_TRIM_HORIZON", "AT_LATEST", "AT_TIMESTAMP", "FROM_TIMESTAMP"}
	streamModes          = []string{modeProvisioned, modeOnDemand}
	maxPartitionKeyChars = 256
)

func mustPattern(src string) *regexp.Regexp {
	re := regexp.MustCompile(`^(?:` + src + `)$`)
	patternSources[re] = src
	return re
}

func patternSource(re *regexp.Regexp) string { return patternSources[re] }

// Stream modes.
const (
	modeProvisioned = "PROVISIONED"
	modeOnDemand    = "ON_DEMAND"
)

// streamRef validation, shared by every operation that names a stream.
func (v *validator) streamRef(r streamRef) {
	v.str("streamName", r.StreamName, 1, 128, patternName)
	v.str("streamARN", r.StreamARN, 1, 2048, patternStreamARN)
}
