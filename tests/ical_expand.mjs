// Expands an iCalendar file with Mozilla's ical.js (the parser of Thunderbird), for tests/test_ical_interop.py.
//
//   node tests/ical_expand.mjs FILE [FROM] [UNTIL]
//
// Prints a JSON list of occurrences {uid, start, end, status, summary, location, description, recurrenceId}:
// timed starts and ends in UTC ("2031-03-10T09:00:00Z"), all-day ones as dates ("2031-03-10"). Only the
// file's own VTIMEZONEs are known, so a TZID without one comes out "floating": that, and any parse error,
// is a failure (message on stderr, exit status 1). FROM and UNTIL (ISO dates, UTC) limit the expansion.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const MAX_PER_EVENT = 2000;

function fail(message) {
  process.stderr.write(`ical_expand: ${message}\n`);
  process.exit(1);
}

function asText(time, what, uid) {
  if (time.isDate) {
    return time.toString(); // YYYY-MM-DD
  }
  if (time.zone === ICAL.Timezone.localTimezone || !time.zone) {
    fail(`floating time for ${what} of ${uid}: ${time.toString()}`);
  }
  return time.toJSDate().toISOString().replace(".000Z", "Z");
}

const [file, from = "1970-01-01", until = "2100-01-01"] = process.argv.slice(2);
if (!file) {
  fail("usage: node tests/ical_expand.mjs FILE [FROM] [UNTIL]");
}

let calendar;
try {
  calendar = new ICAL.Component(ICAL.parse(readFileSync(file, "utf8")));
} catch (error) {
  fail(`does not parse: ${error.message}`);
}

// Nothing but the file's own zones: a missing VTIMEZONE must not be papered over by a built-in one.
ICAL.TimezoneService.reset();
for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(vtimezone);
}

const byUid = new Map();
for (const component of calendar.getAllSubcomponents("vevent")) {
  const uid = component.getFirstPropertyValue("uid");
  if (!uid) {
    fail("a VEVENT without UID");
  }
  if (!byUid.has(uid)) {
    byUid.set(uid, { master: null, exceptions: [] });
  }
  const entry = byUid.get(uid);
  if (component.hasProperty("recurrence-id")) {
    entry.exceptions.push(component);
  } else if (entry.master) {
    fail(`two VEVENTs with UID ${uid} and no RECURRENCE-ID`);
  } else {
    entry.master = component;
  }
}

const rangeStart = ICAL.Time.fromDateTimeString(`${from}T00:00:00Z`);
const rangeEnd = ICAL.Time.fromDateTimeString(`${until}T00:00:00Z`);
const occurrences = [];

function record(uid, details, item) {
  const component = item.component;
  const recurrenceId = details.recurrenceId;
  occurrences.push({
    uid,
    start: asText(details.startDate, "DTSTART", uid),
    end: asText(details.endDate, "DTEND", uid),
    status: component.getFirstPropertyValue("status") || "",
    summary: component.getFirstPropertyValue("summary") || "",
    location: component.getFirstPropertyValue("location") || "",
    description: component.getFirstPropertyValue("description") || "",
    recurrenceId: recurrenceId ? asText(recurrenceId, "RECURRENCE-ID", uid) : null,
  });
}

for (const [uid, entry] of byUid) {
  if (!entry.master) {
    // Instances without their series (a guest invited to some meetings of a series): each stands alone.
    for (const component of entry.exceptions) {
      const event = new ICAL.Event(component);
      asText(event.recurrenceId, "RECURRENCE-ID", uid);
      record(uid, { startDate: event.startDate, endDate: event.endDate, recurrenceId: event.recurrenceId }, event);
    }
    continue;
  }
  const event = new ICAL.Event(entry.master, { exceptions: entry.exceptions.map((c) => new ICAL.Event(c)) });
  for (const component of entry.exceptions) {
    asText(new ICAL.Event(component).recurrenceId, "RECURRENCE-ID", uid);
  }
  if (!event.isRecurring()) {
    record(uid, { startDate: event.startDate, endDate: event.endDate, recurrenceId: null }, event);
    continue;
  }
  const iterator = event.iterator();
  let count = 0;
  for (let next = iterator.next(); next; next = iterator.next()) {
    if (++count > MAX_PER_EVENT) {
      fail(`more than ${MAX_PER_EVENT} occurrences of ${uid}`);
    }
    if (next.compare(rangeEnd) >= 0) {
      break;
    }
    const details = event.getOccurrenceDetails(next);
    if (details.endDate.compare(rangeStart) <= 0) {
      continue;
    }
    record(uid, details, details.item);
  }
}

process.stdout.write(JSON.stringify(occurrences, null, 1) + "\n");
