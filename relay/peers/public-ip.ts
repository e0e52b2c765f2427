import { isPublicIp, type Observation } from './observed-address.ts'

/**
 * The answer of p2p_peer_get_public_ip from what peers observed: the IP most of them
 * report, whether it is public, or that it cannot be told. Never a guess.
 */
export function publicIpFrom(observations: Observation[]) {
  const votes = new Map<string, number>()
  for (const o of observations) if (o.ip !== null) votes.set(o.ip, (votes.get(o.ip) ?? 0) + 1)
  const [best] = [...votes].sort((a, b) => b[1] - a[1])
  if (best === undefined) {
    const reason =
      observations.length === 0
        ? 'cannot tell: no peer is connected to ask which address it sees this relay at'
        : `cannot tell: none of the ${observations.length} connected peers reported an IP address`
    return { known: false, ip: null, public: null, agreeing: 0, reason, observations }
  }
  const [ip, agreeing] = best
  const open = isPublicIp(ip)
  const seen = `${agreeing} of ${observations.length} connected peers see this relay at ${ip}`
  return {
    known: true,
    ip,
    public: open,
    agreeing,
    reason: open ? seen : `${seen}, a loopback or private address: not a public IP`,
    observations,
  }
}
