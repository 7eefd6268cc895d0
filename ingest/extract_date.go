package ingest

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap"
)

// interval is a resolved date: calendar days from..to (inclusive) with the
// precision they are known to.
type interval struct {
	from, to time.Time
	prec     incidentmap.DatePrecision
}

func (a interval) intersects(b interval) bool { return !a.to.Before(b.from) && !b.to.Before(a.from) }

func dayInterval(t time.Time) interval { return interval{t, t, incidentmap.DateDay} }

func monthInterval(y int, m time.Month) interval {
	from := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	return interval{from, from.AddDate(0, 1, -1), incidentmap.DateMonth}
}

func yearInterval(y int) interval {
	return interval{time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC), incidentmap.DateYear}
}

// weekBefore is the default when an article gives no date: the seven days
// up to publication.
func weekBefore(pub time.Time) interval {
	return interval{pub.AddDate(0, 0, -6), pub, incidentmap.DateWeek}
}

// dateHit is a date expression found in a sentence.
type dateHit struct {
	start, end int // article offsets
	when       interval
	// reporting is set when the date belongs to a verb of saying ("said on
	// Tuesday", "on Monday condemned"): the date of a report, not of an
	// incident.
	reporting bool
	// rel is -1/0/+1 days for a date relative to an earlier one ("the
	// previous day", "hours before that", "the next day"); relSame marks
	// such a date, resolved later.
	relative bool
	rel      int
	// dayAfter marks "a day after …": one day before another date of the
	// same sentence.
	dayAfter bool
	note     string
}

const monthRe = `(January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?`

var (
	reMonthDay   = regexp.MustCompile(`\b(?:[Oo]n\s+)?` + monthRe + `\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4})\b)?`)
	reDayMonth   = regexp.MustCompile(`\b(?:[Oo]n\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?` + monthRe + `(?:,?\s+(\d{4})\b)?`)
	reMonthYear  = regexp.MustCompile(`\b(?:(?:[Ii]n|[Ss]ince|[Dd]uring|[Bb]y)\s+)?(?:(?:early|late|mid)[- ])?` + monthRe + `,?\s+(\d{4})\b`)
	reLastMonth  = regexp.MustCompile(`\b[Ll]ast\s+` + monthRe + `\b`)
	reInMonth    = regexp.MustCompile(`\b(?:[Ii]n|[Ss]ince|[Dd]uring|[Ee]arly|[Ll]ate|[Mm]id)[- ](?:(?:early|late|mid)[- ])?` + monthRe + `\b( last year| this year)?`)
	reWeekday    = regexp.MustCompile(`\b(?:([Ll]ast|[Oo]n|[Ee]arlier on|[Ll]ater on|[Ll]ate on|[Ee]arly on|[Ee]arlier|[Dd]uring)\s+)?(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)(?:'s|’s)?(?:\s+(?:morning|afternoon|evening|night|prayers))?\b`)
	reYesterday  = regexp.MustCompile(`(?i)\b(yesterday|today|tonight|this morning|this evening)(?:'s|’s)?\b`)
	reLastYear   = regexp.MustCompile(`(?i)\blast year\b`)
	reInYear     = regexp.MustCompile(`\b(?:[Ii]n|[Ss]ince|[Dd]uring)\s+((?:19|20)\d\d)\b`)
	reRelative   = regexp.MustCompile(`(?i)\b(the previous day|the day before|a day earlier|the next day|the following day|a day later|hours (?:before|after|later|earlier)(?: that)?|(?:on )?that (?:same )?day|the same day|days later|days earlier|shortly (?:before|after)(?: that)?)\b`)
	reDayAfter   = regexp.MustCompile(`(?i)\b(?:a|one) day after\b`)
	reReportVerb = regexp.MustCompile(`(?i)\b(?:said|says|told|stated|announced|condemned|condemns|called|urged|summoned|issued|reported|warned|cautioned|expressed|added|noted|tweeted|wrote|confirmed|spoke|met|briefed|declared)\b`)
)

var months = map[string]time.Month{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
	"sep": 9, "oct": 10, "nov": 11, "dec": 12}

func parseMonth(s string) time.Month { return months[strings.ToLower(s[:3])] }

var weekdays = map[string]time.Weekday{"Sunday": 0, "Monday": 1, "Tuesday": 2, "Wednesday": 3, "Thursday": 4, "Friday": 5, "Saturday": 6}

// onOrBefore returns the most recent day with weekday wd on or before pub
// (strictly before when strict).
func onOrBefore(pub time.Time, wd time.Weekday, strict bool) time.Time {
	d := (int(pub.Weekday()) - int(wd) + 7) % 7
	if d == 0 && strict {
		d = 7
	}
	return pub.AddDate(0, 0, -d)
}

// monthOnOrBefore returns the year of the most recent month m on or before
// pub's month (strictly before when strict).
func monthOnOrBefore(pub time.Time, m time.Month, strict bool) int {
	y := pub.Year()
	if m > pub.Month() || (strict && m == pub.Month()) {
		y--
	}
	return y
}

// findDates returns the date expressions of text[s.start:s.end] resolved
// against the publication day pub, in text order of their kind.
func findDates(text string, s sentence, pub time.Time) []dateHit {
	sent := text[s.start:s.end]
	var out []dateHit
	taken := make([]bool, len(sent))
	add := func(m []int, h dateHit) {
		for k := m[0]; k < m[1]; k++ {
			if taken[k] {
				return
			}
		}
		for k := m[0]; k < m[1]; k++ {
			taken[k] = true
		}
		h.start, h.end = s.start+m[0], s.start+m[1]
		h.reporting = reportingNear(sent, m[0], m[1])
		out = append(out, h)
	}
	for _, m := range reMonthDay.FindAllStringSubmatchIndex(sent, 8) {
		mon := parseMonth(sent[m[2]:m[3]])
		day, _ := strconv.Atoi(sent[m[4]:m[5]])
		if h, ok := monthDay(pub, mon, day, sent, m[6], m[7]); ok {
			add(m[:2], h)
		}
	}
	for _, m := range reDayMonth.FindAllStringSubmatchIndex(sent, 8) {
		day, _ := strconv.Atoi(sent[m[2]:m[3]])
		mon := parseMonth(sent[m[4]:m[5]])
		if h, ok := monthDay(pub, mon, day, sent, m[6], m[7]); ok {
			add(m[:2], h)
		}
	}
	for _, m := range reMonthYear.FindAllStringSubmatchIndex(sent, 8) {
		y, _ := strconv.Atoi(sent[m[4]:m[5]])
		add(m[:2], dateHit{when: monthInterval(y, parseMonth(sent[m[2]:m[3]])), note: "month and year"})
	}
	for _, m := range reLastMonth.FindAllStringSubmatchIndex(sent, 8) {
		mon := parseMonth(sent[m[2]:m[3]])
		add(m[:2], dateHit{when: monthInterval(monthOnOrBefore(pub, mon, true), mon), note: "the most recent such month before publication"})
	}
	for _, m := range reInMonth.FindAllStringSubmatchIndex(sent, 8) {
		mon := parseMonth(sent[m[2]:m[3]])
		y := monthOnOrBefore(pub, mon, false)
		note := "the most recent such month on or before publication"
		if m[4] >= 0 {
			if strings.Contains(sent[m[4]:m[5]], "last") {
				y, note = pub.Year()-1, "that month of the year before publication"
			} else {
				y, note = pub.Year(), "that month of the year of publication"
			}
		}
		add(m[:2], dateHit{when: monthInterval(y, mon), note: note})
	}
	for _, m := range reWeekday.FindAllStringSubmatchIndex(sent, 8) {
		strict := m[2] >= 0 && strings.EqualFold(sent[m[2]:m[3]], "last")
		day := onOrBefore(pub, weekdays[sent[m[4]:m[5]]], strict)
		add(m[:2], dateHit{when: dayInterval(day), note: "the most recent such weekday on or before publication"})
	}
	for _, m := range reYesterday.FindAllStringSubmatchIndex(sent, 8) {
		d := pub
		if strings.EqualFold(sent[m[2]:m[3]], "yesterday") {
			d = pub.AddDate(0, 0, -1)
		}
		add(m[:2], dateHit{when: dayInterval(d), note: "relative to publication"})
	}
	for _, m := range reInYear.FindAllStringSubmatchIndex(sent, 8) {
		y, _ := strconv.Atoi(sent[m[2]:m[3]])
		add(m[:2], dateHit{when: yearInterval(y), note: "year"})
	}
	for _, m := range reLastYear.FindAllStringIndex(sent, 8) {
		add(m, dateHit{when: yearInterval(pub.Year() - 1), note: "the year before publication"})
	}
	for _, m := range reRelative.FindAllStringSubmatchIndex(sent, 8) {
		w := strings.ToLower(sent[m[2]:m[3]])
		rel := 0
		switch {
		case strings.Contains(w, "previous") || strings.Contains(w, "before") && strings.HasPrefix(w, "the day") || strings.Contains(w, "earlier") && strings.HasPrefix(w, "a day"):
			rel = -1
		case strings.Contains(w, "next") || strings.Contains(w, "following") || strings.HasPrefix(w, "a day later"):
			rel = 1
		}
		add(m[:2], dateHit{relative: true, rel: rel, note: "relative to the date of the sentence before"})
	}
	for _, m := range reDayAfter.FindAllStringIndex(sent, 4) {
		add(m, dateHit{dayAfter: true, note: "the day before the other date of the sentence"})
	}
	// "a day after": one day before an absolute date of the same sentence.
	for i := range out {
		if !out[i].dayAfter {
			continue
		}
		for _, o := range out {
			if !o.relative && !o.dayAfter && o.when.prec == incidentmap.DateDay {
				out[i].when = dayInterval(o.when.from.AddDate(0, 0, -1))
				out[i].dayAfter = false
				break
			}
		}
	}
	kept := out[:0]
	for _, h := range out {
		if !h.dayAfter { // unresolved
			kept = append(kept, h)
		}
	}
	return kept
}

// monthDay resolves "September 15" (and an optional year at ys:ye) to the
// most recent such day on or before pub.
func monthDay(pub time.Time, mon time.Month, day int, sent string, ys, ye int) (dateHit, bool) {
	if mon == 0 || day < 1 || day > 31 {
		return dateHit{}, false
	}
	if ys >= 0 {
		y, _ := strconv.Atoi(sent[ys:ye])
		d := time.Date(y, mon, day, 0, 0, 0, 0, time.UTC)
		if d.Day() != day {
			return dateHit{}, false
		}
		return dateHit{when: dayInterval(d), note: "day, month and year"}, true
	}
	y := pub.Year()
	d := time.Date(y, mon, day, 0, 0, 0, 0, time.UTC)
	if d.After(pub) {
		d = time.Date(y-1, mon, day, 0, 0, 0, 0, time.UTC)
	}
	if d.Day() != day {
		return dateHit{}, false
	}
	return dateHit{when: dayInterval(d), note: "the most recent such day on or before publication"}, true
}

// reportingNear reports whether a verb of saying is within a few words
// before or after sent[start:end].
func reportingNear(sent string, start, end int) bool {
	before := sent[max(0, start-24):start]
	after := sent[end:min(len(sent), end+24)]
	return reReportVerb.MatchString(before) || reReportVerb.MatchString(after)
}
