/** Updates (of people or groups) by tenant, each tenant's in the order given: what a store applies in one go. */
export function byTenant<T extends { tenantId: string }>(updates: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const u of updates) {
    const mine = out.get(u.tenantId);
    if (mine) mine.push(u);
    else out.set(u.tenantId, [u]);
  }
  return out;
}
