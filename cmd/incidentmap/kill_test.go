package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/storetest"
)

// killBatch is how many incidents the child imports per transaction.
const killBatch = 2000

// TestKillChild is not a test of its own: TestKillDuringWrites runs the
// test binary again with INCIDENTMAP_KILL_CHILD set to a DSN, and this is
// that child. It imports batches of killBatch incidents, each in one
// transaction, and then updates one incident, printing "begin N" before
// and "commit N DURATION" after each batch, until it is killed.
func TestKillChild(t *testing.T) {
	dsn := os.Getenv("INCIDENTMAP_KILL_CHILD")
	if dsn == "" {
		t.Skip("the child process of TestKillDuringWrites; not run on its own")
	}
	ctx := incidentmap.WithActor(context.Background(), "kill test")
	s, err := openStore(ctx, dsn)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	all := storetest.Synthetic(killBatch*20, 7)
	for n := 0; n < 20; n++ {
		fmt.Printf("begin %d\n", n)
		start := time.Now()
		if err := s.ImportIncidents(ctx, all[n*killBatch:(n+1)*killBatch]); err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		first := all[n*killBatch]
		first.Title = "updated after its batch"
		if err := s.UpdateIncident(ctx, first, 1); err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		fmt.Printf("commit %d %d\n", n, time.Since(start).Microseconds())
	}
	os.Exit(0)
}

// TestKillDuringWrites kills (SIGKILL) a process in the middle of a
// transaction that imports incidents, and checks that the database holds
// exactly the batches committed before, each with its revisions and its
// update, and nothing of the one cut short, on both stores.
func TestKillDuringWrites(t *testing.T) {
	if os.Getenv("INCIDENTMAP_KILL_CHILD") != "" {
		t.Skip("in the child")
	}
	for _, st := range bothStores {
		t.Run(st.name, func(t *testing.T) {
			for round := range 3 {
				killMidBatch(t, st.dsn(t), round)
			}
		})
	}
}

// killMidBatch runs the child, kills it half way through the transaction
// after the one it has committed, and checks the database.
func killMidBatch(t *testing.T, dsn string, round int) {
	t.Helper()
	ctx := context.Background()
	start := lastSeq(t, dsn)
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "INCIDENTMAP_KILL_CHILD="+dsn)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	lines := bufio.NewScanner(out)
	var took time.Duration
	commits, killed := 0, false
	for lines.Scan() && !killed {
		f := strings.Fields(lines.Text())
		switch {
		case len(f) == 3 && f[0] == "commit":
			us, _ := strconv.Atoi(f[2])
			took = time.Duration(us) * time.Microsecond
			commits++
		case len(f) == 2 && f[0] == "begin" && commits > round:
			// Half of the last batch's time from its start: in the middle of
			// the import's transaction.
			time.Sleep(took / 2)
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			killed = true
		case f[0] == "error":
			t.Fatalf("child: %s", lines.Text())
		}
	}
	if !killed {
		t.Fatalf("round %d: the child ended before it could be killed", round)
	}
	_ = cmd.Wait()

	s, err := openStore(ctx, dsn)
	if err != nil {
		t.Fatalf("round %d: open after the kill: %v", round, err)
	}
	defer s.Close()
	n, err := s.CountIncidents(ctx, incidentmap.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 || n%killBatch != 0 {
		t.Fatalf("round %d: %d incidents after the kill, want whole batches of %d", round, n, killBatch)
	}
	// Every incident has its create revision, and the first of each batch
	// its update: nothing more, nothing less.
	revisions := 0
	for since := start; ; {
		page, err := s.Changes(ctx, since, incidentmap.HistoryLimit, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		revisions += len(page)
		since = page[len(page)-1].Seq
	}
	if want := n + n/killBatch; revisions != want {
		t.Errorf("round %d: %d revisions for %d incidents, want %d", round, revisions, n, want)
	}
	t.Logf("round %d: killed after %d committed batches (%d incidents); the batch in flight left nothing", round, n/killBatch, n)
}

// lastSeq returns the seq of the latest revision in the database at dsn.
func lastSeq(t *testing.T, dsn string) int64 {
	t.Helper()
	ctx := context.Background()
	s, err := openStore(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	last := int64(0)
	for {
		page, err := s.Changes(ctx, last, incidentmap.HistoryLimit, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return last
		}
		last = page[len(page)-1].Seq
	}
}
