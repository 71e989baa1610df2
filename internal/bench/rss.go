package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// ReadRSS returns the resident set size of this process in bytes, from the
// VmRSS line of /proc/self/status (Linux only).
func ReadRSS() (uint64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("read rss: %w", err)
	}
	return parseVmRSS(b)
}

func parseVmRSS(status []byte) (uint64, error) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		line := sc.Bytes()
		rest, ok := bytes.CutPrefix(line, []byte("VmRSS:"))
		if !ok {
			continue
		}
		fields := bytes.Fields(rest)
		if len(fields) != 2 || string(fields[1]) != "kB" {
			return 0, fmt.Errorf("read rss: unexpected line %q", line)
		}
		kb, err := strconv.ParseUint(string(fields[0]), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("read rss: %w", err)
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("read rss: no VmRSS line")
}

// RSSSampler reads RSS periodically and keeps the maximum.
type RSSSampler struct {
	max    atomic.Uint64
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// StartRSSSampler samples RSS every interval until Stop.
func StartRSSSampler(every time.Duration) *RSSSampler {
	ctx, cancel := context.WithCancel(context.Background())
	s := &RSSSampler{cancel: cancel}
	s.sample()
	s.wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.sample()
			}
		}
	})
	return s
}

func (s *RSSSampler) sample() {
	v, err := ReadRSS()
	if err != nil {
		return
	}
	for {
		m := s.max.Load()
		if v <= m || s.max.CompareAndSwap(m, v) {
			return
		}
	}
}

// Stop ends sampling (taking one last sample) and returns the maximum RSS
// seen in bytes (0 when RSS cannot be read).
func (s *RSSSampler) Stop() uint64 {
	s.cancel()
	s.wg.Wait()
	s.sample()
	return s.max.Load()
}
