package geo

import (
	"sync"
	"testing"
)

func TestDataLoadsOnce(t *testing.T) {
	var d Data
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := d.Regions(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	a, _ := d.Regions()
	b, _ := d.Regions()
	if a == nil || a != b {
		t.Error("Regions must load once and share the index")
	}
	if r, ok := a.Get("AF-HER"); !ok || r.Country != "AFG" {
		t.Errorf("AF-HER: %+v %v", r, ok)
	}
}
