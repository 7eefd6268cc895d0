/**
 * ACLED sub-event types grouped by their event type, for the filter panel.
 * /queryables lists the sub-event types as one flat enum; the grouping is
 * ACLED's (the server's EventTypes). Pure functions only.
 */

/** ACLED's sub-event types of each event type. */
export const SUB_EVENT_GROUPS: Record<string, string[]> = {
  Battles: ["Armed clash", "Government regains territory", "Non-state actor overtakes territory"],
  "Explosions/Remote violence": [
    "Chemical weapon",
    "Air/drone strike",
    "Suicide bomb",
    "Shelling/artillery/missile attack",
    "Remote explosive/landmine/IED",
    "Grenade",
  ],
  "Violence against civilians": ["Sexual violence", "Attack", "Abduction/forced disappearance"],
  Protests: ["Peaceful protest", "Protest with intervention", "Excessive force against protesters"],
  Riots: ["Violent demonstration", "Mob violence"],
  "Strategic developments": [
    "Agreement",
    "Arrests",
    "Change to group/activity",
    "Disrupted weapons use",
    "Headquarters or base established",
    "Looting/property destruction",
    "Non-violent transfer of territory",
    "Other",
  ],
};

/**
 * groupSubEvents orders the sub-event types that the server allows under
 * their event types (in the order of eventTypes); any the grouping does not
 * know go last, under "Other".
 */
export function groupSubEvents(subEvents: string[], eventTypes: string[]): [string, string[]][] {
  const out: [string, string[]][] = [];
  const placed = new Set<string>();
  const groups = [...eventTypes, ...Object.keys(SUB_EVENT_GROUPS).filter((g) => !eventTypes.includes(g))];
  for (const g of groups) {
    const subs = (SUB_EVENT_GROUPS[g] ?? []).filter((s) => subEvents.includes(s) && !placed.has(s));
    subs.forEach((s) => placed.add(s));
    if (subs.length) out.push([g, subs]);
  }
  const rest = subEvents.filter((s) => !placed.has(s));
  if (rest.length) out.push(["Other", rest]);
  return out;
}
