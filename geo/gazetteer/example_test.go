package gazetteer_test

import (
	"fmt"
	"strings"

	"github.com/incidentmap/incidentmap/geo/gazetteer"
)

func ExampleGazetteer_Search() {
	g, err := gazetteer.Load() // once, at start-up
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, text := range []string{"An Najaf", "Karbalāʼ", "هرات", "Green Zone, Baghdad"} {
		c := g.Search(gazetteer.Query{Text: text, Limit: 1})[0]
		fmt.Printf("%s → %s, %s, %s (%.5f, %.5f) %s by %s\n",
			text, c.Name, c.Admin1Name, c.Country, c.Lon, c.Lat, c.Precision, c.Match)
	}
	fmt.Println(gazetteer.Attribution)
	// Output:
	// An Najaf → Najaf, Najaf, IRQ (44.34625, 32.02594) city by name
	// Karbalāʼ → Karbala, Karbala, IRQ (44.02488, 32.61603) city by name
	// هرات → Herāt, Herat, AFG (62.19967, 34.34817) city by alternate
	// Green Zone, Baghdad → Green Zone, Baghdad, IRQ (44.39026, 33.30758) site by site
	// Place names from GeoNames (geonames.org), CC BY 4.0; country names and demonyms from world-countries (mledoze), ODbL 1.0; areas from Natural Earth and the US Census
}

func ExampleGazetteer_ResolveDocument() {
	g, err := gazetteer.Load()
	if err != nil {
		fmt.Println(err)
		return
	}
	text := "Police in Dublin, Ohio, said the Iraqi student had left Cook County."
	var ms []gazetteer.Mention
	for _, name := range []string{"Dublin", "Ohio", "Iraqi", "Cook County"} {
		i := strings.Index(text, name)
		ms = append(ms, gazetteer.Mention{Text: name, Start: i, End: i + len(name)})
	}
	for _, r := range g.ResolveDocument(gazetteer.Document{Mentions: ms, Text: text}) {
		c, _ := r.Place()
		fmt.Printf("%s → %s (%s %s, %s)\n", r.Text, c.Name, c.Kind, c.Code, c.Admin1Name)
	}
	// Output:
	// Dublin → Dublin (city , Ohio)
	// Ohio → Ohio (admin1 US-OH, Ohio)
	// Iraqi → Iraq (country IRQ, )
	// Cook County → Cook County (admin2 US-17031, Illinois)
}

func ExampleQuery_Validate() {
	err := gazetteer.Query{Text: "Kabul", Country: "AF"}.Validate()
	fmt.Println(err)
	// Output: gazetteer: query country: must be an ISO 3166-1 alpha-3 code, got "AF"
}
