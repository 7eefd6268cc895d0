// Package incidentmap is the domain of the incident map service: the Incident
// and its parts, the Filter that selects incidents, the Store interface that the
// adapters in store/ implement (writes with optimistic versions, revisions and
// the change feed included), API keys and roles behind the KeyStore interface,
// the status workflow, and the Error type whose codes the API maps to HTTP
// statuses.
//
// It imports only the standard library and orb. Adapters (store/sqlite,
// store/postgis), the transport (api) and the importers (ingest) depend on it;
// it depends on none of them.
package incidentmap
