import net from "node:net";

/** Thrown for a malformed WHATSNEXT_TRUSTED_PROXIES entry, naming it. */
export class TrustedProxiesError extends Error {}

/** An IPv4-mapped IPv6 address (::ffff:10.0.0.1) as the IPv4 address it carries. */
function unmapped(address: string): string {
  return address.startsWith("::ffff:") && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
}

/**
 * The proxies whose X-Forwarded-For is believed. Anyone else's header is
 * ignored: a caller could otherwise pick a fresh address per call and never
 * meet its rate limit.
 */
export class TrustedProxies {
  private readonly list = new net.BlockList();
  private readonly empty: boolean;

  /** Parses comma-separated CIDR ranges or single addresses (IPv4 or IPv6). */
  constructor(spec: string) {
    const entries = spec
      .split(",")
      .map((e) => e.trim())
      .filter(Boolean);
    this.empty = entries.length === 0;
    for (const entry of entries) {
      const [address, bits] = entry.split("/");
      const family = net.isIPv4(address ?? "") ? "ipv4" : net.isIPv6(address ?? "") ? "ipv6" : undefined;
      const max = family === "ipv4" ? 32 : 128;
      const prefix = bits === undefined ? max : Number(bits);
      if (!family || !Number.isInteger(prefix) || prefix < 0 || prefix > max || (bits !== undefined && !/^\d+$/.test(bits))) {
        throw new TrustedProxiesError(`invalid configuration: WHATSNEXT_TRUSTED_PROXIES entry ${JSON.stringify(entry)} is not an address or CIDR range`);
      }
      this.list.addSubnet(address!, prefix, family);
    }
  }

  /** Whether the address is within a trusted range. */
  trusts(address: string): boolean {
    if (this.empty) return false;
    const a = unmapped(address);
    const family = net.isIPv4(a) ? "ipv4" : net.isIPv6(a) ? "ipv6" : undefined;
    return family !== undefined && this.list.check(a, family);
  }

  /**
   * The caller's address: the socket peer, unless the peer is a trusted
   * proxy; then X-Forwarded-For is read from the right, skipping trusted
   * hops, and the first untrusted address is the client (entries further
   * left were written by the client and may be forged).
   */
  clientAddress(socketAddress: string, forwardedFor: string | null): string {
    const peer = unmapped(socketAddress);
    if (!forwardedFor || !this.trusts(peer)) return peer;
    const hops = forwardedFor
      .split(",")
      .map((h) => unmapped(h.trim()))
      .filter((h) => net.isIP(h) !== 0);
    for (let i = hops.length - 1; i >= 0; i--) {
      if (!this.trusts(hops[i]!)) return hops[i]!;
    }
    return hops[0] ?? peer;
  }
}
