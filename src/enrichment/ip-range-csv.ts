import { parse } from 'csv-parse/sync';
import { problem, type Problem } from '../domain/errors.ts';
import { parseCidr, type IpRange } from './ip-ranges.ts';

const HOSTNAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * Parses an IP range table: CSV with the columns `cidr,organisation,domain` (a header
 * line with these names is optional; `domain` may be empty). Every bad line is reported,
 * with its line number as `index`; the table is usable only when there are none.
 */
export function parseIpRangeCsv(text: string): { ranges: IpRange[]; problems: Problem[] } {
  const problems: Problem[] = [];
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      info: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as unknown as typeof records;
  } catch (err) {
    return { ranges: [], problems: [problem('(csv)', 'invalid_body', (err as Error).message)] };
  }
  const ranges = new Map<string, IpRange>();
  records.forEach(({ record, info }, i) => {
    const line = info.lines;
    if (i === 0 && record[0]?.toLowerCase() === 'cidr') return;
    if (record.length < 2 || record.length > 3) {
      problems.push(
        problem('(line)', 'field_format', `line ${line}: expected cidr,organisation,domain`, line),
      );
      return;
    }
    const [cidrText, organisation, domainText] = record as [string, string, string | undefined];
    const cidr = parseCidr(cidrText);
    if (!cidr)
      problems.push(problem('cidr', 'field_format', `line ${line}: ${cidrText} is not a CIDR block`, line));
    if (!organisation)
      problems.push(problem('organisation', 'field_required', `line ${line}: organisation is empty`, line));
    const domain = domainText ? domainText.toLowerCase() : null;
    if (domain && !HOSTNAME.test(domain)) {
      problems.push(
        problem('domain', 'field_format', `line ${line}: ${domainText} is not a host name`, line),
      );
    }
    if (!cidr || !organisation) return;
    if (ranges.has(cidr.cidr)) {
      problems.push(problem('cidr', 'field_format', `line ${line}: ${cidr.cidr} is listed twice`, line));
      return;
    }
    ranges.set(cidr.cidr, { cidr: cidr.cidr, organisation, domain });
  });
  return { ranges: [...ranges.values()], problems };
}
