package firehose

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/eddy-streaming/eddy/internal/awsproto"
)

func (s *Service) updateDestination(ctx context.Context, in *UpdateDestinationInput) (any, error) {
	if err := checkName(in.DeliveryStreamName, "deliveryStreamName"); err != nil {
		return nil, err
	}
	if in.CurrentDeliveryStreamVersionId == nil {
		return nil, validation("Value null at 'currentDeliveryStreamVersionId' failed to satisfy constraint: Member must not be null")
	}
	if in.DestinationId == nil {
		return nil, validation("Value null at 'destinationId' failed to satisfy constraint: Member must not be null")
	}
	ds, err := s.lookup(*in.DeliveryStreamName)
	if err != nil {
		return nil, err
	}
	if *in.DestinationId != "destinationId-000000000001" {
		return nil, invalidArgument(fmt.Sprintf("Destination %s not found", *in.DestinationId))
	}
	var compileErr error
	_, err = ds.saveMeta(func(m *meta) error {
		if strconv.FormatInt(m.Version, 10) != *in.CurrentDeliveryStreamVersionId {
			return awsproto.NewError(typeConcurrentModification, fmt.Sprintf("Cannot update firehose: %s since the current version id: %d and body version id: %s does not match", m.Name, m.Version, *in.CurrentDeliveryStreamVersionId))
		}
		next, err := mergeDestination(m.Dest, in)
		if err != nil {
			return err
		}
		if _, err := s.compile(m.Name, m.Version+1, next); err != nil {
			compileErr = err
			return err
		}
		m.Dest = next
		m.Version++
		m.Updated = s.opts.Now().UTC()
		return nil
	})
	if err != nil {
		if compileErr != nil {
			return nil, compileErr
		}
		return nil, err
	}
	return struct{}{}, nil
}

// mergeDestination applies an update to the stored destination: fields
// present in the update replace, recursively for objects, the stored
// ones.
func mergeDestination(cur destination, in *UpdateDestinationInput) (destination, error) {
	var base, upd any
	next := destination{}
	switch {
	case in.ExtendedS3DestinationUpdate != nil || in.S3DestinationUpdate != nil:
		if cur.ExtendedS3 == nil {
			return next, invalidArgument("Changing the destination type is not supported; update the destination of the same type")
		}
		base = cur.ExtendedS3
		if in.ExtendedS3DestinationUpdate != nil {
			u := *in.ExtendedS3DestinationUpdate
			if u.S3BackupUpdate != nil {
				u.S3BackupConfiguration, u.S3BackupUpdate = u.S3BackupUpdate, nil
			}
			upd = &u
		} else {
			upd = plainToExtended(in.S3DestinationUpdate)
		}
		next.ExtendedS3, next.Plain = &ExtendedS3DestinationConfiguration{}, cur.Plain && in.ExtendedS3DestinationUpdate == nil
		return next, mergeInto(base, upd, next.ExtendedS3)
	case in.HttpEndpointDestinationUpdate != nil:
		if cur.HTTP == nil {
			return next, invalidArgument("Changing the destination type is not supported; update the destination of the same type")
		}
		u := *in.HttpEndpointDestinationUpdate
		if u.S3Update != nil {
			u.S3Configuration, u.S3Update = u.S3Update, nil
		}
		next.HTTP = &HttpEndpointDestinationConfiguration{}
		return next, mergeInto(cur.HTTP, &u, next.HTTP)
	case in.PostgreSQLDestinationUpdate != nil:
		if cur.PostgreSQL == nil {
			return next, invalidArgument("Changing the destination type is not supported; update the destination of the same type")
		}
		u := *in.PostgreSQLDestinationUpdate
		if u.S3Update != nil {
			u.S3Configuration, u.S3Update = u.S3Update, nil
		}
		next.PostgreSQL = &PostgreSQLDestinationConfiguration{}
		return next, mergeInto(cur.PostgreSQL, &u, next.PostgreSQL)
	}
	return next, invalidArgument("UpdateDestination requires a destination update")
}

func mergeInto(base, upd, out any) error {
	var b, u map[string]any
	bj, _ := json.Marshal(base)
	uj, _ := json.Marshal(upd)
	if err := json.Unmarshal(bj, &b); err != nil {
		return err
	}
	if err := json.Unmarshal(uj, &u); err != nil {
		return err
	}
	merged, _ := json.Marshal(mergeMaps(b, u))
	return json.Unmarshal(merged, out)
}

func mergeMaps(b, u map[string]any) map[string]any {
	if b == nil {
		b = map[string]any{}
	}
	for k, v := range u {
		if um, ok := v.(map[string]any); ok {
			if bm, ok := b[k].(map[string]any); ok {
				b[k] = mergeMaps(bm, um)
				continue
			}
		}
		b[k] = v
	}
	return b
}
