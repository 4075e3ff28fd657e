package kinesis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/eddy-streaming/eddy/internal/awsproto"
)

// Channels (CreateChannel, DescribeChannel, ListChannels, UpdateChannel,
// DeleteChannel) deliver an ON_DEMAND stream's records to a bucket. The
// handler keeps the channels' configuration (Options.ChannelsFile) and
// hands the delivery itself to a ChannelDelivery (in eddy serve, a hidden
// Firehose delivery stream reading the stream). S3 Tables (Iceberg)
// destinations are refused.

// ChannelDelivery runs the delivery of channels.
type ChannelDelivery interface {
	// CreateChannelDelivery starts delivering spec; id is the channel's
	// ChannelId, unique for the life of the data directory.
	CreateChannelDelivery(ctx context.Context, id string, spec ChannelSpec) error
	// UpdateChannelDelivery changes the data freshness of a delivery.
	UpdateChannelDelivery(ctx context.Context, id string, freshnessSeconds int) error
	// DeleteChannelDelivery stops and removes a delivery.
	DeleteChannelDelivery(ctx context.Context, id string) error
}

// ChannelSpec is what a channel delivers, and where.
type ChannelSpec struct {
	StreamARN, RoleARN string
	// RecordFormat is JSON, STRING or BYTE_ARRAY.
	RecordFormat string
	// BucketARN and Compression (NONE or GZIP) are from the storage
	// configuration; Prefix is where objects go.
	BucketARN, Compression, Prefix string
	// ErrorBucketARN and ErrorPrefix are the dead-letter location.
	ErrorBucketARN, ErrorPrefix string
	FreshnessSeconds            int
}

const (
	channelCreating = "CREATING"
	channelActive   = "ACTIVE"
	channelUpdating = "UPDATING"
	channelDeleting = "DELETING"

	// tokenListChannels is the kind of ListChannels tokens (token.go).
	tokenListChannels byte = 0x20

	defaultChannelFreshness = 300
	maxChannelFreshness     = 900
)

var channelNamePattern = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)

// SetChannelDelivery sets what delivers channels. Without one, channel
// operations fail with InvalidArgumentException.
func (h *Handler) SetChannelDelivery(d ChannelDelivery) {
	h.channels.mu.Lock()
	h.channels.delivery = d
	h.channels.mu.Unlock()
}

// channels is the channel registry.
type channels struct {
	mu       sync.Mutex
	loaded   bool
	byName   map[string]*channel
	delivery ChannelDelivery
}

// channel is one channel as stored in Options.ChannelsFile.
type channel struct {
	Name       string              `json:"name"`
	ID         string              `json:"id"`
	Created    time.Time           `json:"created"`
	Status     string              `json:"status"`
	RoleARN    string              `json:"role_arn"`
	Streams    []channelStreamDesc `json:"streams"`
	S3         s3ChannelDestDesc   `json:"s3"`
	Encryption json.RawMessage     `json:"encryption,omitempty"`
	Logging    json.RawMessage     `json:"logging,omitempty"`
	Tags       map[string]string   `json:"tags,omitempty"`
}

type recordConfiguration struct {
	RecordFormatType *string `json:"RecordFormatType"`
	GSRSchemaARN     *string `json:"GSRSchemaARN,omitempty"`
}

type channelStreamConfiguration struct {
	StreamARN           *string              `json:"StreamARN"`
	RecordConfiguration *recordConfiguration `json:"RecordConfiguration"`
}

type channelStreamDesc struct {
	StreamARN               string              `json:"StreamARN"`
	RecordConfiguration     recordConfiguration `json:"RecordConfiguration"`
	StreamCreationTimestamp *awsproto.Timestamp `json:"StreamCreationTimestamp"`
}

type s3StorageConfiguration struct {
	BucketARN           *string `json:"BucketARN"`
	CompressionType     *string `json:"CompressionType"`
	ExpectedBucketOwner *string `json:"ExpectedBucketOwner"`
	OutputKeyTemplate   *string `json:"OutputKeyTemplate,omitempty"`
	StorageClass        *string `json:"StorageClass,omitempty"`
}

type deadLetterQueueS3Configuration struct {
	BucketARN           *string `json:"BucketARN,omitempty"`
	ExpectedBucketOwner *string `json:"ExpectedBucketOwner,omitempty"`
	ErrorOutputPrefix   *string `json:"ErrorOutputPrefix,omitempty"`
}

type s3ChannelDestination struct {
	StorageConfiguration           *s3StorageConfiguration         `json:"StorageConfiguration"`
	DataFreshnessInSeconds         *int64                          `json:"DataFreshnessInSeconds"`
	DeadLetterQueueS3Configuration *deadLetterQueueS3Configuration `json:"DeadLetterQueueS3Configuration"`
}

type s3ChannelDestDesc struct {
	StorageConfiguration           s3StorageConfiguration         `json:"StorageConfiguration"`
	DataFreshnessInSeconds         int64                          `json:"DataFreshnessInSeconds"`
	DeadLetterQueueS3Configuration deadLetterQueueS3Configuration `json:"DeadLetterQueueS3Configuration"`
}

type createChannelInput struct {
	ChannelName                      *string                      `json:"ChannelName"`
	ServiceExecutionRoleARN          *string                      `json:"ServiceExecutionRoleARN"`
	StreamConfigurationList          []channelStreamConfiguration `json:"StreamConfigurationList"`
	EncryptionConfiguration          json.RawMessage              `json:"EncryptionConfiguration"`
	LoggingConfiguration             json.RawMessage              `json:"LoggingConfiguration"`
	S3DestinationConfiguration       *s3ChannelDestination        `json:"S3DestinationConfiguration"`
	S3TablesDestinationConfiguration json.RawMessage              `json:"S3TablesDestinationConfiguration"`
	Tags                             map[string]string            `json:"Tags"`
}

type channelARNInput struct {
	ChannelARN *string `json:"ChannelARN"`
}

type updateChannelInput struct {
	ChannelARN                 *string         `json:"ChannelARN"`
	LoggingConfiguration       json.RawMessage `json:"LoggingConfiguration"`
	S3DestinationConfiguration *struct {
		DataFreshnessInSeconds *int64 `json:"DataFreshnessInSeconds"`
	} `json:"S3DestinationConfiguration"`
	S3TablesDestinationConfiguration json.RawMessage `json:"S3TablesDestinationConfiguration"`
}

type listChannelsInput struct {
	MaxResults   *int64  `json:"MaxResults"`
	NextToken    *string `json:"NextToken"`
	StreamFilter []struct {
		StreamARN               *string             `json:"StreamARN"`
		StreamCreationTimestamp *awsproto.Timestamp `json:"StreamCreationTimestamp"`
	} `json:"StreamFilter"`
}

type channelDescription struct {
	ChannelARN                 string              `json:"ChannelARN"`
	ChannelCreationTimestamp   *awsproto.Timestamp `json:"ChannelCreationTimestamp"`
	ChannelId                  string              `json:"ChannelId"`
	ChannelName                string              `json:"ChannelName"`
	ChannelStatus              string              `json:"ChannelStatus"`
	ServiceExecutionRoleARN    string              `json:"ServiceExecutionRoleARN"`
	StreamConfigurationList    []channelStreamDesc `json:"StreamConfigurationList"`
	S3DestinationConfiguration *s3ChannelDestDesc  `json:"S3DestinationConfiguration"`
	EncryptionConfiguration    json.RawMessage     `json:"EncryptionConfiguration,omitempty"`
	LoggingConfiguration       json.RawMessage     `json:"LoggingConfiguration,omitempty"`
}

type channelDescriptionOutput struct {
	ChannelDescription channelDescription `json:"ChannelDescription"`
}

type channelStreamIdentifier struct {
	StreamARN               string              `json:"StreamARN"`
	StreamCreationTimestamp *awsproto.Timestamp `json:"StreamCreationTimestamp"`
}

type channelSummary struct {
	ChannelARN               string                    `json:"ChannelARN"`
	ChannelCreationTimestamp *awsproto.Timestamp       `json:"ChannelCreationTimestamp"`
	ChannelDestinationType   string                    `json:"ChannelDestinationType"`
	ChannelId                string                    `json:"ChannelId"`
	ChannelName              string                    `json:"ChannelName"`
	ChannelStatus            string                    `json:"ChannelStatus"`
	Streams                  []channelStreamIdentifier `json:"Streams"`
}

type listChannelsOutput struct {
	ChannelSummaries []channelSummary `json:"ChannelSummaries"`
	NextToken        *string          `json:"NextToken,omitempty"`
}

// Authorization: every channel operation names the channel by ARN (by
// name for CreateChannel).
type channelNamer interface {
	channelARN(h *Handler) (string, error)
}

func (in *createChannelInput) channelARN(h *Handler) (string, error) {
	if in.ChannelName == nil {
		var v validator
		v.required("channelName", false)
		return "", v.err()
	}
	return h.channelARNOf(*in.ChannelName), nil
}

func (in *channelARNInput) channelARN(*Handler) (string, error) { return requiredARN(in.ChannelARN) }
func (in *updateChannelInput) channelARN(*Handler) (string, error) {
	return requiredARN(in.ChannelARN)
}

func requiredARN(arn *string) (string, error) {
	if arn == nil {
		var v validator
		v.required("channelARN", false)
		return "", v.err()
	}
	return *arn, nil
}

func (h *Handler) channelARNOf(name string) string {
	return "arn:aws:kinesis:" + h.opts.Region + ":" + h.opts.AccountID + ":channel/" + name
}

// channelName resolves a channel ARN of this region and account.
func (h *Handler) channelName(arn string) (string, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "kinesis" {
		return "", invalidArgument("ChannelARN %s is invalid.", arn)
	}
	name, ok := strings.CutPrefix(parts[5], "channel/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", invalidArgument("ChannelARN %s is invalid.", arn)
	}
	if parts[3] != h.opts.Region || parts[4] != h.opts.AccountID {
		return "", apiErr(errResourceNotFound, "Channel %s under account %s not found.", name, parts[4])
	}
	return name, nil
}

func (h *Handler) channelNotFound(name string) error {
	return apiErr(errResourceNotFound, "Channel %s under account %s not found.", name, h.opts.AccountID)
}

// load reads the channels file once; channels left CREATING or UPDATING
// by an earlier process are ACTIVE, DELETING ones are gone (their
// delivery was removed before they became DELETING). Called with mu held.
func (h *Handler) loadChannels() error {
	c := &h.channels
	if c.loaded {
		return nil
	}
	c.byName = map[string]*channel{}
	if f := h.opts.ChannelsFile; f != "" {
		b, err := os.ReadFile(f)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("read channels: %w", err)
		}
		if len(b) > 0 {
			var list []*channel
			if err := json.Unmarshal(b, &list); err != nil {
				return fmt.Errorf("read channels %s: %w", f, err)
			}
			for _, ch := range list {
				switch ch.Status {
				case channelDeleting:
					continue
				case channelCreating, channelUpdating:
					ch.Status = channelActive
				}
				c.byName[ch.Name] = ch
			}
		}
	}
	c.loaded = true
	return nil
}

// saveChannels writes the channels file atomically. Called with mu held.
func (h *Handler) saveChannels() error {
	f := h.opts.ChannelsFile
	if f == "" {
		return nil
	}
	list := make([]*channel, 0, len(h.channels.byName))
	for _, ch := range h.channels.byName {
		list = append(list, ch)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(f), ".channels-*")
	if err != nil {
		return fmt.Errorf("save channels: %w", err)
	}
	if _, err := tmp.Write(b); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), f)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("save channels: %w", err)
	}
	return nil
}

// lockChannels locks the registry, loaded, and returns the delivery.
func (h *Handler) lockChannels() (ChannelDelivery, error) {
	h.channels.mu.Lock()
	if err := h.loadChannels(); err != nil {
		h.channels.mu.Unlock()
		return nil, err
	}
	if h.channels.delivery == nil {
		h.channels.mu.Unlock()
		return nil, invalidArgument("Channels are not available on this server.")
	}
	return h.channels.delivery, nil
}

// settleChannel moves a channel from one status to the next after
// Options.StatusDelay (at once without a delay). Called without mu held.
func (h *Handler) settleChannel(name, id, from string) {
	h.lifecycle.after(h.opts.StatusDelay, func() {
		h.channels.mu.Lock()
		defer h.channels.mu.Unlock()
		ch, ok := h.channels.byName[name]
		if !ok || ch.ID != id || ch.Status != from {
			return
		}
		if from == channelDeleting {
			delete(h.channels.byName, name)
		} else {
			ch.Status = channelActive
		}
		if err := h.saveChannels(); err != nil {
			h.opts.Logger.Error("save channels", "error", err)
		}
	})
}

func newChannelID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (h *Handler) createChannel(ctx context.Context, in *createChannelInput) (any, error) {
	var v validator
	v.reqStr("channelName", in.ChannelName, 1, 128, channelNamePattern)
	v.reqStr("serviceExecutionRoleARN", in.ServiceExecutionRoleARN, 1, 2048, nil)
	v.required("streamConfigurationList", in.StreamConfigurationList != nil)
	v.tagMap("tags", in.Tags, 0, 50)
	if err := v.err(); err != nil {
		return nil, err
	}
	if len(in.S3TablesDestinationConfiguration) > 0 && string(in.S3TablesDestinationConfiguration) != "null" {
		return nil, invalidArgument("S3 Tables (Iceberg) destinations are not supported by Eddy; use S3DestinationConfiguration")
	}
	d := in.S3DestinationConfiguration
	if d == nil {
		return nil, invalidArgument("Exactly one of S3DestinationConfiguration and S3TablesDestinationConfiguration must be specified.")
	}
	if len(in.StreamConfigurationList) != 1 {
		return nil, invalidArgument("StreamConfigurationList must contain exactly one stream configuration.")
	}
	sc := in.StreamConfigurationList[0]
	if sc.StreamARN == nil || sc.RecordConfiguration == nil || sc.RecordConfiguration.RecordFormatType == nil {
		return nil, invalidArgument("A stream configuration requires StreamARN and RecordConfiguration.RecordFormatType.")
	}
	format := *sc.RecordConfiguration.RecordFormatType
	switch format {
	case "JSON", "STRING", "BYTE_ARRAY":
	case "GSR_JSON":
		return nil, invalidArgument("RecordFormatType GSR_JSON is supported only for S3 Tables destinations.")
	default:
		return nil, invalidArgument("RecordFormatType %s is invalid; valid values are GSR_JSON, JSON, STRING and BYTE_ARRAY.", format)
	}
	st := d.StorageConfiguration
	if st == nil || st.BucketARN == nil || st.CompressionType == nil || st.ExpectedBucketOwner == nil {
		return nil, invalidArgument("S3DestinationConfiguration.StorageConfiguration requires BucketARN, CompressionType and ExpectedBucketOwner.")
	}
	switch *st.CompressionType {
	case "NONE", "GZIP":
	case "ZSTD":
		return nil, invalidArgument("CompressionType ZSTD is not supported by Eddy; use NONE or GZIP.")
	default:
		return nil, invalidArgument("CompressionType %s is invalid; valid values are NONE, GZIP and ZSTD.", *st.CompressionType)
	}
	if st.StorageClass != nil {
		switch *st.StorageClass {
		case "STANDARD", "INTELLIGENT_TIERING", "GLACIER_IR":
		default:
			return nil, invalidArgument("StorageClass %s is invalid; valid values are STANDARD, INTELLIGENT_TIERING and GLACIER_IR.", *st.StorageClass)
		}
	}
	freshness := int64(defaultChannelFreshness)
	if d.DataFreshnessInSeconds != nil {
		freshness = *d.DataFreshnessInSeconds
		if err := checkFreshness(freshness); err != nil {
			return nil, err
		}
	}
	name := *in.ChannelName
	_, _, stream, ok := parseStreamARN(*sc.StreamARN)
	if !ok {
		return nil, invalidArgument("StreamARN %s is invalid.", *sc.StreamARN)
	}
	sref := streamRef{StreamARN: sc.StreamARN}
	if _, err := h.streamName(sref); err != nil {
		return nil, err
	}
	s, err := h.lookup(stream)
	if err != nil {
		return nil, err
	}
	if s.Mode != "ON_DEMAND" {
		return nil, invalidArgument("Stream %s under account %s is not in ON_DEMAND capacity mode; channels are supported only for on-demand streams.", stream, h.opts.AccountID)
	}
	dlq := deadLetterQueueS3Configuration{BucketARN: st.BucketARN, ExpectedBucketOwner: st.ExpectedBucketOwner}
	if q := d.DeadLetterQueueS3Configuration; q != nil {
		if q.BucketARN != nil {
			dlq.BucketARN = q.BucketARN
		}
		if q.ExpectedBucketOwner != nil {
			dlq.ExpectedBucketOwner = q.ExpectedBucketOwner
		}
		dlq.ErrorOutputPrefix = q.ErrorOutputPrefix
	}
	if dlq.ErrorOutputPrefix == nil {
		p := "channel-errors/" + name + "/"
		dlq.ErrorOutputPrefix = &p
	}
	if *dlq.BucketARN != *st.BucketARN {
		return nil, invalidArgument("DeadLetterQueueS3Configuration.BucketARN must be the destination bucket on Eddy.")
	}
	prefix := "channels/" + name + "/"
	if st.OutputKeyTemplate != nil {
		prefix = *st.OutputKeyTemplate
	}

	// The status change may run at once (no status delay): after unlocking.
	var settle func()
	defer func() {
		if settle != nil {
			settle()
		}
	}()
	delivery, err := h.lockChannels()
	if err != nil {
		return nil, err
	}
	defer h.channels.mu.Unlock()
	if _, ok := h.channels.byName[name]; ok {
		return nil, apiErr(errResourceInUse, "Channel %s under account %s already exists.", name, h.opts.AccountID)
	}
	ch := &channel{
		Name: name, ID: newChannelID(), Created: h.opts.Now().UTC(), Status: channelCreating,
		RoleARN: *in.ServiceExecutionRoleARN,
		Streams: []channelStreamDesc{{StreamARN: h.streamARN(stream), RecordConfiguration: *sc.RecordConfiguration,
			StreamCreationTimestamp: awsproto.NewTimestamp(s.CreatedAt)}},
		S3:         s3ChannelDestDesc{StorageConfiguration: *st, DataFreshnessInSeconds: freshness, DeadLetterQueueS3Configuration: dlq},
		Encryption: nonNull(in.EncryptionConfiguration), Logging: nonNull(in.LoggingConfiguration), Tags: in.Tags,
	}
	compression := *st.CompressionType
	if err := delivery.CreateChannelDelivery(ctx, ch.ID, ChannelSpec{
		StreamARN: h.streamARN(stream), RoleARN: ch.RoleARN, RecordFormat: format,
		BucketARN: *st.BucketARN, Compression: compression, Prefix: prefix,
		ErrorBucketARN: *dlq.BucketARN, ErrorPrefix: *dlq.ErrorOutputPrefix, FreshnessSeconds: int(freshness),
	}); err != nil {
		return nil, err
	}
	h.channels.byName[name] = ch
	if err := h.saveChannels(); err != nil {
		delete(h.channels.byName, name)
		_ = delivery.DeleteChannelDelivery(ctx, ch.ID)
		return nil, err
	}
	out := channelDescriptionOutput{ChannelDescription: h.describe(ch)}
	settle = func() { h.settleChannel(name, ch.ID, channelCreating) }
	return out, nil
}

func checkFreshness(n int64) error {
	if n < 0 || n > maxChannelFreshness {
		return invalidArgument("DataFreshnessInSeconds must be between 0 and %d seconds on Eddy.", maxChannelFreshness)
	}
	return nil
}

func nonNull(m json.RawMessage) json.RawMessage {
	if len(m) == 0 || string(m) == "null" {
		return nil
	}
	return m
}

func (h *Handler) describe(ch *channel) channelDescription {
	s3 := ch.S3
	return channelDescription{
		ChannelARN: h.channelARNOf(ch.Name), ChannelCreationTimestamp: awsproto.NewTimestamp(ch.Created),
		ChannelId: ch.ID, ChannelName: ch.Name, ChannelStatus: ch.Status, ServiceExecutionRoleARN: ch.RoleARN,
		StreamConfigurationList: ch.Streams, S3DestinationConfiguration: &s3,
		EncryptionConfiguration: ch.Encryption, LoggingConfiguration: ch.Logging,
	}
}

// channelFor resolves an ARN to a channel; called with mu held.
func (h *Handler) channelFor(arn *string) (*channel, error) {
	a, err := requiredARN(arn)
	if err != nil {
		return nil, err
	}
	name, err := h.channelName(a)
	if err != nil {
		return nil, err
	}
	ch, ok := h.channels.byName[name]
	if !ok {
		return nil, h.channelNotFound(name)
	}
	return ch, nil
}

func (h *Handler) describeChannel(ctx context.Context, in *channelARNInput) (any, error) {
	if _, err := h.lockChannels(); err != nil {
		return nil, err
	}
	defer h.channels.mu.Unlock()
	ch, err := h.channelFor(in.ChannelARN)
	if err != nil {
		return nil, err
	}
	return channelDescriptionOutput{ChannelDescription: h.describe(ch)}, nil
}

func (h *Handler) updateChannel(ctx context.Context, in *updateChannelInput) (any, error) {
	if len(nonNull(in.S3TablesDestinationConfiguration)) > 0 {
		return nil, invalidArgument("S3 Tables (Iceberg) destinations are not supported by Eddy; use S3DestinationConfiguration")
	}
	var settle func()
	defer func() {
		if settle != nil {
			settle()
		}
	}()
	delivery, err := h.lockChannels()
	if err != nil {
		return nil, err
	}
	defer h.channels.mu.Unlock()
	ch, err := h.channelFor(in.ChannelARN)
	if err != nil {
		return nil, err
	}
	if ch.Status != channelActive {
		return nil, apiErr(errResourceInUse, "Channel %s under account %s not ACTIVE, instead in state %s", ch.Name, h.opts.AccountID, ch.Status)
	}
	if in.S3DestinationConfiguration == nil && len(nonNull(in.LoggingConfiguration)) == 0 {
		return nil, invalidArgument("At least one of S3DestinationConfiguration and LoggingConfiguration must be specified.")
	}
	next := *ch
	if u := in.S3DestinationConfiguration; u != nil {
		if u.DataFreshnessInSeconds == nil {
			var v validator
			v.required("s3DestinationConfiguration.dataFreshnessInSeconds", false)
			return nil, v.err()
		}
		if err := checkFreshness(*u.DataFreshnessInSeconds); err != nil {
			return nil, err
		}
		if *u.DataFreshnessInSeconds != ch.S3.DataFreshnessInSeconds {
			if err := delivery.UpdateChannelDelivery(ctx, ch.ID, int(*u.DataFreshnessInSeconds)); err != nil {
				return nil, err
			}
		}
		next.S3.DataFreshnessInSeconds = *u.DataFreshnessInSeconds
	}
	if l := nonNull(in.LoggingConfiguration); l != nil {
		next.Logging = l
	}
	next.Status = channelUpdating
	prev := *ch
	*ch = next
	if err := h.saveChannels(); err != nil {
		*ch = prev
		return nil, err
	}
	out := channelDescriptionOutput{ChannelDescription: h.describe(ch)}
	name, id := ch.Name, ch.ID
	settle = func() { h.settleChannel(name, id, channelUpdating) }
	return out, nil
}

func (h *Handler) deleteChannel(ctx context.Context, in *channelARNInput) (any, error) {
	var settle func()
	defer func() {
		if settle != nil {
			settle()
		}
	}()
	delivery, err := h.lockChannels()
	if err != nil {
		return nil, err
	}
	defer h.channels.mu.Unlock()
	ch, err := h.channelFor(in.ChannelARN)
	if err != nil {
		return nil, err
	}
	if ch.Status == channelDeleting {
		return nil, apiErr(errResourceInUse, "Channel %s under account %s is being deleted.", ch.Name, h.opts.AccountID)
	}
	if err := delivery.DeleteChannelDelivery(ctx, ch.ID); err != nil {
		return nil, err
	}
	ch.Status = channelDeleting
	if err := h.saveChannels(); err != nil {
		return nil, err
	}
	name, id := ch.Name, ch.ID
	settle = func() { h.settleChannel(name, id, channelDeleting) }
	return nil, nil
}

func (h *Handler) listChannels(ctx context.Context, in *listChannelsInput) (any, error) {
	limit := 100
	if in.MaxResults != nil {
		if *in.MaxResults < 1 {
			return nil, invalidArgument("MaxResults must be at least 1.")
		}
		limit = int(min(*in.MaxResults, 100))
	}
	after := ""
	if in.NextToken != nil {
		tok, err := h.openToken(tokenListChannels, *in.NextToken)
		if err != nil {
			return nil, err
		}
		after = tok.name
	}
	filter := map[string]bool{}
	for _, f := range in.StreamFilter {
		if f.StreamARN == nil {
			var v validator
			v.required("streamFilter.member.streamARN", false)
			return nil, v.err()
		}
		filter[*f.StreamARN] = true
	}
	if _, err := h.lockChannels(); err != nil {
		return nil, err
	}
	defer h.channels.mu.Unlock()
	names := make([]string, 0, len(h.channels.byName))
	for n := range h.channels.byName {
		if n > after {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	out := listChannelsOutput{ChannelSummaries: []channelSummary{}}
	for _, n := range names {
		ch := h.channels.byName[n]
		if len(filter) > 0 && !filter[ch.Streams[0].StreamARN] {
			continue
		}
		if len(out.ChannelSummaries) == limit {
			tok := h.sealToken(token{kind: tokenListChannels, name: out.ChannelSummaries[limit-1].ChannelName})
			out.NextToken = &tok
			break
		}
		sum := channelSummary{ChannelARN: h.channelARNOf(n), ChannelCreationTimestamp: awsproto.NewTimestamp(ch.Created),
			ChannelDestinationType: "S3", ChannelId: ch.ID, ChannelName: n, ChannelStatus: ch.Status}
		for _, s := range ch.Streams {
			sum.Streams = append(sum.Streams, channelStreamIdentifier{StreamARN: s.StreamARN, StreamCreationTimestamp: s.StreamCreationTimestamp})
		}
		out.ChannelSummaries = append(out.ChannelSummaries, sum)
	}
	return out, nil
}
