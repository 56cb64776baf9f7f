/** One row of a tenant's IP range table. */
export interface IpRange {
  /** Normalised: the network address, then the prefix length (`10.0.0.0/8`). */
  cidr: string;
  organisation: string;
  domain: string | null;
}
