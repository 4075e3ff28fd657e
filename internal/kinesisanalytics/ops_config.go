package kinesisanalytics

import (
	"context"
	"strconv"
)

func itoa(i int) string { return strconv.Itoa(i) }

// change applies fn to a copy of an application's definition at the given
// version, checks and stores the result as the next version, and, if the
// application runs, restarts it on the new definition from its last
// checkpoint (as KDA does: the status is UPDATING meanwhile).
func (s *Service) change(name string, version int64, fn func(def *application) error) error {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	a, err := s.lookup(name)
	if err != nil {
		return err
	}
	s.mu.Lock()
	def, status := a.def.clone(), a.status
	s.mu.Unlock()
	if def.Version != version {
		return versionMismatch(name, version, def.Version)
	}
	if status != statusReady && status != statusRunning {
		return inUse("Application %s is in %s status; try again once it is READY or RUNNING.", name, status)
	}
	if err := fn(def); err != nil {
		return err
	}
	if err := checkOutputs(def); err != nil {
		return err
	}
	if err := def.validate(); err != nil {
		return err
	}
	def.Version++
	def.Updated = s.opts.Now().UTC().Truncate(1e6)
	if err := s.db.put(def, false); err != nil {
		return err
	}
	s.mu.Lock()
	a.def = def
	exec := a.exec
	if exec != nil {
		a.status = statusUpdating
	}
	s.mu.Unlock()
	if exec != nil {
		exec.stop()
		s.mu.Lock()
		a.status = statusStarting
		a.exec = s.launch(a, def.clone(), nil)
		s.mu.Unlock()
	}
	return nil
}

func (s *Service) input(def *application, id string) (*inputDef, error) {
	for i := range def.Inputs {
		if def.Inputs[i].ID == id {
			return &def.Inputs[i], nil
		}
	}
	return nil, invalidArgument("Input %s is not found in application %s.", id, def.Name)
}

// AddApplicationInputInput is the request of AddApplicationInput.
type AddApplicationInputInput struct {
	ApplicationName             *string `json:"ApplicationName"`
	CurrentApplicationVersionId *int64  `json:"CurrentApplicationVersionId"`
	Input                       *Input  `json:"Input"`
}

func (s *Service) addApplicationInput(_ context.Context, in *AddApplicationInputInput) (any, error) {
	var v validator
	v.appName("applicationName", in.ApplicationName)
	v.version("currentApplicationVersionId", in.CurrentApplicationVersionId)
	if v.required("input", in.Input != nil) {
		v.input("input", in.Input)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	return struct{}{}, s.change(*in.ApplicationName, *in.CurrentApplicationVersionId, func(def *application) error {
		if len(def.Inputs) > 0 {
			return invalidArgument("Application %s already has an input; an application can have only one streaming input.", def.Name)
		}
		d, err := s.newInput(def, in.Input)
		if err != nil {
			return err
		}
		def.Inputs = append(def.Inputs, d)
		return nil
	})
}

// AddApplicationOutputInput is the request of AddApplicationOutput.
type AddApplicationOutputInput struct {
	ApplicationName             *string `json:"ApplicationName"`
	CurrentApplicationVersionId *int64  `json:"CurrentApplicationVersionId"`
	Output                      *Output `json:"Output"`
}

func (s *Service) addApplicationOutput(_ context.Context, in *AddApplicationOutputInput) (any, error) {
	var v validator
	v.appName("applicationName", in.ApplicationName)
	v.version("currentApplicationVersionId", in.CurrentApplicationVersionId)
	if v.required("output", in.Output != nil) {
		v.output("output", in.Output)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	return struct{}{}, s.change(*in.ApplicationName, *in.CurrentApplicationVersionId, func(def *application) error {
		d, err := s.newOutput(def, in.Output)
		if err != nil {
			return err
		}
		def.Outputs = append(def.Outputs, d)
		return nil
	})
}

// DeleteApplicationOutputInput is the request of DeleteApplicationOutput.
type DeleteApplicationOutputInput struct {
	ApplicationName             *string `json:"ApplicationName"`
	CurrentApplicationVersionId *int64  `json:"CurrentApplicationVersionId"`
	OutputId                    *string `json:"OutputId"`
}

func (s *Service) deleteApplicationOutput(_ context.Context, in *DeleteApplicationOutputInput) (any, error) {
	var v validator
	v.appName("applicationName", in.ApplicationName)
	v.version("currentApplicationVersionId", in.CurrentApplicationVersionId)
	v.reqStr("outputId", in.OutputId, 1, 50, patternID)
	if err := v.err(); err != nil {
		return nil, err
	}
	return struct{}{}, s.change(*in.ApplicationName, *in.CurrentApplicationVersionId, func(def *application) error {
		for i, o := range def.Outputs {
			if o.ID == *in.OutputId {
				def.Outputs = append(def.Outputs[:i], def.Outputs[i+1:]...)
				return nil
			}
		}
		return apiError(typeResourceNotFound, "Output %s is not found in application %s.", *in.OutputId, def.Name)
	})
}

// AddApplicationReferenceDataSourceInput is the request of
// AddApplicationReferenceDataSource.
type AddApplicationReferenceDataSourceInput struct {
	ApplicationName             *string              `json:"ApplicationName"`
	CurrentApplicationVersionId *int64               `json:"CurrentApplicationVersionId"`
	ReferenceDataSource         *ReferenceDataSource `json:"ReferenceDataSource"`
}

func (s *Service) addReferenceDataSource(ctx context.Context, in *AddApplicationReferenceDataSourceInput) (any, error) {
	var v validator
	v.appName("applicationName", in.ApplicationName)
	v.version("currentApplicationVersionId", in.CurrentApplicationVersionId)
	if v.required("referenceDataSource", in.ReferenceDataSource != nil) {
		v.reference("referenceDataSource", in.ReferenceDataSource)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	ref := in.ReferenceDataSource
	if ref.S3ReferenceDataSource == nil {
		return nil, invalidArgument("ReferenceDataSource needs an S3ReferenceDataSource.")
	}
	if _, err := toSchema(ref.ReferenceSchema); err != nil {
		return nil, invalidArgument("Invalid reference schema: %v", err)
	}
	// The object must be readable now, as KDA checks.
	if _, err := s.readReference(ctx, *ref.S3ReferenceDataSource); err != nil {
		return nil, err
	}
	return struct{}{}, s.change(*in.ApplicationName, *in.CurrentApplicationVersionId, func(def *application) error {
		for _, r := range def.References {
			if r.Table == *ref.TableName {
				return invalidArgument("Reference table %s already exists in application %s.", r.Table, def.Name)
			}
		}
		def.References = append(def.References, referenceDef{ID: def.newID(), Table: *ref.TableName,
			Source: *ref.S3ReferenceDataSource, Schema: *ref.ReferenceSchema})
		return nil
	})
}

// DeleteApplicationReferenceDataSourceInput is the request of
// DeleteApplicationReferenceDataSource.
type DeleteApplicationReferenceDataSourceInput struct {
	ApplicationName             *string `json:"ApplicationName"`
	CurrentApplicationVersionId *int64  `json:"CurrentApplicationVersionId"`
	ReferenceId                 *string `json:"ReferenceId"`
}

func (s *Service) deleteReferenceDataSource(_ context.Context, in *DeleteApplicationReferenceDataSourceInput) (any, error) {
	var v validator
	v.appName("applicationName", in.ApplicationName)
	v.version("currentApplicationVersionId", in.CurrentApplicationVersionId)
	v.reqStr("referenceId", in.ReferenceId, 1, 50, patternID)
	if err := v.err(); err != nil {
		return nil, err
	}
	return struct{}{}, s.change(*in.ApplicationName, *in.CurrentApplicationVersionId, func(def *application) error {
		for i, r := range def.References {
			if r.ID == *in.ReferenceId {
				def.References = append(def.References[:i], def.References[i+1:]...)
				return nil
			}
		}
		return apiError(typeResourceNotFound, "Reference data source %s is not found in application %s.", *in.ReferenceId, def.Name)
	})
}

// AddApplicationCloudWatchLoggingOptionInput is the request of
// AddApplicationCloudWatchLoggingOption. Eddy stores the option and
// describes it; it logs through its own logger.
type AddApplicationCloudWatchLoggingOptionInput struct {
	ApplicationName             *string                  `json:"ApplicationName"`
	CurrentApplicationVersionId *int64                   `json:"CurrentApplicationVersionId"`
	CloudWatchLoggingOption     *CloudWatchLoggingOption `json:"CloudWatchLoggingOption"`
}

func (s *Service) addLoggingOption(_ context.Context, in *AddApplicationCloudWatchLoggingOptionInput) (any, error) {
	var v validator
	v.appName("applicationName", in.ApplicationName)
	v.version("currentApplicationVersionId", in.CurrentApplicationVersionId)
	if v.required("cloudWatchLoggingOption", in.CloudWatchLoggingOption != nil) {
		v.reqStr("cloudWatchLoggingOption.logStreamARN", in.CloudWatchLoggingOption.LogStreamARN, 1, 2048, patternARN)
		v.reqStr("cloudWatchLoggingOption.roleARN", in.CloudWatchLoggingOption.RoleARN, 1, 2048, patternARN)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	return struct{}{}, s.change(*in.ApplicationName, *in.CurrentApplicationVersionId, func(def *application) error {
		def.Logging = append(def.Logging, loggingDef{ID: def.newID(), LogStream: *in.CloudWatchLoggingOption.LogStreamARN,
			Role: *in.CloudWatchLoggingOption.RoleARN})
		return nil
	})
}

// DeleteApplicationCloudWatchLoggingOptionInput is the request of
// DeleteApplicationCloudWatchLoggingOption.
type DeleteApplicationCloudWatchLoggingOptionInput struct {
	ApplicationName             *string `json:"ApplicationName"`
	CurrentApplicationVersionId *int64  `json:"CurrentApplicationVersionId"`
	CloudWatchLoggingOptionId   *string `json:"CloudWatchLoggingOptionId"`
}

func (s *Service) deleteLoggingOption(_ context.Context, in *DeleteApplicationCloudWatchLoggingOptionInput) (any, error) {
	var v validator
	v.appName("applicationName", in.ApplicationName)
	v.version("currentApplicationVersionId", in.CurrentApplicationVersionId)
	v.reqStr("cloudWatchLoggingOptionId", in.CloudWatchLoggingOptionId, 1, 50, patternID)
	if err := v.err(); err != nil {
		return nil, err
	}
	return struct{}{}, s.change(*in.ApplicationName, *in.CurrentApplicationVersionId, func(def *application) error {
		for i, l := range def.Logging {
			if l.ID == *in.CloudWatchLoggingOptionId {
				def.Logging = append(def.Logging[:i], def.Logging[i+1:]...)
				return nil
			}
		}
		return apiError(typeResourceNotFound, "CloudWatch logging option %s is not found in application %s.", *in.CloudWatchLoggingOptionId, def.Name)
	})
}

// inputProcessingInput covers Add/DeleteApplicationInputProcessingConfiguration.
type inputProcessingInput struct {
	ApplicationName             *string `json:"ApplicationName"`
	CurrentApplicationVersionId *int64  `json:"CurrentApplicationVersionId"`
	InputId                     *string `json:"InputId"`
}

func (s *Service) addInputProcessing(_ context.Context, _ *inputProcessingInput) (any, error) {
	return nil, apiError(typeUnsupportedOperation, "Input preprocessing with AWS Lambda is not supported by Eddy.")
}

func (s *Service) deleteInputProcessing(_ context.Context, _ *inputProcessingInput) (any, error) {
	return nil, apiError(typeUnsupportedOperation, "Input preprocessing with AWS Lambda is not supported by Eddy.")
}
