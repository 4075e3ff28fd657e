package kinesisanalytics

import (
	"context"
	"errors"
	"sort"

	"github.com/eddy-streaming/eddy/internal/awsproto"
)

// CreateApplicationInput is the request of CreateApplication.
type CreateApplicationInput struct {
	ApplicationName          *string                   `json:"ApplicationName"`
	ApplicationDescription   *string                   `json:"ApplicationDescription"`
	ApplicationCode          *string                   `json:"ApplicationCode"`
	Inputs                   []Input                   `json:"Inputs"`
	Outputs                  []Output                  `json:"Outputs"`
	CloudWatchLoggingOptions []CloudWatchLoggingOption `json:"CloudWatchLoggingOptions"`
	Tags                     []Tag                     `json:"Tags"`
}

// CreateApplicationOutput is its response.
type CreateApplicationOutput struct {
	ApplicationSummary ApplicationSummary `json:"ApplicationSummary"`
}

func (s *Service) createApplication(_ context.Context, in *CreateApplicationInput) (any, error) {
	var v validator
	v.appName("applicationName", in.ApplicationName)
	v.str("applicationDescription", in.ApplicationDescription, 0, maxDescriptionLength, nil)
	v.str("applicationCode", in.ApplicationCode, 0, maxCodeLength, nil)
	for i := range in.Inputs {
		v.input("inputs."+itoa(i+1)+".member", &in.Inputs[i])
	}
	for i := range in.Outputs {
		v.output("outputs."+itoa(i+1)+".member", &in.Outputs[i])
	}
	for i, l := range in.CloudWatchLoggingOptions {
		f := "cloudWatchLoggingOptions." + itoa(i+1) + ".member"
		v.reqStr(f+".logStreamARN", l.LogStreamARN, 1, 2048, patternARN)
		v.reqStr(f+".roleARN", l.RoleARN, 1, 2048, patternARN)
	}
	if in.Tags != nil {
		v.tags("tags", in.Tags, 1)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if len(in.Inputs) > 1 {
		return nil, invalidArgument("An application can have only one streaming input; %d were given.", len(in.Inputs))
	}
	now := s.opts.Now().UTC().Truncate(1e6)
	def := &application{Name: *in.ApplicationName, Description: in.ApplicationDescription, Code: deref(in.ApplicationCode),
		Version: 1, Created: now, Updated: now}
	for i := range in.Inputs {
		d, err := s.newInput(def, &in.Inputs[i])
		if err != nil {
			return nil, err
		}
		def.Inputs = append(def.Inputs, d)
	}
	for i := range in.Outputs {
		d, err := s.newOutput(def, &in.Outputs[i])
		if err != nil {
			return nil, err
		}
		def.Outputs = append(def.Outputs, d)
	}
	if err := checkOutputs(def); err != nil {
		return nil, err
	}
	for _, l := range in.CloudWatchLoggingOptions {
		def.Logging = append(def.Logging, loggingDef{ID: def.newID(), LogStream: *l.LogStreamARN, Role: *l.RoleARN})
	}
	if len(in.Tags) > 0 {
		def.Tags = map[string]string{}
		for _, t := range in.Tags {
			def.Tags[*t.Key] = deref(t.Value)
		}
	}
	if err := def.validate(); err != nil {
		return nil, err
	}

	s.opMu.Lock()
	defer s.opMu.Unlock()
	s.mu.Lock()
	closed := s.closed
	_, exists := s.apps[def.Name]
	s.mu.Unlock()
	if closed {
		return nil, serviceUnavailable("The service is shutting down. Try again.")
	}
	if exists {
		return nil, inUse("Application %s already exists.", def.Name)
	}
	if err := s.db.put(def, true); err != nil {
		if errors.Is(err, errExists) {
			return nil, inUse("Application %s already exists.", def.Name)
		}
		return nil, err
	}
	s.mu.Lock()
	s.apps[def.Name] = &app{def: def, status: statusReady}
	s.mu.Unlock()
	return &CreateApplicationOutput{ApplicationSummary: ApplicationSummary{
		ApplicationName: def.Name, ApplicationARN: s.ARN(def.Name), ApplicationStatus: statusReady}}, nil
}

// newInput checks an input's resources and makes its definition.
func (s *Service) newInput(def *application, in *Input) (inputDef, error) {
	d := inputDef{NamePrefix: *in.NamePrefix, Parallelism: 1, Schema: *in.InputSchema}
	if in.InputParallelism != nil && in.InputParallelism.Count != nil {
		d.Parallelism = int(*in.InputParallelism.Count)
	}
	if in.InputProcessingConfiguration != nil {
		return d, invalidArgument("Input preprocessing with AWS Lambda is not supported by Eddy.")
	}
	switch {
	case in.KinesisStreamsInput != nil && in.KinesisFirehoseInput != nil:
		return d, invalidArgument("An input must have exactly one of KinesisStreamsInput and KinesisFirehoseInput.")
	case in.KinesisStreamsInput != nil:
		if _, err := s.streamOf(*in.KinesisStreamsInput.ResourceARN); err != nil {
			return d, err
		}
		d.Stream = in.KinesisStreamsInput
	case in.KinesisFirehoseInput != nil:
		if _, err := s.firehoseOf(*in.KinesisFirehoseInput.ResourceARN); err != nil {
			return d, err
		}
		d.Firehose = in.KinesisFirehoseInput
	default:
		return d, invalidArgument("An input must have exactly one of KinesisStreamsInput and KinesisFirehoseInput.")
	}
	if _, err := toSchema(&d.Schema); err != nil {
		return d, invalidArgument("Invalid input schema: %v", err)
	}
	d.ID = def.newID()
	return d, nil
}

// newOutput checks an output's destination and makes its definition.
func (s *Service) newOutput(def *application, o *Output) (outputDef, error) {
	d := outputDef{Name: *o.Name, Format: *o.DestinationSchema.RecordFormatType}
	n := 0
	if o.KinesisStreamsOutput != nil {
		n++
		if _, err := s.streamOf(*o.KinesisStreamsOutput.ResourceARN); err != nil {
			return d, err
		}
		d.Stream = o.KinesisStreamsOutput
	}
	if o.KinesisFirehoseOutput != nil {
		n++
		if _, err := s.firehoseOf(*o.KinesisFirehoseOutput.ResourceARN); err != nil {
			return d, err
		}
		d.Firehose = o.KinesisFirehoseOutput
	}
	if o.LambdaOutput != nil {
		return d, invalidArgument("AWS Lambda outputs are not supported by Eddy.")
	}
	if n != 1 {
		return d, invalidArgument("An output must have exactly one of KinesisStreamsOutput, KinesisFirehoseOutput and LambdaOutput.")
	}
	d.ID = def.newID()
	return d, nil
}

// maxOutputs is KDA's limit of destinations per application.
const maxOutputs = 3

func checkOutputs(def *application) error {
	if len(def.Outputs) > maxOutputs {
		return invalidArgument("An application can have at most %d outputs.", maxOutputs)
	}
	seen := map[string]bool{}
	for _, o := range def.Outputs {
		if seen[o.Name] {
			return invalidArgument("Output %s is configured more than once.", o.Name)
		}
		seen[o.Name] = true
	}
	return nil
}

// DescribeApplicationInput is the request of DescribeApplication.
type DescribeApplicationInput struct {
	ApplicationName *string `json:"ApplicationName"`
}

// DescribeApplicationOutput is its response.
type DescribeApplicationOutput struct {
	ApplicationDetail ApplicationDetail `json:"ApplicationDetail"`
}

func (s *Service) describeApplication(_ context.Context, in *DescribeApplicationInput) (any, error) {
	var v validator
	v.appName("applicationName", in.ApplicationName)
	if err := v.err(); err != nil {
		return nil, err
	}
	a, err := s.lookup(*in.ApplicationName)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	def, status, exec := a.def.clone(), a.status, a.exec
	s.mu.Unlock()
	d := s.detail(def, status)
	if exec != nil {
		d.EddyRuntime = exec.runtime(s.opts.Now())
	}
	return &DescribeApplicationOutput{ApplicationDetail: d}, nil
}

func (s *Service) detail(def *application, status string) ApplicationDetail {
	d := ApplicationDetail{
		ApplicationName: def.Name, ApplicationDescription: def.Description, ApplicationARN: s.ARN(def.Name),
		ApplicationStatus: status, CreateTimestamp: awsproto.NewTimestamp(def.Created),
		LastUpdateTimestamp: awsproto.NewTimestamp(def.Updated), ApplicationCode: ptr(def.Code),
		ApplicationVersionId: def.Version,
		InputDescriptions:    []InputDescription{}, OutputDescriptions: []OutputDescription{},
		ReferenceDataSourceDescriptions: []ReferenceDataSourceDescription{}, CloudWatchLoggingOptionDescriptions: []CloudWatchLoggingOptionDescription{},
	}
	for _, in := range def.Inputs {
		desc := InputDescription{InputId: in.ID, NamePrefix: in.NamePrefix, InAppStreamNames: in.inAppStreams(),
			KinesisStreamsInputDescription: in.Stream, KinesisFirehoseInputDescription: in.Firehose,
			InputSchema: ptr(in.Schema), InputParallelism: &InputParallelism{Count: ptr(int64(in.Parallelism))}}
		if in.Position != "" {
			desc.InputStartingPositionConfiguration = &InputStartingPositionConfiguration{InputStartingPosition: ptr(in.Position)}
		}
		d.InputDescriptions = append(d.InputDescriptions, desc)
	}
	for _, o := range def.Outputs {
		d.OutputDescriptions = append(d.OutputDescriptions, OutputDescription{OutputId: o.ID, Name: o.Name,
			KinesisStreamsOutputDescription: o.Stream, KinesisFirehoseOutputDescription: o.Firehose, LambdaOutputDescription: o.Lambda,
			DestinationSchema: &DestinationSchema{RecordFormatType: ptr(o.Format)}})
	}
	for _, r := range def.References {
		d.ReferenceDataSourceDescriptions = append(d.ReferenceDataSourceDescriptions, ReferenceDataSourceDescription{
			ReferenceId: r.ID, TableName: r.Table, S3ReferenceDataSourceDescription: ptr(r.Source), ReferenceSchema: ptr(r.Schema)})
	}
	for _, l := range def.Logging {
		d.CloudWatchLoggingOptionDescriptions = append(d.CloudWatchLoggingOptionDescriptions, CloudWatchLoggingOptionDescription{
			CloudWatchLoggingOptionId: l.ID, LogStreamARN: l.LogStream, RoleARN: l.Role})
	}
	return d
}

// ListApplicationsInput is the request of ListApplications.
type ListApplicationsInput struct {
	Limit                         *int64  `json:"Limit"`
	ExclusiveStartApplicationName *string `json:"ExclusiveStartApplicationName"`
}

// ListApplicationsOutput is its response.
type ListApplicationsOutput struct {
	ApplicationSummaries []ApplicationSummary `json:"ApplicationSummaries"`
	HasMoreApplications  bool                 `json:"HasMoreApplications"`
}

func (s *Service) listApplications(_ context.Context, in *ListApplicationsInput) (any, error) {
	var v validator
	v.intRange("limit", in.Limit, 1, 50)
	v.str("exclusiveStartApplicationName", in.ExclusiveStartApplicationName, 1, 128, patternAppName)
	if err := v.err(); err != nil {
		return nil, err
	}
	limit := 50
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	names := s.names()
	if in.ExclusiveStartApplicationName != nil {
		i := sort.SearchStrings(names, *in.ExclusiveStartApplicationName)
		if i < len(names) && names[i] == *in.ExclusiveStartApplicationName {
			i++
		}
		names = names[i:]
	}
	out := &ListApplicationsOutput{ApplicationSummaries: []ApplicationSummary{}}
	if len(names) > limit {
		names, out.HasMoreApplications = names[:limit], true
	}
	s.mu.Lock()
	for _, n := range names {
		if a, ok := s.apps[n]; ok {
			out.ApplicationSummaries = append(out.ApplicationSummaries, ApplicationSummary{
				ApplicationName: n, ApplicationARN: s.ARN(n), ApplicationStatus: a.status})
		}
	}
	s.mu.Unlock()
	return out, nil
}

// DeleteApplicationInput is the request of DeleteApplication.
type DeleteApplicationInput struct {
	ApplicationName *string             `json:"ApplicationName"`
	CreateTimestamp *awsproto.Timestamp `json:"CreateTimestamp"`
}

func (s *Service) deleteApplication(_ context.Context, in *DeleteApplicationInput) (any, error) {
	var v validator
	v.appName("applicationName", in.ApplicationName)
	v.required("createTimestamp", in.CreateTimestamp != nil)
	if err := v.err(); err != nil {
		return nil, err
	}
	s.opMu.Lock()
	defer s.opMu.Unlock()
	a, err := s.lookup(*in.ApplicationName)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	created := a.def.Created
	s.mu.Unlock()
	if in.CreateTimestamp.UnixMilli() != created.UnixMilli() {
		return nil, apiError(typeConcurrentModification, "CreateTimestamp %s does not match the creation time of application %s.",
			in.CreateTimestamp.UTC().Format("2006-01-02T15:04:05.000Z"), *in.ApplicationName)
	}
	s.mu.Lock()
	a.status = statusDeleting
	exec := a.exec
	s.mu.Unlock()
	if exec != nil {
		exec.stop()
	}
	if err := s.db.delete(*in.ApplicationName); err != nil {
		return nil, err
	}
	removeCheckpoint(s.checkpointPath(*in.ApplicationName))
	s.mu.Lock()
	delete(s.apps, *in.ApplicationName)
	s.mu.Unlock()
	return struct{}{}, nil
}
