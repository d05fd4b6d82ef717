//! How requests reach Waypost: TLS served directly, or trusted proxies in front.

use super::vars::{flag, parse_number};
use super::ConfigError;

#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub cert: std::path::PathBuf,
    pub key: std::path::PathBuf,
}

/// Which peers may tell us the client's address, scheme and host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProxyTrust {
    /// Not behind a proxy: forwarded headers are ignored.
    None,
    /// `BEHIND_PROXY=true` without a list: the only way in is the proxy (a PaaS router).
    AnyPeer,
    /// `TRUSTED_PROXIES`: addresses or CIDR networks.
    Networks(Vec<IpNetwork>),
}

/// An address range such as `10.0.0.0/8` or `fd00::/8` (a bare address is a /32 or /128).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNetwork {
    base: std::net::IpAddr,
    prefix: u8,
}

impl IpNetwork {
    pub fn parse(text: &str) -> Option<Self> {
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix.parse::<u8>().ok()?)),
            None => (text, None),
        };
        let base: std::net::IpAddr = addr.trim().parse().ok()?;
        let max = if base.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Self { base, prefix })
    }

    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr;
        let ip = match ip {
            // `::ffff:10.0.0.1` (a dual-stack socket) is the IPv4 address.
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.base, ip) {
            (IpAddr::V4(base), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(base) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(base), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(base) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl ProxyTrust {
    /// A comma- or space-separated list of addresses and networks.
    pub fn parse(list: &str) -> Result<Self, String> {
        let networks = list
            .split([',', ' '])
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                IpNetwork::parse(item)
                    .ok_or_else(|| format!("{item:?} is not an address or network"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(if networks.is_empty() {
            ProxyTrust::None
        } else {
            ProxyTrust::Networks(networks)
        })
    }

    pub fn trusts(&self, ip: std::net::IpAddr) -> bool {
        match self {
            ProxyTrust::None => false,
            ProxyTrust::AnyPeer => true,
            ProxyTrust::Networks(networks) => networks.iter().any(|n| n.contains(ip)),
        }
    }
}

/// The network settings, parsed together because they constrain each other.
pub(super) struct Network {
    pub tls: Option<TlsFiles>,
    pub proxy: ProxyTrust,
    pub http_redirect_port: Option<u16>,
    pub https_port: u16,
    pub secure_ssl_redirect: bool,
}

/// `TLS_CERT_FILE`/`TLS_KEY_FILE`, `BEHIND_PROXY`/`TRUSTED_PROXIES`, `HTTP_REDIRECT_PORT`,
/// `HTTPS_PORT` and `SECURE_SSL_REDIRECT`: TLS is terminated in one place only, and a redirect
/// to HTTPS needs something that sees HTTPS (otherwise it would loop forever).
pub(super) fn network(
    get: &impl Fn(&str) -> Option<String>,
    development: bool,
) -> Result<Network, ConfigError> {
    let tls = match (get("TLS_CERT_FILE"), get("TLS_KEY_FILE")) {
        (Some(cert), Some(key)) => Some(TlsFiles {
            cert: cert.into(),
            key: key.into(),
        }),
        (None, None) => None,
        (Some(_), None) => {
            return Err(ConfigError::new(
                "TLS_KEY_FILE",
                "is required with TLS_CERT_FILE (the certificate's private key, PEM)",
            ))
        }
        (None, Some(_)) => {
            return Err(ConfigError::new(
                "TLS_CERT_FILE",
                "is required with TLS_KEY_FILE (the certificate chain, PEM)",
            ))
        }
    };
    let proxy = match get("TRUSTED_PROXIES") {
        Some(list) => {
            ProxyTrust::parse(&list).map_err(|e| ConfigError::new("TRUSTED_PROXIES", e))?
        }
        None if flag(get, "BEHIND_PROXY", false)? => ProxyTrust::AnyPeer,
        None => ProxyTrust::None,
    };
    if tls.is_some() && proxy != ProxyTrust::None {
        // Two TLS terminations are how the Django setup got its redirect loops.
        return Err(ConfigError::new(
            "TLS_CERT_FILE",
            "cannot be combined with BEHIND_PROXY/TRUSTED_PROXIES: terminate TLS either in \
             Waypost or at the proxy, not both",
        ));
    }
    let http_redirect_port = match get("HTTP_REDIRECT_PORT").as_deref() {
        _ if tls.is_none() => None,
        Some("off") | Some("0") => None,
        Some(_) => Some(parse_number(get, "HTTP_REDIRECT_PORT", 80, 1, 65_535)? as u16),
        None if development => Some(3080),
        None => Some(80),
    };
    let https_port = match get("HTTPS_PORT") {
        Some(_) => parse_number(get, "HTTPS_PORT", 443, 1, 65_535)? as u16,
        // Serving TLS directly: the listen port (LEPTOS_SITE_ADDR).
        None if tls.is_some() => get("LEPTOS_SITE_ADDR")
            .and_then(|addr| addr.parse::<std::net::SocketAddr>().ok())
            .map_or(3000, |addr| addr.port()),
        None => 443,
    };
    let secure_ssl_redirect = match flag(get, "SECURE_SSL_REDIRECT", false)? {
        // Nothing here would ever see HTTPS: every request would be redirected, forever.
        true if tls.is_none() && proxy == ProxyTrust::None => {
            return Err(ConfigError::new(
                "SECURE_SSL_REDIRECT",
                "needs TLS_CERT_FILE, or BEHIND_PROXY/TRUSTED_PROXIES naming the proxy that \
                 terminates TLS (otherwise every request would be redirected, forever)",
            ))
        }
        on => on,
    };
    Ok(Network {
        tls,
        proxy,
        http_redirect_port,
        https_port,
        secure_ssl_redirect,
    })
}

#[cfg(test)]
mod tests {
    use crate::config::tests::vars;
    use crate::config::{Config, ProxyTrust};

    #[test]
    fn tls_needs_both_files_and_excludes_a_proxy() {
        let err = Config::from_vars(vars(&[("TLS_CERT_FILE", "cert.pem")])).unwrap_err();
        assert_eq!(err.variable, "TLS_KEY_FILE");
        let err = Config::from_vars(vars(&[
            ("TLS_CERT_FILE", "cert.pem"),
            ("TLS_KEY_FILE", "key.pem"),
            ("BEHIND_PROXY", "true"),
        ]))
        .unwrap_err();
        assert_eq!(err.variable, "TLS_CERT_FILE");
        let config = Config::from_vars(vars(&[
            ("TLS_CERT_FILE", "cert.pem"),
            ("TLS_KEY_FILE", "key.pem"),
            ("LEPTOS_SITE_ADDR", "127.0.0.1:8443"),
        ]))
        .expect("tls config");
        assert_eq!(config.site_url, "https://localhost:3000");
        assert_eq!(config.http_redirect_port, Some(3080));
        assert_eq!(config.https_port, 8443);
        let plain = Config::from_vars(vars(&[("HTTP_REDIRECT_PORT", "8080")])).expect("plain");
        assert_eq!(
            plain.http_redirect_port, None,
            "no redirect listener without TLS"
        );
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let config = Config::from_vars(vars(&[(
            "TRUSTED_PROXIES",
            "10.0.0.0/8, 127.0.0.1 fd00::/8",
        )]))
        .expect("list");
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        assert!(config.proxy.trusts(ip("10.20.30.40")));
        assert!(config.proxy.trusts(ip("127.0.0.1")));
        assert!(config.proxy.trusts(ip("::ffff:10.1.1.1")));
        assert!(config.proxy.trusts(ip("fd12::1")));
        assert!(!config.proxy.trusts(ip("127.0.0.2")));
        assert!(!config.proxy.trusts(ip("11.0.0.1")));
        let any = Config::from_vars(vars(&[("BEHIND_PROXY", "true")])).expect("any");
        assert_eq!(any.proxy, ProxyTrust::AnyPeer);
        let none = Config::from_vars(vars(&[])).expect("none");
        assert!(!none.proxy.trusts(ip("127.0.0.1")));
        let err = Config::from_vars(vars(&[("TRUSTED_PROXIES", "10.0.0.0/33")])).unwrap_err();
        assert_eq!(err.variable, "TRUSTED_PROXIES");
    }
}
