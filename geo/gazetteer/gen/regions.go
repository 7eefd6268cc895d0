package main

// regionDef is a well-known region that news names but no boundary file
// has: its names and the countries (ISO 3166-1 alpha-3) or first-level
// divisions (ISO 3166-2) it is made of. The point and box of a region are
// computed from its members (see areaOfMembers), so only membership is
// written by hand, each with the convention it follows.
type regionDef struct {
	code    string
	names   []string // the first is the primary name
	members []string
	source  string
}

// regionDefs are the regions the generator adds. Membership follows the
// usual English news usage cited in source; where usages differ (the
// Middle East), the broad one is taken.
var regionDefs = []regionDef{
	{"middle-east", []string{"Middle East", "Mideast", "Near East", "الشرق الأوسط", "خاورمیانه"},
		[]string{"BHR", "CYP", "EGY", "IRN", "IRQ", "ISR", "JOR", "KWT", "LBN", "OMN", "PSE", "QAT", "SAU", "SYR", "TUR", "ARE", "YEM"},
		"common English usage: the Gulf states, the Levant, Egypt, Iran, Iraq, Turkey and Yemen"},
	{"persian-gulf", []string{"Gulf states", "Persian Gulf", "Arabian Gulf", "Gulf Arab states"},
		[]string{"BHR", "KWT", "OMN", "QAT", "SAU", "ARE"}, "members of the Gulf Cooperation Council"},
	{"levant", []string{"Levant"}, []string{"ISR", "JOR", "LBN", "PSE", "SYR"}, "common English usage"},
	{"maghreb", []string{"Maghreb", "Maghrib"}, []string{"DZA", "LBY", "MAR", "MRT", "TUN"}, "members of the Arab Maghreb Union"},
	{"sahel", []string{"Sahel", "Central Sahel"}, []string{"BFA", "MLI", "MRT", "NER", "TCD"}, "the G5 Sahel countries"},
	{"horn-of-africa", []string{"Horn of Africa"}, []string{"DJI", "ERI", "ETH", "SOM"}, "common English usage"},
	{"caucasus", []string{"Caucasus", "South Caucasus", "Transcaucasia"}, []string{"ARM", "AZE", "GEO"}, "the three South Caucasus states"},
	{"balkans", []string{"Balkans", "Western Balkans"}, []string{"ALB", "BIH", "MKD", "MNE", "SRB", "XKX"}, "the EU's Western Balkans group"},
	{"scandinavia", []string{"Scandinavia"}, []string{"DNK", "NOR", "SWE"}, "common English usage"},
	{"baltic-states", []string{"Baltic states", "Baltics"}, []string{"EST", "LTU", "LVA"}, "common English usage"},
	{"latin-america", []string{"Latin America"},
		[]string{"ARG", "BOL", "BRA", "CHL", "COL", "CRI", "CUB", "DOM", "ECU", "GTM", "HND", "MEX", "NIC", "PAN", "PER", "PRY", "SLV", "URY", "VEN"},
		"the Spanish- and Portuguese-speaking states of the Americas"},
	{"indochina", []string{"Indochina"}, []string{"KHM", "LAO", "VNM"}, "common English usage"},
	{"darfur", []string{"Darfur"}, []string{"SD-DN", "SD-DS", "SD-DW", "SD-DE"}, "Sudan's Darfur states (Natural Earth admin-1)"},
	{"kurdistan-region", []string{"Kurdistan Region", "Iraqi Kurdistan", "Kurdistan Region of Iraq"},
		[]string{"IQ-AR", "IQ-DA", "IQ-SU"}, "the governorates the Kurdistan Regional Government administers"},
	{"donbas", []string{"Donbas", "Donbass"}, []string{"UA-14", "UA-09"}, "Ukraine's Donetsk and Luhansk oblasts"},
	{"sinai", []string{"Sinai", "Sinai Peninsula"}, []string{"EG-SIN", "EG-JS"}, "Egypt's North and South Sinai governorates"},
	{"new-england", []string{"New England"}, []string{"US-CT", "US-ME", "US-MA", "US-NH", "US-RI", "US-VT"}, "the six New England states"},
	{"midwest", []string{"Midwest", "Middle West"},
		[]string{"US-IL", "US-IN", "US-IA", "US-KS", "US-MI", "US-MN", "US-MO", "US-NE", "US-ND", "US-OH", "US-SD", "US-WI"},
		"the US Census Bureau's Midwest region"},
}

// continentDefs groups world_countries.json's region and subregion labels
// into the continents news names. Entries with subregions take only
// those; others take the whole region.
var continentDefs = []struct {
	code       string
	names      []string
	region     string
	subregions []string
}{
	{"africa", []string{"Africa"}, "Africa", nil},
	{"asia", []string{"Asia"}, "Asia", nil},
	{"europe", []string{"Europe"}, "Europe", nil},
	{"oceania", []string{"Oceania", "Australasia"}, "Oceania", nil},
	{"north-america", []string{"North America"}, "Americas", []string{"North America", "Northern America", "Central America", "Caribbean"}},
	{"south-america", []string{"South America"}, "Americas", []string{"South America"}},
	{"antarctica", []string{"Antarctica", "Antarctic"}, "Antarctic", nil},
}
