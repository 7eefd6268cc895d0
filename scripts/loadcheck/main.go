// Command loadcheck loads synthetic incidents into a store and fires bounded
// bursts of concurrent requests at a running server on loopback, reporting
// the status codes, the slowest answer and the server's peak resident
// memory. It re-runs the measurements of README "Operations".
//
//	go run ./scripts/loadcheck seed --db sqlite:/tmp/50k.db --n 50000
//	go run ./scripts/loadcheck burst --url 'http://127.0.0.1:8080/collections/incidents/items?limit=10000' --c 80 --pid PID
//	go run ./scripts/loadcheck slow --addr 127.0.0.1:8080 --c 200 --mode body|noread
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/postgis"
	"github.com/incidentmap/incidentmap/store/sqlite"
	"github.com/incidentmap/incidentmap/store/storetest"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: loadcheck seed|burst|slow [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "seed":
		err = seed(os.Args[2:])
	case "burst":
		err = burst(os.Args[2:])
	case "slow":
		err = slow(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadcheck:", err)
		os.Exit(1)
	}
}

func seed(args []string) error {
	fs := flag.NewFlagSet("seed", flag.ExitOnError)
	db := fs.String("db", "", "sqlite:PATH or postgres://…")
	n := fs.Int("n", 50000, "incidents")
	fs.Parse(args)
	ctx := context.Background()
	var s incidentmap.Store
	var err error
	if path, ok := strings.CutPrefix(*db, "sqlite:"); ok {
		s, err = sqlite.Open(ctx, path)
	} else {
		s, err = postgis.Open(ctx, *db)
	}
	if err != nil {
		return err
	}
	defer s.Close()
	start := time.Now()
	if err := s.ImportIncidents(ctx, storetest.Synthetic(*n, 1)); err != nil {
		return err
	}
	fmt.Printf("imported %d incidents in %v\n", *n, time.Since(start).Round(time.Millisecond))
	return nil
}

// peakRSS reads the peak resident set of a process, in MB.
func peakRSS(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

func rss(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

func burst(args []string) error {
	fs := flag.NewFlagSet("burst", flag.ExitOnError)
	target := fs.String("url", "", "URL to GET")
	c := fs.Int("c", 80, "concurrent requests (one each)")
	pid := fs.Int("pid", 0, "server process to sample RSS of")
	probe := fs.String("probe", "", "URL to GET every 250 ms during the burst (e.g. /readyz)")
	fs.Parse(args)
	if !strings.HasPrefix(*target, "http://127.0.0.1") && !strings.HasPrefix(*target, "http://[::1]") {
		return fmt.Errorf("loopback targets only")
	}
	client := &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: *c, MaxConnsPerHost: 0}}
	var mu sync.Mutex
	statuses := map[string]int{}
	var durations []time.Duration
	var maxRSS float64
	stop := make(chan struct{})
	var samplers sync.WaitGroup
	if *pid > 0 {
		samplers.Add(1)
		go func() {
			defer samplers.Done()
			for {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
					if r := rss(*pid); r > maxRSS {
						maxRSS = r
					}
				}
			}
		}()
	}
	probes := map[string]int{}
	var probeMax time.Duration
	if *probe != "" {
		samplers.Add(1)
		go func() {
			defer samplers.Done()
			pc := &http.Client{Timeout: 10 * time.Second}
			for i := 0; i < 2400; i++ { // at most 10 minutes
				select {
				case <-stop:
					return
				case <-time.After(250 * time.Millisecond):
				}
				start := time.Now()
				resp, err := pc.Get(*probe)
				d := time.Since(start)
				k := "error"
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					k = strconv.Itoa(resp.StatusCode)
				}
				mu.Lock()
				probes[k]++
				probeMax = max(probeMax, d)
				mu.Unlock()
			}
		}()
	}
	start := time.Now()
	var wg sync.WaitGroup
	for range *c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			resp, err := client.Get(*target)
			k := "error"
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				k = strconv.Itoa(resp.StatusCode)
				if ra := resp.Header.Get("Retry-After"); ra != "" {
					k += " Retry-After=" + ra
				}
			} else {
				k = "error: " + err.Error()
			}
			mu.Lock()
			statuses[k]++
			durations = append(durations, time.Since(t0))
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(stop)
	samplers.Wait()
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	fmt.Printf("%d requests in %v; statuses %v; median %v, slowest %v\n", *c, time.Since(start).Round(time.Millisecond),
		statuses, durations[len(durations)/2].Round(time.Millisecond), durations[len(durations)-1].Round(time.Millisecond))
	if *pid > 0 {
		fmt.Printf("server RSS: peak sampled %.0f MB, VmHWM %.0f MB\n", maxRSS, peakRSS(*pid))
	}
	if *probe != "" {
		fmt.Printf("probe %s: %v, slowest %v\n", *probe, probes, probeMax.Round(time.Millisecond))
	}
	return nil
}

// slow opens c connections that either drip a request body a byte every
// 100 ms, or send a request for a big page and never read; it reports how
// long the server kept each connection.
func slow(args []string) error {
	fs := flag.NewFlagSet("slow", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "server")
	c := fs.Int("c", 200, "connections")
	mode := fs.String("mode", "body", "body or noread")
	limit := fs.Duration("limit", 5*time.Minute, "give up after")
	metrics := fs.String("metrics", "", "for noread: the server's /metrics, polled until its in-flight requests fall back")
	fs.Parse(args)
	if !strings.HasPrefix(*addr, "127.0.0.1:") && !strings.HasPrefix(*addr, "[::1]:") {
		return fmt.Errorf("loopback only")
	}
	held := make([]time.Duration, *c)
	var wg sync.WaitGroup
	for i := range *c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
				return rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
			}}
			conn, err := d.Dial("tcp", *addr)
			if err != nil {
				return
			}
			defer conn.Close()
			start := time.Now()
			deadline := start.Add(*limit)
			if *mode == "body" {
				fmt.Fprintf(conn, "POST /extract HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
				for time.Now().Before(deadline) {
					if _, err := conn.Write([]byte(" ")); err != nil {
						break
					}
					time.Sleep(100 * time.Millisecond)
				}
			} else {
				fmt.Fprintf(conn, "GET /collections/incidents/items?limit=10000 HTTP/1.1\r\nHost: x\r\n\r\n")
				time.Sleep(time.Until(deadline)) // never read
			}
			held[i] = time.Since(start)
		}()
	}
	if *mode == "noread" && *metrics != "" {
		// The server's view: how long until only the metrics request is
		// in flight again.
		start := time.Now()
		time.Sleep(time.Second)
		for time.Since(start) < *limit {
			resp, err := http.Get(*metrics)
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if strings.Contains(string(b), "\nincidentmap_http_requests_in_flight 1\n") {
					fmt.Printf("%d noread connections: the server dropped every one within %v\n", *c, time.Since(start).Round(100*time.Millisecond))
					return nil
				}
			}
			time.Sleep(500 * time.Millisecond)
		}
		return fmt.Errorf("requests still in flight after %v", *limit)
	}
	wg.Wait()
	sort.Slice(held, func(i, j int) bool { return held[i] < held[j] })
	fmt.Printf("%d %s connections: held median %v, longest %v\n", *c, *mode, held[len(held)/2].Round(100*time.Millisecond),
		held[len(held)-1].Round(100*time.Millisecond))
	return nil
}
