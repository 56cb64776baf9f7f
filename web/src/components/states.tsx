import type { ComponentChildren } from 'preact';
import { ApiError } from '../api.ts';

/** What a request in flight, failed or done shows. */
export type Loaded<T> = { state: 'loading' } | { state: 'error'; error: Error } | { state: 'ok'; value: T };

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Failed({ error }: { error: Error }) {
  const code = error instanceof ApiError ? ` (${error.code})` : '';
  return (
    <p class="error" role="alert">
      Could not load this: {error.message}
      {code}
    </p>
  );
}

/** Renders `ok` with the value once loaded, else the loading or error state. */
export function Show<T>({
  loaded,
  what,
  ok,
}: {
  loaded: Loaded<T>;
  what: string;
  ok: (v: T) => ComponentChildren;
}) {
  if (loaded.state === 'loading') return <Loading what={what} />;
  if (loaded.state === 'error') return <Failed error={loaded.error} />;
  return <>{ok(loaded.value)}</>;
}

/** An empty page says what to do: here, how to send a first event. */
export function Empty({ children }: { children?: ComponentChildren }) {
  return (
    <div class="empty">
      <p>No events in this range yet.</p>
      {children ?? (
        <>
          <p>Send a first one with an ingest key:</p>
          <pre>
            <code>{`curl -s ${location.origin}/v1/events \\
  -H "Authorization: Bearer $INGEST_KEY" -H 'Content-Type: application/json' \\
  -d '[{"app":"web","name":"opened_file","timestamp":'$(date +%s000)',"email":"ann@example.com"}]'`}</code>
          </pre>
          <p>Or point a Segment or PostHog SDK at this host (docs/segment.md, docs/posthog.md).</p>
        </>
      )}
    </div>
  );
}

/** What a page for admin keys shows to a session opened with another key (the API refuses it too). */
export function AdminOnly({ title, role }: { title: string; role: string }) {
  return (
    <>
      <h1>{title}</h1>
      <p class="error" role="alert">
        {title} need an admin key; this session was opened with a {role} key.
      </p>
    </>
  );
}
