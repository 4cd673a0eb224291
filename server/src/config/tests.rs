use super::*;
use std::collections::HashMap;
use std::time::Duration;

fn build(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Config::from_lookup("127.0.0.1:3000".parse().unwrap(), |k| map.get(k).cloned())
}

#[test]
fn defaults_are_a_local_development_setup() {
    let c = build(&[]).unwrap();
    assert!(!c.production);
    assert_eq!(c.public_origin, "http://127.0.0.1:3000");
    assert!(!c.secure_cookies());
    assert!(c.redis_url.is_none());
    assert_eq!(c.log_format, LogFormat::Pretty);
}

#[test]
fn production_requires_https_and_never_prints_secrets() {
    assert!(build(&[("APP_ENV", "production")]).is_err());
    let c = build(&[
        ("APP_ENV", "production"),
        ("PUBLIC_ORIGIN", "https://estacionate.cl/"),
        ("DATABASE_URL", "postgres://u:hunter2@db/x"),
        ("PAYMENT_PROVIDER", "simulator"),
        ("NOTIFY_TRANSPORT", "outbox"),
    ])
    .unwrap();
    assert_eq!(c.public_origin, "https://estacionate.cl");
    assert!(c.secure_cookies());
    assert!(!format!("{c:?}").contains("hunter2"));
}

#[test]
fn trusted_proxies_must_all_be_valid_blocks() {
    let c = build(&[("TRUSTED_PROXIES", "10.0.0.0/8, 2001:db8::/32")]).unwrap();
    assert!(c.perimeter.trusted_proxies.contains("10.1.2.3".parse().unwrap()));
    assert!(!build(&[]).unwrap().perimeter.trusted_proxies.contains("10.1.2.3".parse().unwrap()));
    for bad in ["10.0.0.0/8,10.0.0.300", "10.0.0.0/40", "balancer"] {
        let err = build(&[("TRUSTED_PROXIES", bad)]).unwrap_err().to_string();
        assert!(err.contains("TRUSTED_PROXIES"), "{err}");
    }
    let err = build(&[("TRUSTED_PROXY_HEADER", "x-real-ip")]).unwrap_err().to_string();
    assert!(err.contains("TRUSTED_PROXY_HEADER"), "{err}");
    assert!(build(&[("REQUEST_TIMEOUT_SECONDS", "0")]).is_err());
    let d = build(&[]).unwrap().perimeter;
    assert_eq!(d.server_fn_body_limit, 65_536);
    assert_eq!(d.request_timeout, Duration::from_secs(30));
    assert_eq!(d.statement_timeout, Duration::from_millis(15_000));
}

#[test]
fn check_names_every_problem_not_only_the_first() {
    let map: HashMap<String, String> = [
        ("APP_ENV", "production"),
        ("PUBLIC_ORIGIN", "http://estacionate.cl"),
        ("DATABASE_MAX_CONNECTIONS", "muchas"),
        ("LOG_FORMAT", "xml"),
        ("TRUSTED_PROXIES", "balanceador"),
        ("METRICS_ADDR", "todas partes"),
        ("SHUTDOWN_GRACE_SECONDS", "0"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let problems = Config::check("127.0.0.1:3000".parse().unwrap(), |k| map.get(k).cloned()).unwrap_err();
    let named: Vec<&str> = problems.iter().map(ConfigError::variable).collect();
    for variable in
        ["PUBLIC_ORIGIN", "DATABASE_MAX_CONNECTIONS", "LOG_FORMAT", "PAYMENT_PROVIDER", "NOTIFY_TRANSPORT", "TRUSTED_PROXIES"]
    {
        assert!(named.contains(&variable), "{variable} missing from {named:?}");
    }
    // Each operations setting is checked on its own.
    let map: HashMap<String, String> = [("METRICS_ADDR", "todas partes"), ("SHUTDOWN_GRACE_SECONDS", "0")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let problems = Config::check("127.0.0.1:3000".parse().unwrap(), |k| map.get(k).cloned()).unwrap_err();
    assert_eq!(problems.iter().map(ConfigError::variable).collect::<Vec<_>>(), ["METRICS_ADDR", "SHUTDOWN_GRACE_SECONDS"]);
    assert!(problems[0].to_string().contains("METRICS_ADDR") && !problems[0].to_string().contains("todas partes"));
}

#[test]
fn metrics_listen_on_loopback_by_default_and_can_be_turned_off() {
    let c = build(&[]).unwrap();
    let addr = c.operations.metrics_addr.unwrap();
    assert!(addr.ip().is_loopback(), "{addr}");
    assert!(!c.operations.metrics_addr_explicit);
    assert!(build(&[("METRICS_ADDR", "off")]).unwrap().operations.metrics_addr.is_none());
    let explicit = build(&[("METRICS_ADDR", "127.0.0.1:9500")]).unwrap().operations;
    assert_eq!(explicit.metrics_addr.unwrap().port(), 9500);
    assert!(explicit.metrics_addr_explicit);
    // Draining only by default where a balancer is expected.
    assert_eq!(c.operations.drain, Duration::ZERO);
    assert!(build(&[("OUTBOUND_CA_FILE", "/no/such/ca.pem")]).is_err());
}

#[test]
fn bad_numbers_name_the_variable() {
    let err = build(&[("DATABASE_MAX_CONNECTIONS", "many")]).unwrap_err();
    assert!(err.to_string().contains("DATABASE_MAX_CONNECTIONS"));
    let err = build(&[("RETENTION_MONTHS", "0")]).unwrap_err();
    assert!(err.to_string().contains("RETENTION_MONTHS"));
    assert!(build(&[("RETENTION_MONTHS", "36")]).is_ok());
}

#[test]
fn payments_default_to_the_simulator_and_need_both_mercadopago_secrets() {
    assert!(matches!(build(&[]).unwrap().payments, PaymentsConfig::Simulator));
    let err = build(&[("MERCADOPAGO_ACCESS_TOKEN", "APP_USR-1")]).unwrap_err();
    assert!(err.to_string().contains("MERCADOPAGO_WEBHOOK_SECRET"));
    let c =
        build(&[("MERCADOPAGO_ACCESS_TOKEN", "APP_USR-token-secreto"), ("MERCADOPAGO_WEBHOOK_SECRET", "firma-secreta")]).unwrap();
    match &c.payments {
        PaymentsConfig::MercadoPago(mp) => assert_eq!(mp.api_base, "https://api.mercadopago.com"),
        PaymentsConfig::Simulator => panic!("expected MercadoPago"),
    }
    let printed = format!("{c:?}");
    assert!(!printed.contains("token-secreto") && !printed.contains("firma-secreta"));
    assert!(build(&[("PAYMENT_PROVIDER", "mercadopago")]).is_err());
    assert!(build(&[("PAYMENT_PROVIDER", "paypal")]).is_err());
}

#[test]
fn production_never_falls_back_to_the_simulator_silently() {
    let prod = [("APP_ENV", "production"), ("PUBLIC_ORIGIN", "https://estacionate.cl")];
    let err = build(&prod).unwrap_err();
    assert!(err.to_string().contains("PAYMENT_PROVIDER"));
    let mut vars = prod.to_vec();
    vars.extend([
        ("MERCADOPAGO_ACCESS_TOKEN", "APP_USR-1"),
        ("MERCADOPAGO_WEBHOOK_SECRET", "s"),
        ("MERCADOPAGO_API_BASE", "http://127.0.0.1:9"),
    ]);
    assert!(build(&vars).unwrap_err().to_string().contains("MERCADOPAGO_API_BASE"));
}

#[test]
fn production_refuses_the_development_outbox_unless_chosen() {
    let prod = [("APP_ENV", "production"), ("PUBLIC_ORIGIN", "https://estacionate.cl"), ("PAYMENT_PROVIDER", "simulator")];
    let err = build(&prod).unwrap_err();
    assert_eq!(err.variable, "NOTIFY_TRANSPORT");
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut vars = prod.to_vec();
        vars.extend_from_slice(extra);
        build(&vars)
    };
    assert!(with(&[("NOTIFY_TRANSPORT", "outbox")]).unwrap().twilio.is_none());
    let twilio = [("TWILIO_ACCOUNT_SID", "AC1"), ("TWILIO_AUTH_TOKEN", "t"), ("TWILIO_WHATSAPP_FROM", "whatsapp:+14155238886")];
    assert!(with(&twilio).unwrap().twilio.is_some());
    let mut outbox_on_purpose = twilio.to_vec();
    outbox_on_purpose.push(("NOTIFY_TRANSPORT", "outbox"));
    assert!(with(&outbox_on_purpose).unwrap().twilio.is_none());
    assert_eq!(with(&[("NOTIFY_TRANSPORT", "twilio")]).unwrap_err().variable, "NOTIFY_TRANSPORT");
    assert_eq!(with(&[("NOTIFY_TRANSPORT", "sms")]).unwrap_err().variable, "NOTIFY_TRANSPORT");
    // Development keeps the outbox by default.
    assert!(build(&[]).unwrap().twilio.is_none());
}
