import type { ComponentChildren } from 'preact';

export interface Column<T> {
  label: string;
  cell: (row: T) => ComponentChildren;
  numeric?: boolean;
}

/** A plain data table with a caption, for the lists every page has. */
export function Table<T>({
  caption,
  rows,
  columns,
  empty = 'Nothing in this range.',
}: {
  caption: string;
  rows: T[];
  columns: Column<T>[];
  /** What an empty table says. */
  empty?: string;
}) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={caption}>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" class={c.numeric ? 'num' : ''}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length} class="none">
                {empty}
              </td>
            </tr>
          ) : (
            rows.map((r) => (
              <tr>
                {columns.map((c) => (
                  <td class={c.numeric ? 'num' : ''}>{c.cell(r)}</td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
