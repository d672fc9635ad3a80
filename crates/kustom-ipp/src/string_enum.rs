//! Enums of API strings that never fail to parse.
//!
//! Kustom may add a status or event type at any time; a new value must not break a fleet sync.
//! [`api_enum!`] makes an enum of the documented values plus `Unknown(String)`, which keeps what
//! was received and serializes back to it. The TypeScript type is the documented literals or any
//! other string.

#[macro_export]
#[doc(hidden)]
macro_rules! api_enum {
    (
        $(#[$meta:meta])*
        $name:ident / $known:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal $(| $alias:literal)* ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of Fleetdesk does not know; kept as received.
            Unknown(String),
        }

        impl $name {
            /// Every documented value, in documentation order.
            pub const ALL: &'static [$name] = &[$( $name::$variant ),+];

            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Unknown(other) => other.as_str(),
                }
            }

            /// Parses a wire value, accepting documented aliases; never fails.
            pub fn parse(value: &str) -> Self {
                match value {
                    $( $wire $(| $alias)* => Self::$variant, )+
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok(Self::parse(&value))
            }
        }

        /// The documented values, for the TypeScript type.
        #[derive(serde::Serialize, specta::Type)]
        #[allow(dead_code, clippy::upper_case_acronyms)]
        pub enum $known {
            $( #[serde(rename = $wire)] $variant, )+
        }

        impl specta::Type for $name {
            fn definition(types: &mut specta::Types) -> specta::datatype::DataType {
                // A local type of the same name: TypeScript sees `type X = KnownX | string`.
                #[derive(serde::Serialize, specta::Type)]
                #[serde(untagged)]
                #[allow(dead_code)]
                enum $name {
                    Known($known),
                    Unknown(String),
                }
                <$name as specta::Type>::definition(types)
            }
        }
    };
}
