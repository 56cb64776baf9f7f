import { useState } from 'preact/hooks';
import { FILTER_PATTERN } from '../../../../src/live/event-types.ts';
import { get } from '../../api.ts';
import { Field } from '../../components/form.tsx';
import { useLoad } from '../../components/use-load.ts';

// The server's own pattern (src/live/event-types.ts): what the API accepts as a filter.
const PATTERN = new RegExp(FILTER_PATTERN);

interface KnownTypes {
  types: string[];
  wildcards: string[];
}
let knownTypes: { at: number; answer: Promise<KnownTypes> } | null = null;

/**
 * The event types filters and test events can name. The endpoint page asks in two
 * places (its settings and its test-event form): one request serves both, and is asked
 * again after a minute, when new names may have been stored.
 */
export function useEventTypes() {
  return useLoad('event-types', () => {
    if (!knownTypes || Date.now() - knownTypes.at > 60_000) {
      const answer = get<KnownTypes>('/v1/live/event-types');
      // A failed answer is not kept: the next page asks again.
      answer.catch(() => (knownTypes = null));
      knownTypes = { at: Date.now(), answer };
    }
    return knownTypes.answer;
  });
}

/** An endpoint's filters: picked from the event types that exist and the namespace wildcards, or typed. */
export function FiltersInput({ value, onChange }: { value: string[]; onChange: (v: string[]) => void }) {
  const known = useEventTypes();
  const [draft, setDraft] = useState('');
  const ok = PATTERN.test(draft);
  const add = () => {
    if (!ok || value.includes(draft)) return;
    onChange([...value, draft]);
    setDraft('');
  };
  return (
    <fieldset class="filters-input">
      <legend>Filters</legend>
      <p class="help">
        None: every type. A type (usagehub.event.push.opened_file) or a wildcard (usagehub.event.push.*).
      </p>
      <ul class="chips" aria-label="Chosen filters">
        {value.map((f) => (
          <li>
            <code>{f}</code>
            <button
              type="button"
              class="plain"
              aria-label={`Remove ${f}`}
              onClick={() => onChange(value.filter((x) => x !== f))}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <div class="inline">
        <Field label="Add a filter">
          <input
            list="event-types"
            value={draft}
            aria-invalid={draft !== '' && !ok}
            onInput={(e) => setDraft(e.currentTarget.value.trim())}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                add();
              }
            }}
          />
        </Field>
        <button type="button" class="plain" onClick={add} disabled={!ok}>
          Add
        </button>
      </div>
      {draft !== '' && !ok && <p class="error">Not an event type or a wildcard ending in .*</p>}
      <datalist id="event-types">
        {known.state === 'ok' &&
          [...known.value.wildcards, ...known.value.types].map((t) => <option value={t} />)}
      </datalist>
    </fieldset>
  );
}
