package gazetteer

import "strings"

// countryTable lists, one country a line, an ISO 3166-1 alpha-3 code, its
// English short name, and after "|" other names people write (English, and
// Arabic and Persian for the countries incident reports name most). It
// holds the 249 officially assigned codes and XKX for Kosovo.
const countryTable = `ABW Aruba
AFG Afghanistan|أفغانستان|افغانستان
AGO Angola
AIA Anguilla
ALA Åland Islands|Aland
ALB Albania
AND Andorra
ARE United Arab Emirates|UAE|Emirates
ARG Argentina
ARM Armenia
ASM American Samoa
ATA Antarctica
ATF French Southern Territories
ATG Antigua and Barbuda
AUS Australia
AUT Austria
AZE Azerbaijan
BDI Burundi
BEL Belgium
BEN Benin
BES Bonaire, Sint Eustatius and Saba|Caribbean Netherlands
BFA Burkina Faso
BGD Bangladesh
BGR Bulgaria
BHR Bahrain
BHS Bahamas|The Bahamas
BIH Bosnia and Herzegovina|Bosnia
BLM Saint Barthélemy
BLR Belarus
BLZ Belize
BMU Bermuda
BOL Bolivia
BRA Brazil
BRB Barbados
BRN Brunei
BTN Bhutan
BVT Bouvet Island
BWA Botswana
CAF Central African Republic
CAN Canada
CCK Cocos (Keeling) Islands|Cocos Islands
CHE Switzerland
CHL Chile
CHN China|People's Republic of China
CIV Côte d'Ivoire|Ivory Coast
CMR Cameroon
COD Democratic Republic of the Congo|DR Congo|DRC|Congo-Kinshasa
COG Republic of the Congo|Congo|Congo-Brazzaville
COK Cook Islands
COL Colombia
COM Comoros
CPV Cabo Verde|Cape Verde
CRI Costa Rica
CUB Cuba
CUW Curaçao
CXR Christmas Island
CYM Cayman Islands
CYP Cyprus
CZE Czechia|Czech Republic
DEU Germany
DJI Djibouti
DMA Dominica
DNK Denmark
DOM Dominican Republic
DZA Algeria
ECU Ecuador
EGY Egypt
ERI Eritrea
ESH Western Sahara
ESP Spain
EST Estonia
ETH Ethiopia
FIN Finland
FJI Fiji
FLK Falkland Islands
FRA France
FRO Faroe Islands
FSM Micronesia|Federated States of Micronesia
GAB Gabon
GBR United Kingdom|UK|Great Britain|Britain|England|Scotland|Wales|Northern Ireland
GEO Georgia
GGY Guernsey
GHA Ghana
GIB Gibraltar
GIN Guinea
GLP Guadeloupe
GMB Gambia|The Gambia
GNB Guinea-Bissau
GNQ Equatorial Guinea
GRC Greece
GRD Grenada
GRL Greenland
GTM Guatemala
GUF French Guiana
GUM Guam
GUY Guyana
HKG Hong Kong
HMD Heard Island and McDonald Islands
HND Honduras
HRV Croatia
HTI Haiti
HUN Hungary
IDN Indonesia
IMN Isle of Man
IND India
IOT British Indian Ocean Territory
IRL Ireland
IRN Iran|Islamic Republic of Iran|إيران|ایران
IRQ Iraq|العراق|عراق
ISL Iceland
ISR Israel
ITA Italy
JAM Jamaica
JEY Jersey
JOR Jordan
JPN Japan
KAZ Kazakhstan
KEN Kenya
KGZ Kyrgyzstan
KHM Cambodia
KIR Kiribati
KNA Saint Kitts and Nevis
KOR South Korea|Korea|Republic of Korea
KWT Kuwait
LAO Laos
LBN Lebanon
LBR Liberia
LBY Libya
LCA Saint Lucia
LIE Liechtenstein
LKA Sri Lanka
LSO Lesotho
LTU Lithuania
LUX Luxembourg
LVA Latvia
MAC Macao|Macau
MAF Saint Martin
MAR Morocco
MCO Monaco
MDA Moldova
MDG Madagascar
MDV Maldives
MEX Mexico
MHL Marshall Islands
MKD North Macedonia|Macedonia
MLI Mali
MLT Malta
MMR Myanmar|Burma
MNE Montenegro
MNG Mongolia
MNP Northern Mariana Islands
MOZ Mozambique
MRT Mauritania
MSR Montserrat
MTQ Martinique
MUS Mauritius
MWI Malawi
MYS Malaysia
MYT Mayotte
NAM Namibia
NCL New Caledonia
NER Niger
NFK Norfolk Island
NGA Nigeria
NIC Nicaragua
NIU Niue
NLD Netherlands|Holland
NOR Norway
NPL Nepal
NRU Nauru
NZL New Zealand
OMN Oman
PAK Pakistan
PAN Panama
PCN Pitcairn
PER Peru
PHL Philippines
PLW Palau
PNG Papua New Guinea
POL Poland
PRI Puerto Rico
PRK North Korea|Democratic People's Republic of Korea|DPRK
PRT Portugal
PRY Paraguay
PSE Palestine|State of Palestine|Palestinian Territories
PYF French Polynesia
QAT Qatar
REU Réunion
ROU Romania
RUS Russia|Russian Federation
RWA Rwanda
SAU Saudi Arabia
SDN Sudan
SEN Senegal
SGP Singapore
SGS South Georgia and the South Sandwich Islands
SHN Saint Helena, Ascension and Tristan da Cunha|Saint Helena
SJM Svalbard and Jan Mayen
SLB Solomon Islands
SLE Sierra Leone
SLV El Salvador
SMR San Marino
SOM Somalia
SPM Saint Pierre and Miquelon
SRB Serbia
SSD South Sudan
STP São Tomé and Príncipe
SUR Suriname
SVK Slovakia
SVN Slovenia
SWE Sweden
SWZ Eswatini|Swaziland
SXM Sint Maarten
SYC Seychelles
SYR Syria|Syrian Arab Republic|سوريا|سورية
TCA Turks and Caicos Islands
TCD Chad
TGO Togo
THA Thailand
TJK Tajikistan
TKL Tokelau
TKM Turkmenistan
TLS Timor-Leste|East Timor
TON Tonga
TTO Trinidad and Tobago
TUN Tunisia
TUR Türkiye|Turkey
TUV Tuvalu
TWN Taiwan
TZA Tanzania
UGA Uganda
UKR Ukraine
UMI United States Minor Outlying Islands
URY Uruguay
USA United States|United States of America|US|U.S.|America
UZB Uzbekistan
VAT Holy See|Vatican|Vatican City
VCT Saint Vincent and the Grenadines
VEN Venezuela
VGB British Virgin Islands
VIR United States Virgin Islands|US Virgin Islands
VNM Viet Nam|Vietnam
VUT Vanuatu
WLF Wallis and Futuna
WSM Samoa
YEM Yemen
ZAF South Africa
ZMB Zambia
ZWE Zimbabwe
XKX Kosovo`

// countryNames parses countryTable into alpha-3 → English short name and
// normalised name key → alpha-3 (names, aliases and the code itself).
func countryNames() (names map[string]string, keys map[string]string) {
	names = make(map[string]string, 250)
	keys = make(map[string]string, 600)
	for line := range strings.Lines(countryTable) {
		line = strings.TrimSpace(line)
		code, rest, _ := strings.Cut(line, " ")
		all := strings.Split(rest, "|")
		names[code] = all[0]
		keys[normalize(code)] = code
		for _, n := range all {
			keys[normalize(n)] = code
		}
	}
	return names, keys
}
