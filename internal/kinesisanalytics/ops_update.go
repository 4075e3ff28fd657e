package kinesisanalytics

import "context"

// UpdateApplicationInput is the request of UpdateApplication.
type UpdateApplicationInput struct {
	ApplicationName             *string            `json:"ApplicationName"`
	CurrentApplicationVersionId *int64             `json:"CurrentApplicationVersionId"`
	ApplicationUpdate           *ApplicationUpdate `json:"ApplicationUpdate"`
}

// ApplicationUpdate lists the changes of an UpdateApplication.
type ApplicationUpdate struct {
	ApplicationCodeUpdate          *string                         `json:"ApplicationCodeUpdate"`
	InputUpdates                   []InputUpdate                   `json:"InputUpdates"`
	OutputUpdates                  []OutputUpdate                  `json:"OutputUpdates"`
	ReferenceDataSourceUpdates     []ReferenceDataSourceUpdate     `json:"ReferenceDataSourceUpdates"`
	CloudWatchLoggingOptionUpdates []CloudWatchLoggingOptionUpdate `json:"CloudWatchLoggingOptionUpdates"`
}

// ResourceRoleUpdate changes a resource or its role.
type ResourceRoleUpdate struct {
	ResourceARNUpdate *string `json:"ResourceARNUpdate"`
	RoleARNUpdate     *string `json:"RoleARNUpdate"`
}

// InputSchemaUpdate changes an input's schema.
type InputSchemaUpdate struct {
	RecordFormatUpdate   *RecordFormat  `json:"RecordFormatUpdate"`
	RecordEncodingUpdate *string        `json:"RecordEncodingUpdate"`
	RecordColumnUpdates  []RecordColumn `json:"RecordColumnUpdates"`
}

// InputUpdate changes an input.
type InputUpdate struct {
	InputId                            *string             `json:"InputId"`
	NamePrefixUpdate                   *string             `json:"NamePrefixUpdate"`
	InputProcessingConfigurationUpdate *struct{}           `json:"InputProcessingConfigurationUpdate"`
	KinesisStreamsInputUpdate          *ResourceRoleUpdate `json:"KinesisStreamsInputUpdate"`
	KinesisFirehoseInputUpdate         *ResourceRoleUpdate `json:"KinesisFirehoseInputUpdate"`
	InputSchemaUpdate                  *InputSchemaUpdate  `json:"InputSchemaUpdate"`
	InputParallelismUpdate             *struct {
		CountUpdate *int64 `json:"CountUpdate"`
	} `json:"InputParallelismUpdate"`
}

// OutputUpdate changes an output.
type OutputUpdate struct {
	OutputId                    *string             `json:"OutputId"`
	NameUpdate                  *string             `json:"NameUpdate"`
	KinesisStreamsOutputUpdate  *ResourceRoleUpdate `json:"KinesisStreamsOutputUpdate"`
	KinesisFirehoseOutputUpdate *ResourceRoleUpdate `json:"KinesisFirehoseOutputUpdate"`
	LambdaOutputUpdate          *ResourceRoleUpdate `json:"LambdaOutputUpdate"`
	DestinationSchemaUpdate     *DestinationSchema  `json:"DestinationSchemaUpdate"`
}

// ReferenceDataSourceUpdate changes a reference table.
type ReferenceDataSourceUpdate struct {
	ReferenceId                 *string `json:"ReferenceId"`
	TableNameUpdate             *string `json:"TableNameUpdate"`
	S3ReferenceDataSourceUpdate *struct {
		BucketARNUpdate        *string `json:"BucketARNUpdate"`
		FileKeyUpdate          *string `json:"FileKeyUpdate"`
		ReferenceRoleARNUpdate *string `json:"ReferenceRoleARNUpdate"`
	} `json:"S3ReferenceDataSourceUpdate"`
	ReferenceSchemaUpdate *SourceSchema `json:"ReferenceSchemaUpdate"`
}

// CloudWatchLoggingOptionUpdate changes a logging option.
type CloudWatchLoggingOptionUpdate struct {
	CloudWatchLoggingOptionId *string `json:"CloudWatchLoggingOptionId"`
	LogStreamARNUpdate        *string `json:"LogStreamARNUpdate"`
	RoleARNUpdate             *string `json:"RoleARNUpdate"`
}

func (s *Service) validateUpdate(in *UpdateApplicationInput) error {
	var v validator
	v.appName("applicationName", in.ApplicationName)
	v.version("currentApplicationVersionId", in.CurrentApplicationVersionId)
	if !v.required("applicationUpdate", in.ApplicationUpdate != nil) {
		return v.err()
	}
	u := in.ApplicationUpdate
	v.str("applicationUpdate.applicationCodeUpdate", u.ApplicationCodeUpdate, 0, maxCodeLength, nil)
	for i, iu := range u.InputUpdates {
		f := "applicationUpdate.inputUpdates." + itoa(i+1) + ".member"
		v.reqStr(f+".inputId", iu.InputId, 1, 50, patternID)
		v.str(f+".namePrefixUpdate", iu.NamePrefixUpdate, 1, maxInAppNameLength, patternInAppName)
		if iu.InputParallelismUpdate != nil {
			v.intRange(f+".inputParallelismUpdate.countUpdate", iu.InputParallelismUpdate.CountUpdate, 1, maxParallelism)
		}
		for _, r := range []*ResourceRoleUpdate{iu.KinesisStreamsInputUpdate, iu.KinesisFirehoseInputUpdate} {
			if r != nil {
				v.str(f+".resourceARNUpdate", r.ResourceARNUpdate, 1, 2048, patternARN)
				v.str(f+".roleARNUpdate", r.RoleARNUpdate, 1, 2048, patternARN)
			}
		}
		if su := iu.InputSchemaUpdate; su != nil {
			v.str(f+".inputSchemaUpdate.recordEncodingUpdate", su.RecordEncodingUpdate, 0, 0, patternEncoding)
			if su.RecordColumnUpdates != nil {
				v.count(f+".inputSchemaUpdate.recordColumnUpdates", len(su.RecordColumnUpdates), 1, 1000)
			}
		}
	}
	for i, ou := range u.OutputUpdates {
		f := "applicationUpdate.outputUpdates." + itoa(i+1) + ".member"
		v.reqStr(f+".outputId", ou.OutputId, 1, 50, patternID)
		v.str(f+".nameUpdate", ou.NameUpdate, 1, maxInAppNameLength, patternInAppName)
		if d := ou.DestinationSchemaUpdate; d != nil {
			v.enum(f+".destinationSchemaUpdate.recordFormatType", d.RecordFormatType, "JSON", "CSV")
		}
	}
	for i, ru := range u.ReferenceDataSourceUpdates {
		f := "applicationUpdate.referenceDataSourceUpdates." + itoa(i+1) + ".member"
		v.reqStr(f+".referenceId", ru.ReferenceId, 1, 50, patternID)
		v.str(f+".tableNameUpdate", ru.TableNameUpdate, 1, maxInAppNameLength, nil)
		v.schema(f+".referenceSchemaUpdate", ru.ReferenceSchemaUpdate)
	}
	for i, lu := range u.CloudWatchLoggingOptionUpdates {
		f := "applicationUpdate.cloudWatchLoggingOptionUpdates." + itoa(i+1) + ".member"
		v.reqStr(f+".cloudWatchLoggingOptionId", lu.CloudWatchLoggingOptionId, 1, 50, patternID)
	}
	return v.err()
}

func (s *Service) updateApplication(ctx context.Context, in *UpdateApplicationInput) (any, error) {
	if err := s.validateUpdate(in); err != nil {
		return nil, err
	}
	u := in.ApplicationUpdate
	return struct{}{}, s.change(*in.ApplicationName, *in.CurrentApplicationVersionId, func(def *application) error {
		if u.ApplicationCodeUpdate != nil {
			def.Code = *u.ApplicationCodeUpdate
		}
		for _, iu := range u.InputUpdates {
			if err := s.applyInputUpdate(def, &iu); err != nil {
				return err
			}
		}
		for _, ou := range u.OutputUpdates {
			if err := s.applyOutputUpdate(def, &ou); err != nil {
				return err
			}
		}
		for _, ru := range u.ReferenceDataSourceUpdates {
			if err := s.applyReferenceUpdate(ctx, def, &ru); err != nil {
				return err
			}
		}
		for _, lu := range u.CloudWatchLoggingOptionUpdates {
			found := false
			for i := range def.Logging {
				l := &def.Logging[i]
				if l.ID == *lu.CloudWatchLoggingOptionId {
					found = true
					if lu.LogStreamARNUpdate != nil {
						l.LogStream = *lu.LogStreamARNUpdate
					}
					if lu.RoleARNUpdate != nil {
						l.Role = *lu.RoleARNUpdate
					}
				}
			}
			if !found {
				return invalidArgument("CloudWatch logging option %s is not found in application %s.", *lu.CloudWatchLoggingOptionId, def.Name)
			}
		}
		return nil
	})
}

func (s *Service) applyInputUpdate(def *application, iu *InputUpdate) error {
	in, err := s.input(def, *iu.InputId)
	if err != nil {
		return err
	}
	if iu.InputProcessingConfigurationUpdate != nil {
		return invalidArgument("Input preprocessing with AWS Lambda is not supported by Eddy.")
	}
	if iu.NamePrefixUpdate != nil {
		in.NamePrefix = *iu.NamePrefixUpdate
	}
	if iu.InputParallelismUpdate != nil && iu.InputParallelismUpdate.CountUpdate != nil {
		in.Parallelism = int(*iu.InputParallelismUpdate.CountUpdate)
	}
	if r := iu.KinesisStreamsInputUpdate; r != nil {
		if in.Stream == nil {
			return invalidArgument("Input %s does not read a Kinesis stream.", in.ID)
		}
		if r.ResourceARNUpdate != nil {
			if _, err := s.streamOf(*r.ResourceARNUpdate); err != nil {
				return err
			}
			in.Stream.ResourceARN = r.ResourceARNUpdate
		}
		if r.RoleARNUpdate != nil {
			in.Stream.RoleARN = r.RoleARNUpdate
		}
	}
	if r := iu.KinesisFirehoseInputUpdate; r != nil {
		if in.Firehose == nil {
			return invalidArgument("Input %s does not read a Firehose delivery stream.", in.ID)
		}
		if r.ResourceARNUpdate != nil {
			if _, err := s.firehoseOf(*r.ResourceARNUpdate); err != nil {
				return err
			}
			in.Firehose.ResourceARN = r.ResourceARNUpdate
		}
		if r.RoleARNUpdate != nil {
			in.Firehose.RoleARN = r.RoleARNUpdate
		}
	}
	if su := iu.InputSchemaUpdate; su != nil {
		if su.RecordFormatUpdate != nil {
			in.Schema.RecordFormat = su.RecordFormatUpdate
		}
		if su.RecordEncodingUpdate != nil {
			in.Schema.RecordEncoding = su.RecordEncodingUpdate
		}
		if su.RecordColumnUpdates != nil {
			in.Schema.RecordColumns = su.RecordColumnUpdates
		}
		var v validator
		v.schema("inputSchema", &in.Schema)
		if err := v.err(); err != nil {
			return err
		}
		if _, err := toSchema(&in.Schema); err != nil {
			return invalidArgument("Invalid input schema: %v", err)
		}
	}
	return nil
}

func (s *Service) applyOutputUpdate(def *application, ou *OutputUpdate) error {
	var o *outputDef
	for i := range def.Outputs {
		if def.Outputs[i].ID == *ou.OutputId {
			o = &def.Outputs[i]
		}
	}
	if o == nil {
		return invalidArgument("Output %s is not found in application %s.", *ou.OutputId, def.Name)
	}
	if ou.NameUpdate != nil {
		o.Name = *ou.NameUpdate
	}
	if d := ou.DestinationSchemaUpdate; d != nil && d.RecordFormatType != nil {
		o.Format = *d.RecordFormatType
	}
	if ou.LambdaOutputUpdate != nil {
		return invalidArgument("AWS Lambda outputs are not supported by Eddy.")
	}
	if r := ou.KinesisStreamsOutputUpdate; r != nil {
		if r.ResourceARNUpdate != nil {
			if _, err := s.streamOf(*r.ResourceARNUpdate); err != nil {
				return err
			}
			o.Stream, o.Firehose = &ResourceRole{ResourceARN: r.ResourceARNUpdate, RoleARN: r.RoleARNUpdate}, nil
		} else if o.Stream != nil && r.RoleARNUpdate != nil {
			o.Stream.RoleARN = r.RoleARNUpdate
		}
	}
	if r := ou.KinesisFirehoseOutputUpdate; r != nil {
		if r.ResourceARNUpdate != nil {
			if _, err := s.firehoseOf(*r.ResourceARNUpdate); err != nil {
				return err
			}
			o.Firehose, o.Stream = &ResourceRole{ResourceARN: r.ResourceARNUpdate, RoleARN: r.RoleARNUpdate}, nil
		} else if o.Firehose != nil && r.RoleARNUpdate != nil {
			o.Firehose.RoleARN = r.RoleARNUpdate
		}
	}
	return nil
}

func (s *Service) applyReferenceUpdate(ctx context.Context, def *application, ru *ReferenceDataSourceUpdate) error {
	var r *referenceDef
	for i := range def.References {
		if def.References[i].ID == *ru.ReferenceId {
			r = &def.References[i]
		}
	}
	if r == nil {
		return invalidArgument("Reference data source %s is not found in application %s.", *ru.ReferenceId, def.Name)
	}
	if ru.TableNameUpdate != nil {
		r.Table = *ru.TableNameUpdate
	}
	if su := ru.S3ReferenceDataSourceUpdate; su != nil {
		if su.BucketARNUpdate != nil {
			r.Source.BucketARN = su.BucketARNUpdate
		}
		if su.FileKeyUpdate != nil {
			r.Source.FileKey = su.FileKeyUpdate
		}
		if su.ReferenceRoleARNUpdate != nil {
			r.Source.ReferenceRoleARN = su.ReferenceRoleARNUpdate
		}
		if _, err := s.readReference(ctx, r.Source); err != nil {
			return err
		}
	}
	if ru.ReferenceSchemaUpdate != nil {
		if _, err := toSchema(ru.ReferenceSchemaUpdate); err != nil {
			return invalidArgument("Invalid reference schema: %v", err)
		}
		r.Schema = *ru.ReferenceSchemaUpdate
	}
	return nil
}
