/**
 * Marker colours: one fixed colour per ACLED event type (see EventTypes in
 * incident.go), and grey for anything else.
 */

export const EVENT_COLOURS: Readonly<Record<string, string>> = {
  "Battles": "#d62728",
  "Explosions/Remote violence": "#ff7f0e",
  "Violence against civilians": "#9467bd",
  "Protests": "#1f77b4",
  "Riots": "#e377c2",
  "Strategic developments": "#2ca02c",
};

export const OTHER_COLOUR = "#7f7f7f";

/** eventColour returns the marker colour of an event type. */
export function eventColour(eventType: string | null | undefined): string {
  return (eventType && Object.hasOwn(EVENT_COLOURS, eventType) && EVENT_COLOURS[eventType]) || OTHER_COLOUR;
}
