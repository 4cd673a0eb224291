//! The client's address, decided once per request. Behind a load balancer the socket peer is
//! the balancer, so the client is taken from `X-Forwarded-For` (or RFC 7239 `Forwarded`) — but
//! only when the peer is one of the configured trusted proxies, and only the right-most address
//! no trusted proxy vouches for: everything left of it was written by the client and can say
//! anything. The server's middleware stores the result as a [`ClientIp`] request extension;
//! rate limits, the IP blocklist, audit rows and request logs all read that one value.

use http::HeaderMap;
use std::net::IpAddr;
use std::str::FromStr;

/// The client address of the current request (a request extension set by the server).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// An address block, e.g. `10.0.0.0/8` or `2001:db8::/32` (a bare address is a single host).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Whether `ip` lies in this block (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s, None),
        };
        let network = addr
            .parse::<IpAddr>()
            .map_err(|_| format!("`{s}` is not an IP address or CIDR block"))?
            .to_canonical();
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{s}` has an invalid prefix length (0 to {max})"))?,
        };
        Ok(Self { network, prefix })
    }
}

/// Which header a trusted proxy writes the forwarding chain into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (what most balancers write).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for=proxy1`.
    Forwarded,
}

impl FromStr for ForwardedHeader {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Ok(Self::XForwardedFor),
            "forwarded" => Ok(Self::Forwarded),
            _ => Err("expected x-forwarded-for or forwarded".into()),
        }
    }
}

/// The proxies whose forwarding header is believed (`TRUSTED_PROXIES`), and which header they
/// write. Only one header is read: a client behind a proxy that writes the other one could
/// otherwise send it pre-filled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    blocks: Vec<Cidr>,
    header: ForwardedHeader,
}

impl TrustedProxies {
    /// Parses a comma-separated CIDR list (empty: trust nobody). Any invalid entry is an error
    /// naming it, so a typo refuses start-up instead of silently trusting less (or more).
    pub fn parse(list: &str, header: ForwardedHeader) -> Result<Self, String> {
        let blocks = list
            .split(',')
            .filter(|entry| !entry.trim().is_empty())
            .map(Cidr::from_str)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { blocks, header })
    }

    /// Whether `ip` is a trusted proxy.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.blocks.iter().any(|b| b.contains(ip))
    }

    /// The client address of a request that arrived from `peer` with `headers`.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.contains(peer) {
            return peer;
        }
        let hops = match self.header {
            ForwardedHeader::XForwardedFor => forwarded_values(headers, "x-forwarded-for", x_forwarded_for_hop),
            ForwardedHeader::Forwarded => forwarded_values(headers, "forwarded", forwarded_for_hop),
        };
        right_most_untrusted(peer, &hops, |ip| self.contains(ip))
    }
}

/// Walks the chain from the right (the hop our trusted peer appended last) and stops at the
/// first address that is not a trusted proxy. An unreadable hop ends the walk at the last
/// trusted hop: what lies left of it cannot be attributed to anyone. If every hop is a trusted
/// proxy, the left-most is the best we know.
fn right_most_untrusted(peer: IpAddr, hops: &[Option<IpAddr>], trusted: impl Fn(IpAddr) -> bool) -> IpAddr {
    let mut last = peer;
    for hop in hops.iter().rev() {
        match hop {
            Some(ip) if trusted(*ip) => last = *ip,
            Some(ip) => return *ip,
            None => return last,
        }
    }
    last
}

/// Every comma-separated element of every instance of header `name`, in order, each parsed
/// by `hop` (`None` when unreadable).
fn forwarded_values(headers: &HeaderMap, name: &str, hop: fn(&str) -> Option<IpAddr>) -> Vec<Option<IpAddr>> {
    headers
        .get_all(name)
        .iter()
        .flat_map(|value| match value.to_str() {
            Ok(text) => text.split(',').map(hop).collect::<Vec<_>>(),
            Err(_) => vec![None],
        })
        .collect()
}

/// One `X-Forwarded-For` element: an address, possibly with a port.
fn x_forwarded_for_hop(element: &str) -> Option<IpAddr> {
    address(element.trim())
}

/// One RFC 7239 element (`for=192.0.2.60;proto=http`): its `for` parameter.
fn forwarded_for_hop(element: &str) -> Option<IpAddr> {
    element.split(';').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        name.trim().eq_ignore_ascii_case("for").then(|| address(value.trim().trim_matches('"')))?
    })
}

/// `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1` or `[2001:db8::1]:4711`.
fn address(text: &str) -> Option<IpAddr> {
    if let Some(rest) = text.strip_prefix('[') {
        let (inside, _) = rest.split_once(']')?;
        return inside.parse::<IpAddr>().ok().map(|ip| ip.to_canonical());
    }
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    // An IPv4 address with a port; bare IPv6 text has more than one colon and parsed above.
    let (host, port) = text.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use proptest::prelude::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|_| panic!("{s}"))
    }

    fn headers(name: &'static str, values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(name, HeaderValue::from_str(v).unwrap_or_else(|_| panic!("{v}")));
        }
        h
    }

    fn xff(list: &str) -> TrustedProxies {
        TrustedProxies::parse(list, ForwardedHeader::XForwardedFor).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn cidr_blocks_parse_and_match() {
        let b: Cidr = "10.0.0.0/8".parse().unwrap_or_else(|e| panic!("{e}"));
        assert!(b.contains(ip("10.200.1.1")));
        assert!(!b.contains(ip("11.0.0.1")));
        assert!(b.contains(ip("::ffff:10.1.2.3")), "IPv4-mapped peers are IPv4");
        let v6: Cidr = "2001:db8::/32".parse().unwrap_or_else(|e| panic!("{e}"));
        assert!(v6.contains(ip("2001:db8:ffff::1")));
        assert!(!v6.contains(ip("2001:db9::1")));
        assert!(!v6.contains(ip("10.0.0.1")));
        let host: Cidr = "192.0.2.7".parse().unwrap_or_else(|e| panic!("{e}"));
        assert!(host.contains(ip("192.0.2.7")) && !host.contains(ip("192.0.2.8")));
        let all: Cidr = "0.0.0.0/0".parse().unwrap_or_else(|e| panic!("{e}"));
        assert!(all.contains(ip("203.0.113.9")));
    }

    #[test]
    fn invalid_entries_are_refused_by_name() {
        for bad in ["10.0.0.0/33", "2001:db8::/129", "10.0.0/8", "proxy.internal", "10.0.0.0/x", "10.0.0.0/8,nope"] {
            let err = TrustedProxies::parse(bad, ForwardedHeader::XForwardedFor).expect_err(bad);
            assert!(err.contains('`'), "{err}");
        }
        assert_eq!(xff(""), TrustedProxies::default());
        assert_eq!(xff(" 10.0.0.0/8 , ,::1 ").blocks.len(), 2);
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let h = headers("x-forwarded-for", &["1.2.3.4"]);
        assert_eq!(xff("").client_ip(ip("203.0.113.9"), &h), ip("203.0.113.9"));
        // The peer is not a trusted proxy: its header is a client's claim.
        assert_eq!(xff("10.0.0.0/8").client_ip(ip("203.0.113.9"), &h), ip("203.0.113.9"));
    }

    #[test]
    fn a_trusted_peer_yields_the_right_most_untrusted_hop() {
        let t = xff("10.0.0.0/8");
        // The client prepended a fake address; the proxy appended the real one.
        let h = headers("x-forwarded-for", &["1.2.3.4, 198.51.100.7, 10.0.0.2"]);
        assert_eq!(t.client_ip(ip("10.0.0.1"), &h), ip("198.51.100.7"));
        // Several header lines are one list, in order.
        let h = headers("x-forwarded-for", &["1.2.3.4", "198.51.100.7:5555"]);
        assert_eq!(t.client_ip(ip("10.0.0.1"), &h), ip("198.51.100.7"));
        // No header: the proxy itself is all we know.
        assert_eq!(t.client_ip(ip("10.0.0.1"), &HeaderMap::new()), ip("10.0.0.1"));
        // Garbage at the right-most place: stop at the proxy, never believe what is left of it.
        let h = headers("x-forwarded-for", &["1.2.3.4, unknown"]);
        assert_eq!(t.client_ip(ip("10.0.0.1"), &h), ip("10.0.0.1"));
        // Every hop a proxy: the left-most.
        let h = headers("x-forwarded-for", &["10.9.9.9, 10.0.0.2"]);
        assert_eq!(t.client_ip(ip("10.0.0.1"), &h), ip("10.9.9.9"));
        // The other header is not read.
        let h = headers("forwarded", &["for=1.2.3.4"]);
        assert_eq!(t.client_ip(ip("10.0.0.1"), &h), ip("10.0.0.1"));
    }

    #[test]
    fn rfc_7239_forwarded_is_read_when_configured() {
        let t = TrustedProxies::parse("10.0.0.0/8", ForwardedHeader::Forwarded).unwrap_or_else(|e| panic!("{e}"));
        let h = headers("forwarded", &[r#"for=1.2.3.4, for="[2001:db8:cafe::17]:4711";proto=https, for=10.0.0.2;by=10.0.0.1"#]);
        assert_eq!(t.client_ip(ip("10.0.0.1"), &h), ip("2001:db8:cafe::17"));
        let h = headers("forwarded", &["proto=https;For=\"192.0.2.60:8080\""]);
        assert_eq!(t.client_ip(ip("10.0.0.1"), &h), ip("192.0.2.60"));
        let h = headers("forwarded", &["for=_hidden"]);
        assert_eq!(t.client_ip(ip("10.0.0.1"), &h), ip("10.0.0.1"));
        let h = headers("x-forwarded-for", &["1.2.3.4"]);
        assert_eq!(t.client_ip(ip("10.0.0.1"), &h), ip("10.0.0.1"));
    }

    fn any_ip() -> impl Strategy<Value = IpAddr> {
        prop_oneof![
            any::<u32>().prop_map(|n| IpAddr::V4(n.into())),
            any::<u128>().prop_map(|n| IpAddr::V6(n.into()).to_canonical()),
        ]
    }

    proptest! {
        /// Whatever an untrusted peer writes, the client is the peer.
        #[test]
        fn an_untrusted_peer_cannot_choose_its_address(peer in any_ip(), header in "[ -~]{0,80}") {
            let t = xff("10.0.0.0/8, fd00::/8");
            prop_assume!(!t.contains(peer));
            let mut h = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_str(&header) {
                h.insert("x-forwarded-for", v.clone());
                h.insert("forwarded", v);
            }
            prop_assert_eq!(t.client_ip(peer, &h), peer);
        }

        /// Behind a trusted proxy, whatever the client prepends, the address the proxy appended
        /// wins; the answer is never a trusted proxy while an untrusted hop exists.
        #[test]
        fn prepended_hops_never_win(forged in proptest::collection::vec(any_ip(), 0..5), real in any_ip()) {
            let t = xff("10.0.0.0/8");
            prop_assume!(!t.contains(real));
            let mut chain: Vec<String> = forged.iter().map(ToString::to_string).collect();
            chain.push(real.to_string());
            chain.push("10.1.1.1".into());
            let h = headers("x-forwarded-for", &[&chain.join(", ")]);
            prop_assert_eq!(t.client_ip(ip("10.0.0.1"), &h), real);
        }
    }
}
