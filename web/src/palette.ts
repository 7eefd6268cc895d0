/**
 * Marker colours: one fixed colour per ACLED event type (see EventTypes in
 * incident.go), and grey for anything else. Each has a contrast of at
 * least 3:1 (WCAG non-text) against the built-in basemap's land and sea
 * and against white; palette.test.ts checks it.
 */

export const EVENT_COLOURS: Readonly<Record<string, string>> = {
  "Battles": "#c62828",
  "Explosions/Remote violence": "#bf5000",
  "Violence against civilians": "#7b3fa8",
  "Protests": "#1565c0",
  "Riots": "#ad1457",
  "Strategic developments": "#2e7d32",
};

export const OTHER_COLOUR = "#5f6b73";

/** eventColour returns the marker colour of an event type. */
export function eventColour(eventType: string | null | undefined): string {
  return (eventType && Object.hasOwn(EVENT_COLOURS, eventType) && EVENT_COLOURS[eventType]) || OTHER_COLOUR;
}
