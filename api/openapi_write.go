package api

import (
	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/ingest"
)

// The OpenAPI description of the write side, the history and the change
// feed.

func ref(kind, name string) obj { return obj{"$ref": "#/components/" + kind + "/" + name} }

var idParam = obj{"name": "id", "in": "path", "required": true, "description": "The incident id.", "schema": obj{"type": "string"}}

// writeResponses are the responses every write may give besides success.
func writeResponses(r obj) obj {
	r["401"] = ref("responses", "unauthorized")
	r["403"] = ref("responses", "forbidden")
	r["413"] = ref("responses", "tooLarge")
	r["415"] = ref("responses", "unsupportedMedia")
	r["429"] = ref("responses", "tooManyRequests")
	return errorResponses(r, true)
}

// versioned adds the responses of a write that names a version.
func versioned(r obj) obj {
	r["404"] = ref("responses", "notFound")
	r["409"] = ref("responses", "conflict")
	r["412"] = ref("responses", "preconditionFailed")
	r["428"] = ref("responses", "preconditionRequired")
	return writeResponses(r)
}

var ifMatchParam = obj{"name": "If-Match", "in": "header", "required": true,
	"description": "The ETag of the incident as read (a quoted version, e.g. \"3\"), or * for whatever is current.",
	"schema":      obj{"type": "string"}}

var bearer = []any{obj{"apiKey": []any{}}}

func featureBody(media string) obj {
	return obj{"required": true, "content": obj{media: obj{"schema": schemaRef("feature")}, mediaJSON: obj{"schema": schemaRef("feature")}}}
}

func revisionSchema() obj {
	str := obj{"type": "string"}
	return obj{"type": "object", "required": []string{"seq", "id", "version", "op", "actor", "at"}, "properties": obj{
		"seq":     obj{"type": "integer", "description": "Position in the change feed; later changes have greater seq."},
		"id":      str,
		"version": obj{"type": "integer", "description": "The version after the change; for a delete, one more than the version deleted."},
		"op":      obj{"type": "string", "enum": []string{"create", "update", "delete"}},
		"actor":   obj{"type": "string", "description": "Who: the name and id of the API key, or \"\" for the command line."},
		"at":      obj{"type": "string", "format": "date-time"},
		"changed": obj{"type": "array", "items": str, "description": "History only: the properties (and geometry) an update changed."},
		"previous": obj{"type": "object", "additionalProperties": true,
			"description": "History only: the values of the changed properties before the update."},
		"feature": schemaRef("feature")}}
}

// addHistoryPaths adds the GET operations of the history and change feed.
func addHistoryPaths(paths obj) {
	paths[itemsPath+"/{id}/history"] = operation("getIncidentHistory", "The history of one incident",
		"Every revision of the incident, oldest first, across deletions: who, when, the feature after the change, and for "+
			"updates what changed and the values before. Anonymous callers see the published and retracted states only.",
		[]any{idParam, param("f", "The output format: only json.", obj{"type": "string", "enum": []string{"json"}}, nil)},
		errorResponses(obj{"200": response("The revisions.", mediaJSON, obj{"type": "object", "properties": obj{
			"id": obj{"type": "string"}, "revisions": obj{"type": "array", "items": revisionSchema()},
			"links": obj{"type": "array", "items": schemaRef("link")}}}),
			"404": ref("responses", "notFound")}, true))
	paths[changesPath] = operation("getIncidentChanges", "The change feed",
		"Creates, updates and deletes of all incidents after seq since, in commit order, each with the feature after it. "+
			"To mirror the collection, apply each change and follow the next link until a page is empty. Anonymous callers "+
			"see changes of published and retracted incidents only; a key of any role sees drafts too.",
		[]any{param("since", "Only changes after this seq (0: from the start).", obj{"type": "integer", "minimum": 0, "default": 0}, nil),
			param("limit", "Most changes.", obj{"type": "integer", "minimum": 1, "maximum": incidentmap.HistoryLimit, "default": DefaultChangesLimit}, nil),
			param("f", "The output format: only json.", obj{"type": "string", "enum": []string{"json"}}, nil)},
		errorResponses(obj{"200": response("A page of changes.", mediaJSON, obj{"type": "object", "properties": obj{
			"changes": obj{"type": "array", "items": revisionSchema()}, "numberReturned": obj{"type": "integer"},
			"last":  obj{"type": "integer", "description": "The seq of the last change listed, or since when none is."},
			"links": obj{"type": "array", "items": schemaRef("link")}}})}, true))
}

// addWritePaths adds the writes of OGC API – Features – Part 4 and imports.
func addWritePaths(paths obj) {
	paths[itemsPath].(obj)["post"] = obj{
		"operationId": "createIncident", "summary": "Create an incident (editor)",
		"description": "A GeoJSON Feature in the wire shape of the items; id is made when absent, status is draft when absent. " +
			"201 with Location and ETag.",
		"security": bearer, "requestBody": featureBody(mediaGeoJSON),
		"responses": writeResponses(obj{"201": response("The incident as stored.", mediaGeoJSON, schemaRef("feature")),
			"409": ref("responses", "conflict")}),
	}
	item := paths[itemsPath+"/{id}"].(obj)
	item["put"] = obj{
		"operationId": "replaceIncident", "summary": "Replace an incident (editor)",
		"description": "The whole Feature; status is the current one when absent. Only the workflow draft → published → retracted is allowed.",
		"security":    bearer, "parameters": []any{idParam, ifMatchParam}, "requestBody": featureBody(mediaGeoJSON),
		"responses": versioned(obj{"200": response("The incident as stored.", mediaGeoJSON, schemaRef("feature"))}),
	}
	item["patch"] = obj{
		"operationId": "updateIncident", "summary": "Change some fields of an incident (editor)",
		"description": "A JSON merge patch (RFC 7396) of the Feature, e.g. {\"properties\": {\"status\": \"published\"}}.",
		"security":    bearer, "parameters": []any{idParam, ifMatchParam},
		"requestBody": obj{"required": true, "content": obj{mediaMerge: obj{"schema": obj{"type": "object"}}, mediaJSON: obj{"schema": obj{"type": "object"}}}},
		"responses":   versioned(obj{"200": response("The incident as stored.", mediaGeoJSON, schemaRef("feature"))}),
	}
	item["delete"] = obj{
		"operationId": "deleteIncident", "summary": "Delete an incident (editor)",
		"description": "A tombstone and a delete revision remain in the history and the change feed.",
		"security":    bearer, "parameters": []any{idParam, ifMatchParam},
		"responses": versioned(obj{"204": obj{"description": "Deleted."}}),
	}
	str := obj{"type": "string"}
	boolean := obj{"type": "boolean", "default": false}
	formats := make([]any, len(ingest.Formats))
	for i, f := range ingest.Formats {
		formats[i] = string(f)
	}
	n := obj{"type": "integer"}
	texts := obj{"type": "array", "items": str}
	report := obj{"type": "object", "properties": obj{
		"format": str, "dryRun": obj{"type": "boolean"}, "committed": obj{"type": "boolean"},
		"rows": n, "created": n, "updated": n, "unchanged": n, "rejected": n,
		"rejects": obj{"type": "array", "items": obj{"type": "object", "properties": obj{"line": n, "field": str, "reason": str}}},
		"notes":   texts, "noteCount": n, "updatedIds": texts}}
	paths[importsPath] = obj{"post": obj{
		"operationId": "importIncidents", "summary": "Import a file of incidents (editor)",
		"description": "Streams the body through the importer of `incidentmap import`, in one transaction: new incidents are created, " +
			"those whose id or external id is stored are updated when they changed and left alone when not, so re-importing a file " +
			"changes nothing. Rejected records are listed by line, field and reason; then nothing is written unless partial=true.",
		"security": bearer,
		"parameters": []any{
			param("format", "The file's format: our GeoJSON (default), CSV with our column names, or the UCDP GED, GDELT 2.0 event, ACLED or GTD exports.",
				obj{"type": "string", "enum": formats, "default": "geojson"}, nil),
			param("dry_run", "Count what the import would do and write nothing.", boolean, nil),
			param("partial", "Import the valid records when others are rejected.", boolean, nil),
		},
		"requestBody": obj{"required": true, "content": obj{
			mediaGeoJSON: obj{"schema": schemaRef("featureCollection")}, mediaJSON: obj{"schema": schemaRef("featureCollection")},
			"text/csv": obj{"schema": str}, "text/tab-separated-values": obj{"schema": str}, "text/plain": obj{"schema": str}}},
		"responses": writeResponses(obj{
			"201": response("Incidents were created: the report.", mediaJSON, report),
			"200": response("Nothing was created (updates only, a re-import, or a dry run): the report.", mediaJSON, report),
		}),
	}}
}
