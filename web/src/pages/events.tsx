import { useEffect, useRef, useState } from 'preact/hooks';
import { get, query } from '../api.ts';
import { Filters } from '../components/filters.tsx';
import { Show } from '../components/states.tsx';
import { useLoad } from '../components/use-load.ts';
import { fmtTime } from '../format.ts';
import { rangeOf, rangeParams } from '../time-range.ts';
import { navigate, withParams, type Location } from '../url-state.ts';

export interface StoredEvent {
  eventId: string;
  appId: string;
  source: string;
  name: string;
  occurredAt: number;
  late: boolean;
  actor: { userId?: string; email?: string; deviceId?: string };
  properties: Record<string, unknown>;
  [field: string]: unknown;
}

const SOURCES = ['native', 'push', 'sessions', 'aggregated', 'hits', 'segment', 'posthog'];
/** Events the live list keeps: a tail is for watching, the explorer for finding. */
const LIVE_MAX = 200;
/** How often the live list shows what arrived. */
const FLUSH_MS = 200;

const userOf = (e: StoredEvent) => e.actor.userId ?? e.actor.email ?? e.actor.deviceId ?? null;

function EventRow({ e, loc }: { e: StoredEvent; loc: Location }) {
  const user = userOf(e);
  return (
    <tr data-event-id={e.eventId}>
      <td>{fmtTime(e.occurredAt)}</td>
      <td>
        <a
          href={`/events?${withParams(loc, { event: e.eventId })}`}
          onClick={(ev) => {
            ev.preventDefault();
            navigate(loc.path, withParams(loc, { event: e.eventId }));
          }}
        >
          {e.name}
        </a>
        {e.late && <span class="badge">late</span>}
      </td>
      <td>
        {user && (
          <a
            href={`/events?${withParams(loc, { user, event: undefined, after: undefined })}`}
            onClick={(ev) => {
              ev.preventDefault();
              navigate(loc.path, withParams(loc, { user, event: undefined, after: undefined }));
            }}
          >
            {user}
          </a>
        )}
      </td>
      <td>{e.source}</td>
      <td class="props">{JSON.stringify(e.properties)}</td>
    </tr>
  );
}

function EventTable({ events, loc, caption }: { events: StoredEvent[]; loc: Location; caption: string }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={caption}>
      <table class="events">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Time (UTC)</th>
            <th scope="col">Event</th>
            <th scope="col">User</th>
            <th scope="col">Dialect</th>
            <th scope="col">Properties</th>
          </tr>
        </thead>
        <tbody>
          {events.length === 0 ? (
            <tr>
              <td colSpan={5} class="none">
                No events match.
              </td>
            </tr>
          ) : (
            events.map((e) => <EventRow e={e} loc={loc} />)
          )}
        </tbody>
      </table>
    </div>
  );
}

/** The live tail: acknowledged events over Server-Sent Events, newest first; paused, the list stays still. */
function LiveTail({ loc, filters }: { loc: Location; filters: Record<string, string | undefined> }) {
  const [events, setEvents] = useState<StoredEvent[]>([]);
  const [paused, setPaused] = useState(false);
  const [waiting, setWaiting] = useState<StoredEvent[]>([]);
  const [state, setState] = useState('connecting');
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const key = query(filters);
  useEffect(() => {
    const source = new EventSource(`/v1/stream${key}`);
    source.onopen = () => setState('live');
    source.onerror = () => setState('reconnecting');
    // At thousands of events a second, one render per event would freeze the page:
    // arrivals are gathered and shown a few times a second, the newest LIVE_MAX only.
    let arrived: StoredEvent[] = [];
    source.addEventListener('usage', (m) => {
      arrived.push(JSON.parse((m as MessageEvent<string>).data) as StoredEvent);
      if (arrived.length > LIVE_MAX) arrived = arrived.slice(-LIVE_MAX);
    });
    const flush = setInterval(() => {
      if (arrived.length === 0) return;
      const fresh = arrived.reverse();
      arrived = [];
      if (pausedRef.current) setWaiting((w) => [...fresh, ...w].slice(0, LIVE_MAX));
      else setEvents((l) => [...fresh, ...l].slice(0, LIVE_MAX));
    }, FLUSH_MS);
    return () => {
      clearInterval(flush);
      source.close();
    };
  }, [key]);
  const resume = () => {
    setEvents((l) => [...waiting, ...l].slice(0, LIVE_MAX));
    setWaiting([]);
    setPaused(false);
  };
  return (
    <section aria-label="Live tail" class="live">
      <p class="live-bar">
        <span class={`dot ${state}`} aria-hidden="true" />
        <span role="status">
          {paused
            ? `Paused: ${waiting.length} new`
            : state === 'live'
              ? 'Live: new events appear here'
              : `Stream ${state}…`}
        </span>
        <button type="button" onClick={() => (paused ? resume() : setPaused(true))}>
          {paused ? 'Resume' : 'Pause'}
        </button>
      </p>
      <EventTable events={events} loc={loc} caption="Events as they arrive" />
    </section>
  );
}

function EventDetail({ id, loc }: { id: string; loc: Location }) {
  const loaded = useLoad(id, () => get<StoredEvent>(`/v1/events/${encodeURIComponent(id)}`));
  return (
    <aside class="detail" aria-label="Event">
      <p>
        <button type="button" onClick={() => navigate(loc.path, withParams(loc, { event: undefined }))}>
          Close
        </button>
      </p>
      <Show
        loaded={loaded}
        what="the event"
        ok={(e) => (
          <>
            <h2>{e.name}</h2>
            <pre class="doc">{JSON.stringify(e, null, 2)}</pre>
          </>
        )}
      />
    </aside>
  );
}

export function Events({ loc }: { loc: Location }) {
  const p = loc.params;
  const range = rangeOf(p);
  const filters = {
    name: p.get('name') ?? undefined,
    user: p.get('user') ?? undefined,
    source: p.get('source') ?? undefined,
  };
  const tail = p.get('tail') === 'on';
  const text = p.get('q') ?? undefined;
  const after = p.get('after') ?? undefined;
  const params = { ...rangeParams(range, p.get('app')), ...filters, q: text, after, limit: 50 };
  const loaded = useLoad(query(params), () =>
    get<{ events: StoredEvent[]; next: string | null; scanned: number }>('/v1/events', params),
  );
  const [draft, setDraft] = useState({ name: filters.name ?? '', user: filters.user ?? '', q: text ?? '' });
  useEffect(
    () => setDraft({ name: filters.name ?? '', user: filters.user ?? '', q: text ?? '' }),
    [filters.name, filters.user, text],
  );
  const apply = () => navigate(loc.path, withParams(loc, { ...draft, after: undefined, event: undefined }));
  const event = p.get('event');
  return (
    <>
      <h1>Events</h1>
      <Filters loc={loc}>
        <label>
          Event name
          <input
            value={draft.name}
            onInput={(e) => setDraft({ ...draft, name: e.currentTarget.value })}
            onKeyDown={(e) => e.key === 'Enter' && apply()}
          />
        </label>
        <label>
          User or email
          <input
            value={draft.user}
            onInput={(e) => setDraft({ ...draft, user: e.currentTarget.value })}
            onKeyDown={(e) => e.key === 'Enter' && apply()}
          />
        </label>
        <label>
          Dialect
          <select
            value={filters.source ?? ''}
            onChange={(e) =>
              navigate(loc.path, withParams(loc, { source: e.currentTarget.value, after: undefined }))
            }
          >
            <option value="">All dialects</option>
            {SOURCES.map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Text in properties
          <input
            type="search"
            value={draft.q}
            onInput={(e) => setDraft({ ...draft, q: e.currentTarget.value })}
            onKeyDown={(e) => e.key === 'Enter' && apply()}
          />
        </label>
        <button type="button" onClick={apply}>
          Search
        </button>
        <button
          type="button"
          aria-pressed={tail}
          onClick={() => navigate(loc.path, withParams(loc, { tail: tail ? undefined : 'on' }))}
        >
          {tail ? 'Stop live tail' : 'Live tail'}
        </button>
      </Filters>
      {filters.user && (
        <p class="timeline">
          Timeline of <strong>{filters.user}</strong>{' '}
          <button
            type="button"
            onClick={() => navigate(loc.path, withParams(loc, { user: undefined, after: undefined }))}
          >
            Show everyone
          </button>
        </p>
      )}
      <div class="explorer">
        <div>
          {tail ? (
            <LiveTail loc={loc} filters={{ app: p.get('app') ?? undefined, ...filters }} />
          ) : (
            <Show
              loaded={loaded}
              what="events"
              ok={(page) => (
                <>
                  <EventTable
                    events={page.events}
                    loc={loc}
                    caption={`Stored events, most recently stored first (${page.scanned} looked at)`}
                  />
                  <p class="pager">
                    {after && (
                      <button type="button" onClick={() => history.back()}>
                        Newer
                      </button>
                    )}
                    {page.next && (
                      <button
                        type="button"
                        onClick={() => navigate(loc.path, withParams(loc, { after: page.next ?? undefined }))}
                      >
                        Older
                      </button>
                    )}
                  </p>
                </>
              )}
            />
          )}
        </div>
        {event && <EventDetail id={event} loc={loc} />}
      </div>
    </>
  );
}
