package api

// The HTML pages of the documents and the items: items.go dispatches f=html
// (and an HTML-first Accept header) to renderItemsHTML after parsing the
// query into a Filter (Statuses set to published), and item to
// renderItemHTML for a published incident. Both write the whole response
// and return an error for the renderer only before writing.

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
)

//go:embed templates
var templateFS embed.FS

// pageCSSPath is where the style sheet of the HTML pages is served.
const pageCSSPath = "/api.css"

// pageNames are the HTML pages, each templates/NAME.html on the shared
// layout.
var pageNames = []string{"landing", "conformance", "collections", "collection", "queryables", "items", "item", "api"}

// parsePages parses every page on the layout.
func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"day": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format(time.DateOnly)
		},
		"join": strings.Join,
		"intOrUnknown": func(p *int) string {
			if p == nil {
				return "unknown"
			}
			return strconv.Itoa(*p)
		},
		"coord": func(x float64) string { return strconv.FormatFloat(x, 'f', 6, 64) },
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("api: parse templates: %w", err)
	}
	pages := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("api: parse templates: %w", err)
		}
		pages[name] = t
	}
	return pages, nil
}

// htmlPage is what the layout renders around each page's content.
type htmlPage struct {
	Title string
	Base  string // the base URL of links, "" for relative links
	CSS   string
	JSON  string // the href of the JSON form of the page, if any
	Body  any
}

// renderHTML renders the page name with body as a 200 text/html response.
// The page is rendered into a buffer first, so that a template error
// becomes a 500 and never half a page.
func (s *server) renderHTML(c *gin.Context, name, title string, body any) error {
	t, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("api: no HTML page %q", name)
	}
	base := s.base(c.Request)
	page := htmlPage{Title: title, Base: base, CSS: base + pageCSSPath, Body: body}
	if name != "api" {
		q := c.Request.URL.Query()
		q.Set("f", "json")
		page.JSON = base + c.Request.URL.Path + encodeQuery(q)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", page); err != nil {
		return fmt.Errorf("api: render %s page: %w", name, err)
	}
	c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
	return nil
}

// pageCSS serves the style sheet of the HTML pages.
func (s *server) pageCSS(c *gin.Context) error {
	b, err := fs.ReadFile(templateFS, "templates/style.css")
	if err != nil {
		return fmt.Errorf("api: read style.css: %w", err)
	}
	c.Header("Cache-Control", "public, max-age=3600")
	c.Data(http.StatusOK, "text/css; charset=utf-8", b)
	return nil
}

// itemsHTMLBody is the content of the items page.
type itemsHTMLBody struct {
	Matched  string // a number, or "more than N" when the count stopped at Config.MatchedCap
	Returned int
	Rows     []itemRow
	Next     string
	Prev     string
	Items    string // the first page, unfiltered
}

// itemRow is one incident in the items table.
type itemRow struct {
	Href          string
	ID            string
	Title         string
	OccurredStart time.Time
	OccurredEnd   time.Time
	PlaceName     string
	Country       string
	EventType     string
	TargetType    string
	TargetCountry string
}

// renderItemsHTML serves the page of src as an HTML table, with a link
// to each incident and to the next and previous pages, the same links as
// every other format's (pageLinks) with f=html. It holds the page in memory: HTML
// pages are for people, who ask for few items. The page carries no
// properties selection: it shows a fixed set of columns.
func (s *server) renderItemsHTML(c *gin.Context, src *pageSource) error {
	ctx := c.Request.Context()
	base := s.base(c.Request)
	body := itemsHTMLBody{Items: base + itemsPath + "?f=html"}
	p, err := s.findPage(ctx, src, func(inc *incidentmap.Incident) error {
		body.Rows = append(body.Rows, itemRow{
			Href: base + itemsPath + "/" + url.PathEscape(inc.ID) + "?f=html",
			ID:   inc.ID, Title: inc.Title, OccurredStart: inc.OccurredStart, OccurredEnd: inc.OccurredEnd,
			PlaceName: inc.PlaceName, Country: inc.Country, EventType: inc.EventType,
			TargetType: string(inc.TargetType), TargetCountry: inc.TargetCountry,
		})
		return nil
	})
	if err != nil {
		return fmt.Errorf("api: find incidents: %w", err)
	}
	body.Returned = len(body.Rows)
	body.Matched = "more than " + strconv.Itoa(max(p.matched.Matched-1, body.Returned))
	if p.matched.Exact {
		body.Matched = strconv.Itoa(p.matched.Matched)
	}
	q := c.Request.URL.Query()
	q.Set("f", "html")
	links, err := s.pageLinks(c, q, src.f, p, mediaHTML)
	if err != nil {
		return err
	}
	for _, l := range links {
		switch l.Rel {
		case "next":
			body.Next = l.Href
		case "prev":
			body.Prev = l.Href
		}
	}
	return s.renderHTML(c, "items", collectionTitle, body)
}

// renderItemHTML serves one incident as an HTML definition list.
func (s *server) renderItemHTML(c *gin.Context, inc *incidentmap.Incident) error {
	base := s.base(c.Request)
	body := struct {
		Inc        *incidentmap.Incident
		Collection string
		Items      string
	}{inc, base + collectionURL + "?f=html", base + itemsPath + "?f=html"}
	return s.renderHTML(c, "item", inc.Title, body)
}
