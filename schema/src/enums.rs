//! Enumerated string values. Stored as strings in the files (readable everywhere) and
//! as these enums in memory (cheap to copy, compare and count).

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as written in the dataset.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the value as written in the dataset.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// The kind of network an address belongs to.
    IpKind {
        Residential => "residential",
        MobileCarrier => "mobile_carrier",
        Cloud => "cloud",
        Corporate => "corporate",
        Proxy => "proxy",
    }
}

string_enum! {
    /// The kind of client software that sent a request.
    ClientKind {
        App => "app",
        Web => "web",
        Partner => "partner",
        Monitor => "monitor",
        Sdk => "sdk",
    }
}

string_enum! {
    /// Where in an attack an event sits; `none` for benign traffic.
    Phase {
        Login => "login",
        Probe => "probe",
        Exfiltrate => "exfiltrate",
        None => "none",
    }
}

string_enum! {
    /// HTTP method.
    Method {
        Get => "GET",
        Post => "POST",
        Put => "PUT",
        Delete => "DELETE",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_round_trips_through_its_text() {
        for v in IpKind::ALL {
            assert_eq!(IpKind::parse(v.as_str()), Some(*v));
        }
        for v in ClientKind::ALL {
            assert_eq!(ClientKind::parse(v.as_str()), Some(*v));
        }
        for v in Phase::ALL {
            assert_eq!(Phase::parse(v.as_str()), Some(*v));
        }
        for v in Method::ALL {
            assert_eq!(Method::parse(v.as_str()), Some(*v));
        }
        assert_eq!(IpKind::parse("satellite"), None);
    }
}
