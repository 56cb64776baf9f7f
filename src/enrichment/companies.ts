import { createRequire } from 'node:module';
import { getDomain } from 'tldts';
import type { IpRange, IpRangeIndex } from './ip-ranges.ts';

// email-providers: a maintained list of free and common e-mail providers' domains.
const FREE_EMAIL_DOMAINS = new Set(createRequire(import.meta.url)('email-providers/all.json') as string[]);

/** A free e-mail provider's domain (gmail.com, yahoo.co.uk, …) never stands for a company. */
export const isFreeEmailDomain = (domain: string): boolean =>
  FREE_EMAIL_DOMAINS.has(domain) || FREE_EMAIL_DOMAINS.has(getDomain(domain) ?? domain);

/** What an event's company is, and how usagehub found it out, kept with the event for audit. */
export interface CompanyResolution {
  /** The company: its registrable domain (acme.com), or a matched range's organisation when it has no domain. */
  company: string | null;
  /** The domain the company was derived from. */
  domain: string | null;
  /** The organisation of the matched IP range, if any. */
  organisation: string | null;
  /**
   * `domain`: from the event's domain; `ip_range`: from the range its IP fell in; `group`:
   * named by the application (a PostHog event's company or organization group).
   */
  resolvedBy: 'domain' | 'ip_range' | 'group' | null;
  /** The matched range, if any. */
  ipRange: string | null;
}

/** A resolution as the event's context keeps it (domain/event.ts EventContext). */
export function companyContext(r: CompanyResolution): {
  domain?: string;
  company?: string;
  companyResolvedBy?: 'domain' | 'ip_range' | 'group';
  ipRange?: string;
  organisation?: string;
} {
  return {
    domain: r.domain ?? undefined,
    company: r.company ?? undefined,
    companyResolvedBy: r.resolvedBy ?? undefined,
    ipRange: r.ipRange ?? undefined,
    organisation: r.organisation ?? undefined,
  };
}

/**
 * Resolves the company of an event from its domain, else from the IP range its address
 * falls in (the most specific one). A free e-mail domain says nothing about a company,
 * so the IP range is consulted instead.
 */
export function resolveCompany(
  domain: string | undefined,
  ip: string | undefined,
  ranges: IpRangeIndex | null,
): CompanyResolution {
  const range: IpRange | null = ip && ranges ? ranges.lookup(ip) : null;
  const fromRange = {
    organisation: range?.organisation ?? null,
    ipRange: range?.cidr ?? null,
  };
  const given = domain?.toLowerCase().replace(/\.$/, '');
  if (given && !isFreeEmailDomain(given)) {
    return { company: getDomain(given) ?? given, domain: given, resolvedBy: 'domain', ...fromRange };
  }
  if (range) {
    const rangeDomain = range.domain?.toLowerCase() ?? null;
    const company =
      rangeDomain && !isFreeEmailDomain(rangeDomain)
        ? (getDomain(rangeDomain) ?? rangeDomain)
        : range.organisation;
    return { company, domain: given ?? rangeDomain, resolvedBy: 'ip_range', ...fromRange };
  }
  return { company: null, domain: given ?? null, resolvedBy: null, ...fromRange };
}
