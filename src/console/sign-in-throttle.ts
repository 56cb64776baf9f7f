/** Failed sign-ins from one address within WINDOW_MS after which further attempts wait. */
export const FAILURES_ALLOWED = 5;
const WINDOW_MS = 60_000;
/** Addresses remembered at most: a flood of addresses forgets the oldest, never grows memory. */
const MAX_ADDRESSES = 10_000;

/**
 * Slows down guessing API keys at the sign-in page: after five failures from one address
 * in a minute, that address waits until the oldest failure is a minute old. Per process;
 * keys are 32 random bytes, so this is about noise in the logs more than about luck.
 */
export class SignInThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Seconds the address must wait before trying again; 0 when it may try now. */
  waitSeconds(address: string): number {
    const recent = this.recent(address);
    if (recent.length < FAILURES_ALLOWED) return 0;
    return Math.max(1, Math.ceil((recent[0]! + WINDOW_MS - this.now()) / 1000));
  }

  failed(address: string): void {
    const recent = this.recent(address);
    recent.push(this.now());
    this.failures.delete(address);
    this.failures.set(address, recent.slice(-FAILURES_ALLOWED));
    if (this.failures.size > MAX_ADDRESSES) this.failures.delete(this.failures.keys().next().value!);
  }

  succeeded(address: string): void {
    this.failures.delete(address);
  }

  private recent(address: string): number[] {
    const since = this.now() - WINDOW_MS;
    return (this.failures.get(address) ?? []).filter((t) => t > since);
  }
}
