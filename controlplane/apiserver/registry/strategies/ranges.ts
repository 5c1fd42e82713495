import { randomInt } from 'node:crypto';

/** Ipv4Range is a CIDR block of IPv4 addresses. */
export class Ipv4Range {
  readonly base: number;
  readonly size: number;

  private constructor(
    readonly cidr: string,
    base: number,
    bits: number,
  ) {
    this.size = 2 ** (32 - bits);
    this.base = base - (base % this.size);
  }

  /** parse reads `10.96.0.0/12`; throws a RangeError on anything else. */
  static parse(cidr: string): Ipv4Range {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
    if (!m) throw new RangeError(`invalid CIDR "${cidr}": want an IPv4 block such as 10.96.0.0/12`);
    const octets = m.slice(1, 5).map(Number);
    const bits = Number(m[5]);
    if (octets.some((o) => o > 255) || bits < 8 || bits > 30) {
      throw new RangeError(
        `invalid CIDR "${cidr}": octets must be ≤ 255 and the prefix between /8 and /30`,
      );
    }
    return new Ipv4Range(cidr.trim(), ipToInt(octets.join('.'))!, bits);
  }

  contains(ip: string): boolean {
    const n = ipToInt(ip);
    return n !== undefined && n >= this.base && n < this.base + this.size;
  }

  /** at is the address `offset` into the block. */
  at(offset: number): string {
    return intToIp(this.base + offset);
  }

  /**
   * pickFree chooses a random free address, skipping the network and broadcast
   * addresses and the `reserved` first ones; undefined when the range is full.
   */
  pickFree(taken: ReadonlySet<string>, reserved = 1): string | undefined {
    const first = 1 + reserved;
    const count = this.size - first - 1;
    if (count <= 0) return undefined;
    const start = randomInt(count);
    for (let i = 0; i < count; i++) {
      const ip = this.at(first + ((start + i) % count));
      if (!taken.has(ip)) return ip;
    }
    return undefined;
  }
}

/** ipToInt reads a dotted IPv4 address; undefined when it isn't one. */
export function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** PortRange is an inclusive range of ports (`30000-32767`). */
export class PortRange {
  constructor(
    readonly min: number,
    readonly max: number,
  ) {}

  static parse(text: string): PortRange {
    const m = /^(\d+)-(\d+)$/.exec(text.trim());
    const min = Number(m?.[1]);
    const max = Number(m?.[2]);
    if (!m || min < 1 || max > 65535 || min > max)
      throw new RangeError(`invalid port range "${text}": want MIN-MAX`);
    return new PortRange(min, max);
  }

  contains(p: number): boolean {
    return p >= this.min && p <= this.max;
  }

  pickFree(taken: ReadonlySet<number>): number | undefined {
    const count = this.max - this.min + 1;
    const start = randomInt(count);
    for (let i = 0; i < count; i++) {
      const p = this.min + ((start + i) % count);
      if (!taken.has(p)) return p;
    }
    return undefined;
  }

  toString(): string {
    return `${this.min}-${this.max}`;
  }
}
