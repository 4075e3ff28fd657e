package kinesisanalytics

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/eddy-streaming/eddy/internal/awsproto"
)

// validator collects model-constraint violations in the style of AWS's
// ValidationException ("1 validation error detected: Value 'a b' at
// 'applicationName' failed to satisfy constraint: Member must satisfy
// regular expression pattern: [a-zA-Z0-9_.-]+").
type validator struct {
	errs []string
}

func (v *validator) fail(value string, quoted bool, field, constraint string) {
	if len(v.errs) >= 10 {
		return
	}
	if quoted {
		value = "'" + value + "'"
	}
	v.errs = append(v.errs, "Value "+value+" at '"+field+"' failed to satisfy constraint: "+constraint)
}

func (v *validator) err() error {
	if len(v.errs) == 0 {
		return nil
	}
	noun := " validation error detected: "
	if len(v.errs) > 1 {
		noun = " validation errors detected: "
	}
	return awsproto.NewError(typeValidation, strconv.Itoa(len(v.errs))+noun+strings.Join(v.errs, "; "))
}

func (v *validator) required(field string, present bool) bool {
	if !present {
		v.fail("null", false, field, "Member must not be null")
	}
	return present
}

// str checks an optional string's length (in UTF-16 units, as Java counts)
// and pattern.
func (v *validator) str(field string, s *string, min, max int, pattern *regexp.Regexp) {
	if s == nil {
		return
	}
	n := 0
	for _, r := range *s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	if pattern != nil && !pattern.MatchString(*s) {
		v.fail(*s, true, field, "Member must satisfy regular expression pattern: "+patternSources[pattern])
	}
	if n < min {
		v.fail(*s, true, field, "Member must have length greater than or equal to "+strconv.Itoa(min))
	}
	if max > 0 && n > max {
		v.fail(*s, true, field, "Member must have length less than or equal to "+strconv.Itoa(max))
	}
}

func (v *validator) reqStr(field string, s *string, min, max int, pattern *regexp.Regexp) {
	if v.required(field, s != nil) {
		v.str(field, s, min, max, pattern)
	}
}

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

func (v *validator) enum(field string, s *string, values ...string) {
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

func (v *validator) count(field string, n, min, max int) {
	if n < min {
		v.fail("[...]", false, field, "Member must have length greater than or equal to "+strconv.Itoa(min))
	}
	if max > 0 && n > max {
		v.fail("[...]", false, field, "Member must have length less than or equal to "+strconv.Itoa(max))
	}
}

// Patterns of the Kinesis Analytics model, matched whole.
var (
	patternSources     = map[*regexp.Regexp]string{}
	patternAppName     = mustPattern(`[a-zA-Z0-9_.-]+`)
	patternInAppName   = mustPattern(`[^-\s<>&]*`)
	patternID          = mustPattern(`[a-zA-Z0-9_.-]+`)
	patternARN         = mustPattern(`arn:.*`)
	patternEncoding    = mustPattern(`UTF-8`)
	patternRecordPath  = mustPattern(`\$\S*`)
	patternBucketOrDir = mustPattern(`arn:.*|file://.*`)
)

func mustPattern(src string) *regexp.Regexp {
	re := regexp.MustCompile(`^(?:` + src + `)$`)
	patternSources[re] = src
	return re
}

// Field limits of the model.
const (
	maxCodeLength        = 102400
	maxDescriptionLength = 1024
	maxInAppNameLength   = 32
	maxVersionID         = 999999999
	maxParallelism       = 64
)

func (v *validator) schema(field string, s *SourceSchema) {
	if s == nil {
		return
	}
	if v.required(field+".recordFormat", s.RecordFormat != nil) {
		f := s.RecordFormat
		if v.required(field+".recordFormat.recordFormatType", f.RecordFormatType != nil) {
			v.enum(field+".recordFormat.recordFormatType", f.RecordFormatType, "JSON", "CSV")
		}
		if mp := f.MappingParameters; mp != nil {
			if j := mp.JSONMappingParameters; j != nil {
				v.reqStr(field+".recordFormat.mappingParameters.jSONMappingParameters.recordRowPath", j.RecordRowPath, 1, 0, patternRecordPath)
			}
			if c := mp.CSVMappingParameters; c != nil {
				v.reqStr(field+".recordFormat.mappingParameters.cSVMappingParameters.recordRowDelimiter", c.RecordRowDelimiter, 1, 0, nil)
				v.reqStr(field+".recordFormat.mappingParameters.cSVMappingParameters.recordColumnDelimiter", c.RecordColumnDelimiter, 1, 0, nil)
			}
		}
	}
	v.str(field+".recordEncoding", s.RecordEncoding, 0, 0, patternEncoding)
	if v.required(field+".recordColumns", s.RecordColumns != nil) {
		v.count(field+".recordColumns", len(s.RecordColumns), 1, 1000)
		for i := range s.RecordColumns {
			c := &s.RecordColumns[i]
			f := field + ".recordColumns." + strconv.Itoa(i+1) + ".member"
			v.reqStr(f+".name", c.Name, 0, 0, patternInAppName)
			v.reqStr(f+".sqlType", c.SqlType, 1, 0, nil)
		}
	}
}

func (v *validator) resourceRole(field string, r *ResourceRole) {
	if r == nil {
		return
	}
	v.reqStr(field+".resourceARN", r.ResourceARN, 1, 2048, patternARN)
	v.reqStr(field+".roleARN", r.RoleARN, 1, 2048, patternARN)
}

func (v *validator) input(field string, in *Input) {
	v.reqStr(field+".namePrefix", in.NamePrefix, 1, maxInAppNameLength, patternInAppName)
	v.resourceRole(field+".kinesisStreamsInput", in.KinesisStreamsInput)
	v.resourceRole(field+".kinesisFirehoseInput", in.KinesisFirehoseInput)
	if in.InputParallelism != nil {
		v.intRange(field+".inputParallelism.count", in.InputParallelism.Count, 1, maxParallelism)
	}
	if v.required(field+".inputSchema", in.InputSchema != nil) {
		v.schema(field+".inputSchema", in.InputSchema)
	}
}

func (v *validator) output(field string, o *Output) {
	v.reqStr(field+".name", o.Name, 1, maxInAppNameLength, patternInAppName)
	v.resourceRole(field+".kinesisStreamsOutput", o.KinesisStreamsOutput)
	v.resourceRole(field+".kinesisFirehoseOutput", o.KinesisFirehoseOutput)
	v.resourceRole(field+".lambdaOutput", o.LambdaOutput)
	if v.required(field+".destinationSchema", o.DestinationSchema != nil) {
		d := o.DestinationSchema
		if v.required(field+".destinationSchema.recordFormatType", d.RecordFormatType != nil) {
			v.enum(field+".destinationSchema.recordFormatType", d.RecordFormatType, "JSON", "CSV")
		}
	}
}

func (v *validator) reference(field string, r *ReferenceDataSource) {
	v.reqStr(field+".tableName", r.TableName, 1, maxInAppNameLength, nil)
	if s := r.S3ReferenceDataSource; s != nil {
		v.reqStr(field+".s3ReferenceDataSource.bucketARN", s.BucketARN, 1, 2048, patternBucketOrDir)
		v.reqStr(field+".s3ReferenceDataSource.fileKey", s.FileKey, 1, 1024, nil)
		v.reqStr(field+".s3ReferenceDataSource.referenceRoleARN", s.ReferenceRoleARN, 1, 2048, patternARN)
	}
	if v.required(field+".referenceSchema", r.ReferenceSchema != nil) {
		v.schema(field+".referenceSchema", r.ReferenceSchema)
	}
}

func (v *validator) tags(field string, tags []Tag, min int) {
	v.count(field, len(tags), min, 200)
	for i, t := range tags {
		f := field + "." + strconv.Itoa(i+1) + ".member"
		v.reqStr(f+".key", t.Key, 1, 128, nil)
		v.str(f+".value", t.Value, 0, 256, nil)
	}
}

func (v *validator) appName(field string, name *string) {
	v.reqStr(field, name, 1, 128, patternAppName)
}

func (v *validator) version(field string, n *int64) {
	if v.required(field, n != nil) {
		v.intRange(field, n, 1, maxVersionID)
	}
}
