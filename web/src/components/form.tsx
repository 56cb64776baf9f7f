import { cloneElement, type VNode } from 'preact';
import { useId, useState } from 'preact/hooks';
import { ApiError } from '../api.ts';

/** An action a button starts: busy while it runs, its error kept to show, its result handed on. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const run = async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await fn();
    } catch (err) {
      setError(err as Error);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, setError };
}

/** The server's refusal as it said it: message, code, the field at fault, and each problem (a CSV's lines). */
export function ErrorNote({ error }: { error: Error | null }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : null;
  const problems = api?.details.filter((d) => d.reason) ?? [];
  return (
    <div class="error" role="alert">
      <p>
        {error.message}
        {api && (
          <>
            {' '}
            <code>{api.code}</code>
            {api.field && (
              <>
                {' '}
                (field <code>{api.field}</code>)
              </>
            )}
          </>
        )}
      </p>
      {problems.length > 1 || (problems.length === 1 && problems[0]!.index !== undefined) ? (
        <ul class="problems">
          {problems.slice(0, 50).map((p) => (
            <li>
              {p.index !== undefined && <>line {p.index}: </>}
              {p.field && <code>{p.field}</code>} {p.reason}
            </li>
          ))}
          {problems.length > 50 && <li>… and {problems.length - 50} more</li>}
        </ul>
      ) : null}
    </div>
  );
}

/**
 * A labelled control (one element: input, select), its hint beside the label. The label
 * names the control by id rather than wrapping it: a wrapped select would take its
 * options' text into its name.
 */
export function Field({ label, hint, children }: { label: string; hint?: string; children: VNode }) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {cloneElement(children, { id, 'aria-describedby': hint ? `${id}-hint` : undefined })}
      {hint && (
        <small class="help" id={`${id}-hint`}>
          {hint}
        </small>
      )}
    </div>
  );
}

/** A destructive button that asks once more, in place (no browser dialog). */
export function Confirm({
  label,
  question,
  onConfirm,
  busy,
}: {
  label: string;
  question: string;
  onConfirm: () => void;
  busy?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button type="button" class="danger" onClick={() => setAsking(true)} disabled={busy}>
        {label}
      </button>
    );
  return (
    <span class="confirm" role="group" aria-label={question}>
      <span>{question}</span>
      <button
        type="button"
        class="danger"
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        Yes, {label.toLowerCase()}
      </button>
      <button type="button" class="plain" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

/** Copies `text` to the clipboard and says so. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      class="plain"
      onClick={() =>
        void navigator.clipboard.writeText(text).then(
          () => setDone(true),
          () => setDone(false),
        )
      }
    >
      {done ? 'Copied' : label}
    </button>
  );
}

/** A secret shown once, right after it was made: with a copy button and the warning. */
export function OnceSecret({ what, secret, onDone }: { what: string; secret: string; onDone: () => void }) {
  return (
    <div class="secret" role="status">
      <p>
        <strong>Copy the {what} now: it is shown only this once.</strong> usagehub keeps only its hash.
      </p>
      <p>
        <code data-secret>{secret}</code> <CopyButton text={secret} />
      </p>
      <button type="button" class="plain" onClick={onDone}>
        I have stored it
      </button>
    </div>
  );
}

/** A code snippet with a copy button. */
export function Snippet({ title, code }: { title: string; code: string }) {
  return (
    <figure class="snippet">
      <figcaption>
        {title} <CopyButton text={code} />
      </figcaption>
      {/* Focusable: a long snippet scrolls, and keyboards must reach it too. */}
      <pre tabIndex={0}>
        <code>{code}</code>
      </pre>
    </figure>
  );
}
