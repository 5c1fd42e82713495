/**
 * CidrSet hands out equal-sized IPv4 subnets of a cluster CIDR (Kubernetes'
 * `cidrset`): a /16 cut into /24s gives 256 of them. It is a bitmap with a
 * round-robin cursor, so a released subnet is not reused at once. Pure and
 * synchronous; one controller owns it.
 */
export class CidrSet {
  /** capacity is the number of subnets. */
  readonly capacity: number;
  private readonly base: number;
  private readonly step: number;
  private readonly used: Uint8Array;
  private count = 0;
  private cursor = 0;

  /**
   * constructor throws a RangeError for a malformed or non-IPv4 cluster CIDR,
   * a mask size outside [prefix, 32], or more than 2^16 subnets (the limit
   * Kubernetes sets, to bound the bitmap).
   */
  constructor(
    readonly clusterCidr: string,
    readonly maskSize: number,
  ) {
    const parsed = parseCidr(clusterCidr);
    if (!parsed)
      throw new RangeError(`cluster CIDR ${JSON.stringify(clusterCidr)} is not an IPv4 CIDR`);
    const { ip, prefix } = parsed;
    if (!Number.isInteger(maskSize) || maskSize < prefix || maskSize > 32) {
      throw new RangeError(
        `node CIDR mask size ${maskSize} must be an integer between the cluster prefix /${prefix} and 32`,
      );
    }
    if (maskSize - prefix > 16) {
      throw new RangeError(
        `node CIDR mask size ${maskSize} splits /${prefix} into more than 65536 subnets`,
      );
    }
    this.base = prefix === 0 ? 0 : (ip & (~0 << (32 - prefix))) >>> 0;
    this.step = 2 ** (32 - maskSize);
    this.capacity = 2 ** (maskSize - prefix);
    this.used = new Uint8Array(this.capacity);
  }

  /** allocated is the number of subnets in use. */
  get allocated(): number {
    return this.count;
  }

  /** allocateNext takes the next free subnet after the last one handed out, or undefined when full. */
  allocateNext(): string | undefined {
    if (this.count >= this.capacity) return undefined;
    for (let i = 0; i < this.capacity; i++) {
      const idx = (this.cursor + i) % this.capacity;
      if (this.used[idx]) continue;
      this.used[idx] = 1;
      this.count++;
      this.cursor = (idx + 1) % this.capacity;
      return this.cidrAt(idx);
    }
    return undefined;
  }

  /**
   * occupy marks `cidr` in use (idempotent). It returns false, changing
   * nothing, when `cidr` is not one of this set's subnets (another size, not
   * aligned, or outside the cluster CIDR).
   */
  occupy(cidr: string): boolean {
    const idx = this.indexOf(cidr);
    if (idx === undefined) return false;
    if (!this.used[idx]) {
      this.used[idx] = 1;
      this.count++;
    }
    return true;
  }

  /** release frees `cidr`; releasing a free or foreign subnet is harmless. */
  release(cidr: string): void {
    const idx = this.indexOf(cidr);
    if (idx === undefined || !this.used[idx]) return;
    this.used[idx] = 0;
    this.count--;
  }

  /** has tells whether `cidr` is one of this set's subnets and in use. */
  has(cidr: string): boolean {
    const idx = this.indexOf(cidr);
    return idx !== undefined && this.used[idx] === 1;
  }

  private cidrAt(idx: number): string {
    return `${formatIp(this.base + idx * this.step)}/${this.maskSize}`;
  }

  private indexOf(cidr: string): number | undefined {
    const parsed = parseCidr(cidr);
    if (!parsed || parsed.prefix !== this.maskSize) return undefined;
    const offset = parsed.ip - this.base;
    if (offset < 0 || offset % this.step !== 0) return undefined;
    const idx = offset / this.step;
    return idx < this.capacity ? idx : undefined;
  }
}

/** parseCidr reads `a.b.c.d/n` into a 32-bit unsigned address and a prefix length. */
export function parseCidr(cidr: string): { ip: number; prefix: number } | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const ip = octets.reduce((acc, o) => acc * 256 + o, 0);
  return { ip, prefix };
}

function formatIp(ip: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(ip / 2 ** s) % 256).join('.');
}
