use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// An SPS Commerce service an application can be authorized for.
///
/// The host requests services as scopes; the guide lists them and the linked
/// account reports which ones it covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Service {
    /// Transaction API: EDI documents such as orders, invoices and ship notices.
    Transaction,
    /// Shipping Label API.
    ShippingLabel,
    /// Packing Slip API.
    PackingSlip,
    /// Trading Partner Submission API.
    TradingPartnerSubmission,
}

impl Service {
    /// Every service, in the order the guide lists them.
    pub const ALL: [Service; 4] =
        [Service::Transaction, Service::ShippingLabel, Service::PackingSlip, Service::TradingPartnerSubmission];

    /// The scope identifier used on the wire and in options.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Transaction => "transaction",
            Service::ShippingLabel => "shipping_label",
            Service::PackingSlip => "packing_slip",
            Service::TradingPartnerSubmission => "trading_partner_submission",
        }
    }

    /// The name SPS gives the service in its Dev Center.
    pub fn product_name(self) -> &'static str {
        match self {
            Service::Transaction => "Transaction API",
            Service::ShippingLabel => "Shipping Label API",
            Service::PackingSlip => "Packing Slip API",
            Service::TradingPartnerSubmission => "Trading Partner Submission API",
        }
    }
}

impl FromStr for Service {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Service::ALL.into_iter().find(|service| service.as_str() == value).ok_or_else(|| {
            let known: Vec<_> = Service::ALL.iter().map(|s| s.as_str()).collect();
            format!("unknown service `{value}`, expected one of: {}", known.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_round_trip_through_from_str_and_serde() {
        for service in Service::ALL {
            assert_eq!(service.as_str().parse::<Service>(), Ok(service));
            let json = serde_json::to_string(&service).unwrap();
            assert_eq!(json, format!("\"{}\"", service.as_str()));
        }
    }

    #[test]
    fn unknown_identifier_names_the_known_ones() {
        let error = "labels".parse::<Service>().unwrap_err();
        assert!(error.contains("`labels`") && error.contains("shipping_label"), "{error}");
    }
}
