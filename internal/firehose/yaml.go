package firehose

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/goccy/go-yaml"
)

// CreateRequestFromYAML turns the YAML form of a delivery stream (the
// CreateDeliveryStream input, with the API's field names) into the JSON
// body of a CreateDeliveryStream call, rejecting unknown fields. For
// example:
//
//	DeliveryStreamName: orders
//	ExtendedS3DestinationConfiguration:
//	  BucketARN: arn:aws:s3:::lake
//	  Prefix: "orders/!{timestamp:yyyy/MM/dd}/"
//	  ErrorOutputPrefix: "errors/!{firehose:error-output-type}/"
//	  BufferingHints: {SizeInMBs: 64, IntervalInSeconds: 60}
//
// name, when not empty, sets DeliveryStreamName.
func CreateRequestFromYAML(src []byte, name string) ([]byte, error) {
	j, err := yaml.YAMLToJSON(src)
	if err != nil {
		return nil, fmt.Errorf("parse YAML: %w", err)
	}
	var in CreateDeliveryStreamInput
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("delivery stream configuration: %w", err)
	}
	if name != "" {
		in.DeliveryStreamName = &name
	}
	return json.Marshal(&in)
}
