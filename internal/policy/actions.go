package policy

import (
	"slices"
	"strings"
)

// ResourceType is the kind of resource an operation acts on.
type ResourceType string

// Resource types of Kinesis Data Streams.
const (
	// ResourceNone marks account-level operations (ListStreams,
	// DescribeLimits, ...): no resource, so no resource policy applies.
	ResourceNone ResourceType = ""
	// ResourceStream is arn:aws:kinesis:<region>:<account>:stream/<name>.
	ResourceStream ResourceType = "stream"
	// ResourceConsumer is
	// arn:aws:kinesis:<region>:<account>:stream/<name>/consumer/<consumer>:<created>.
	ResourceConsumer ResourceType = "consumer"
	// ResourceChannel is arn:aws:kinesis:<region>:<account>:channel/<name>.
	ResourceChannel ResourceType = "channel"
)

// Operation is one Kinesis Data Streams API operation and what authorizes
// it.
type Operation struct {
	// Name is the operation, as in X-Amz-Target "Kinesis_20131202.<Name>".
	Name string
	// Action is the IAM action, "kinesis:<Name>" for every operation.
	Action string
	// Resources are the resource types the request can name; the policy
	// of the named resource is the one that applies. Empty for
	// account-level operations.
	Resources []ResourceType
}

// ServicePrefix is the IAM service prefix of Kinesis Data Streams.
const ServicePrefix = "kinesis"

var (
	stream        = []ResourceType{ResourceStream}
	consumer      = []ResourceType{ResourceConsumer}
	channel       = []ResourceType{ResourceChannel}
	streamOrCons  = []ResourceType{ResourceStream, ResourceConsumer}
	taggable      = []ResourceType{ResourceStream, ResourceConsumer, ResourceChannel}
	accountLevel  []ResourceType
	operationList = []Operation{
		op("AddTagsToStream", stream),
		op("CreateChannel", channel),
		op("CreateStream", stream),
		op("DecreaseStreamRetentionPeriod", stream),
		op("DeleteChannel", channel),
		op("DeleteResourcePolicy", streamOrCons),
		op("DeleteStream", stream),
		op("DeregisterStreamConsumer", consumer),
		op("DescribeAccountSettings", accountLevel),
		op("DescribeChannel", channel),
		op("DescribeLimits", accountLevel),
		op("DescribeStream", stream),
		op("DescribeStreamConsumer", consumer),
		op("DescribeStreamSummary", stream),
		op("DisableEnhancedMonitoring", stream),
		op("EnableEnhancedMonitoring", stream),
		op("GetRecords", stream),
		op("GetResourcePolicy", streamOrCons),
		op("GetShardIterator", stream),
		op("IncreaseStreamRetentionPeriod", stream),
		op("ListChannels", accountLevel),
		op("ListShards", stream),
		op("ListStreamConsumers", stream),
		op("ListStreams", accountLevel),
		op("ListTagsForResource", taggable),
		op("ListTagsForStream", stream),
		op("MergeShards", stream),
		op("PutRecord", stream),
		op("PutRecords", stream),
		op("PutResourcePolicy", streamOrCons),
		op("RegisterStreamConsumer", stream),
		op("RemoveTagsFromStream", stream),
		op("SplitShard", stream),
		op("StartStreamEncryption", stream),
		op("StopStreamEncryption", stream),
		op("SubscribeToShard", consumer),
		op("TagResource", taggable),
		op("UntagResource", taggable),
		op("UpdateAccountSettings", accountLevel),
		op("UpdateChannel", channel),
		op("UpdateMaxRecordSize", stream),
		op("UpdateShardCount", stream),
		op("UpdateStreamMode", stream),
		op("UpdateStreamRecordDistributionStrategy", stream),
		op("UpdateStreamWarmThroughput", stream),
	}
	// actionsLower are the known actions in lower case, for matching.
	actionsLower = func() []string {
		out := make([]string, len(operationList))
		for i, o := range operationList {
			out[i] = strings.ToLower(o.Action)
		}
		return out
	}()
)

func op(name string, resources []ResourceType) Operation {
	return Operation{Name: name, Action: ServicePrefix + ":" + name, Resources: resources}
}

// Operations returns every Kinesis Data Streams operation, sorted by name.
func Operations() []Operation {
	out := slices.Clone(operationList)
	for i := range out {
		out[i].Resources = slices.Clone(out[i].Resources)
	}
	return out
}

// OperationByName returns the operation with the given name.
func OperationByName(name string) (Operation, bool) {
	i, ok := slices.BinarySearchFunc(operationList, name, func(o Operation, n string) int { return strings.Compare(o.Name, n) })
	if !ok {
		return Operation{}, false
	}
	return operationList[i], true
}

// policyManagement reports whether an action reads or changes resource
// policies.
func policyManagement(action string) bool {
	switch strings.ToLower(action) {
	case "kinesis:putresourcepolicy", "kinesis:getresourcepolicy", "kinesis:deleteresourcepolicy":
		return true
	}
	return false
}
