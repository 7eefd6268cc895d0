package region_test

import (
	"fmt"
	"log"

	"github.com/incidentmap/incidentmap/geo/region"
	"github.com/paulmach/orb"
)

func ExampleIndex_Locate() {
	ix, err := region.Load()
	if err != nil {
		log.Fatal(err)
	}
	// The Iranian consulate in Herat.
	country, admin1 := ix.Locate(orb.Point{62.20, 34.35})
	fmt.Println(country.Code, country.Name)
	fmt.Println(admin1.Code, admin1.Name)

	_, admin1 = ix.Locate(orb.Point{65.0, 20.0}) // the Arabian Sea
	fmt.Println(admin1 == nil)
	// Output:
	// AFG Afghanistan
	// AF-HER Herat
	// true
}

func ExampleIndex_All() {
	ix, err := region.Load()
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range ix.All(region.LevelProvince, "IRQ")[:3] {
		fmt.Println(r.Code, r.Name)
	}
	// Output:
	// IQ-AN Al Anbar
	// IQ-AR Erbil
	// IQ-BA Basra
}
