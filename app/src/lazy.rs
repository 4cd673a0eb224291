//! The administration screens as lazy routes: their WebAssembly is split out of the main
//! bundle (`cargo leptos build --split`) and loaded when a page needs it, so residents and
//! visitors on a phone download only what their own pages run. Each screen loads its own data,
//! so a route's `data()` is empty and its view is the screen's component.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// One lazy route per screen: `Name => component`.
macro_rules! lazy_screens {
    ($($name:ident => $component:path,)*) => {$(
        #[doc = concat!("The lazy route of [`", stringify!($component), "`].")]
        #[derive(Debug, Clone, Copy)]
        pub struct $name;

        #[lazy_route]
        impl LazyRoute for $name {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                $component().into_any()
            }
        }
    )*};
}

lazy_screens! {
    ErasureRequestsPageRoute => crate::privacy::pages::ErasureRequestsPage,
    AdminHomeRoute => crate::admin::pages::AdminHome,
    ApprovalsPageRoute => crate::identity::pages::approvals::ApprovalsPage,
    BlocklistPageRoute => crate::admin::blocklist::page::BlocklistPage,
    AdminBookingsPageRoute => crate::admin::bookings::page::AdminBookingsPage,
    ResidentsPageRoute => crate::admin::residents::page::ResidentsPage,
    PricingPageRoute => crate::admin::pricing::page::PricingPage,
    BuildingsPageRoute => crate::admin::buildings::page::BuildingsPage,
    BuildingPageRoute => crate::admin::buildings::page::BuildingPage,
    UnitsPageRoute => crate::admin::units::page::UnitsPage,
    SpotsPageRoute => crate::admin::spots::page::SpotsPage,
    TemplatesPageRoute => crate::admin::templates::page::TemplatesPage,
    AuditPageRoute => crate::admin::audit_log::page::AuditPage,
    StaffPageRoute => crate::admin::staff::page::StaffPage,
    AnalyticsPageRoute => crate::admin::analytics::page::AnalyticsPage,
    PayoutsPageRoute => crate::admin::payouts::page::PayoutsPage,
    SalesRepsPageRoute => crate::admin::sales_reps::page::SalesRepsPage,
    MessagesPageRoute => crate::messages::pages::MessagesPage,
}
