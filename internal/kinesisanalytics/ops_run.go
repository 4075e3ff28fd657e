package kinesisanalytics

import (
	"context"
	"time"
)

// StartApplicationInput is the request of StartApplication.
type StartApplicationInput struct {
	ApplicationName     *string              `json:"ApplicationName"`
	InputConfigurations []InputConfiguration `json:"InputConfigurations"`
}

func (s *Service) startApplication(ctx context.Context, in *StartApplicationInput) (any, error) {
	var v validator
	v.appName("applicationName", in.ApplicationName)
	if v.required("inputConfigurations", in.InputConfigurations != nil) {
		for i, c := range in.InputConfigurations {
			f := "inputConfigurations." + itoa(i+1) + ".member"
			v.reqStr(f+".id", c.Id, 1, 50, patternID)
			if v.required(f+".inputStartingPositionConfiguration", c.InputStartingPositionConfiguration != nil) {
				v.enum(f+".inputStartingPositionConfiguration.inputStartingPosition",
					c.InputStartingPositionConfiguration.InputStartingPosition, positionNow, positionTrimHorizon, positionLastStopped)
			}
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	name := *in.ApplicationName
	s.opMu.Lock()
	defer s.opMu.Unlock()
	a, err := s.lookup(name)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	def, status := a.def.clone(), a.status
	s.mu.Unlock()
	if status != statusReady {
		return nil, inUse("Application %s is in %s status; it can be started only when it is READY.", name, status)
	}
	if len(def.Inputs) == 0 {
		return nil, configError("Application %s has no input to start.", name)
	}
	positions := map[string]string{}
	for _, c := range in.InputConfigurations {
		if _, err := s.input(def, *c.Id); err != nil {
			return nil, err
		}
		positions[*c.Id] = positionNow
		if p := c.InputStartingPositionConfiguration.InputStartingPosition; p != nil {
			positions[*c.Id] = *p
		}
	}
	now := s.opts.Now()
	fresh := false
	for i := range def.Inputs {
		d := &def.Inputs[i]
		pos, ok := positions[d.ID]
		if !ok {
			return nil, invalidArgument("InputConfigurations has no entry for input %s.", d.ID)
		}
		d.Position = pos
		switch {
		case pos == positionTrimHorizon:
			d.Origin, d.Started, fresh = positionTrimHorizon, time.Time{}, true
		case pos == positionNow || d.Origin == "":
			// LAST_STOPPED_POINT of an application never started is NOW.
			d.Origin, d.Started, fresh = positionNow, now, true
		}
	}
	if fresh {
		removeCheckpoint(s.checkpointPath(name))
	}
	s.mu.Lock()
	a.status = statusStarting
	s.mu.Unlock()
	r, err := s.newRunner(ctx, def)
	if err == nil {
		def.Running = true
		err = s.db.put(def, false)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		a.status = statusReady
		return nil, err
	}
	a.def = def
	a.status = statusRunning
	a.exec = s.launch(a, def.clone(), r)
	return struct{}{}, nil
}

// StopApplicationInput is the request of StopApplication.
type StopApplicationInput struct {
	ApplicationName *string `json:"ApplicationName"`
}

// stopApplication stops a running application with a final checkpoint
// (its LAST_STOPPED_POINT). The call returns once the application is
// READY; stopping a READY application does nothing.
func (s *Service) stopApplication(_ context.Context, in *StopApplicationInput) (any, error) {
	var v validator
	v.appName("applicationName", in.ApplicationName)
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
	exec := a.exec
	if exec == nil {
		s.mu.Unlock()
		return struct{}{}, nil
	}
	a.status = statusStopping
	def := a.def.clone()
	s.mu.Unlock()
	exec.stop()
	def.Running = false
	err = s.db.put(def, false)
	s.mu.Lock()
	defer s.mu.Unlock()
	a.exec = nil
	a.status = statusReady
	if err != nil {
		return nil, err
	}
	a.def = def
	return struct{}{}, nil
}
