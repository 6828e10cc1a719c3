//! The `options!` macro: turns the rows of the option table (`table.rs`) into the option
//! numbers, the table of [`OptSpec`](super::OptSpec) rows with their get/set functions, the
//! [`Options`](super::Options) struct with its defaults, and the per-connection
//! [`SessionOptions`](super::SessionOptions) snapshot.
//!
//! Three kinds of rows:
//!
//! - `connection { NAME = num, Access, field: Type = default, Check, Support; }`: kept in
//!   `Options` and copied into every new connection's `SessionOptions`;
//! - `socket { ... }`, same shape: kept in `Options` for the socket itself;
//! - `other { NAME = num, Type, Access, Role, Check, Support, get, set; }`: options not kept
//!   in a field of their own (answered by the socket, decoded by a socket type, fixed,
//!   unavailable), with their get/set functions spelled out (usually `None`).
//!
//! A kept option's encoding follows from its field's Rust type
//! ([`Field`](super::value::Field)); doc comments on a row document its field.

/// See the module documentation.
macro_rules! options {
    (
        connection {
            $( $(#[$cdoc:meta])* $cname:ident = $cnum:literal, $cacc:ident,
               $cfield:ident : $cty:ty = $cdef:expr, $ccheck:expr, $csup:expr; )*
        }
        socket {
            $( $(#[$sdoc:meta])* $sname:ident = $snum:literal, $sacc:ident,
               $sfield:ident : $sty:ty = $sdef:expr, $scheck:expr, $ssup:expr; )*
        }
        other {
            $( $oname:ident = $onum:literal, $oty:ident, $oacc:ident, $orole:ident,
               $ocheck:expr, $osup:expr, $oget:expr, $oset:expr; )*
        }
    ) => {
        /// Option numbers (libzmq 4.3 `zmq.h`).
        pub mod id {
            $( #[doc = concat!("ZMQ_", stringify!($cname), ".")]
               pub const $cname: i32 = $cnum; )*
            $( #[doc = concat!("ZMQ_", stringify!($sname), ".")]
               pub const $sname: i32 = $snum; )*
            $( #[doc = concat!("ZMQ_", stringify!($oname), ".")]
               pub const $oname: i32 = $onum; )*
        }

        /// Every socket option this engine knows, in libzmq's numbering.
        pub static TABLE: &[$crate::options::OptSpec] = &[
            $( options!(@kept $cname, $cnum, $cacc, Connection, $cfield, $cty, $cdef,
                        $ccheck, $csup), )*
            $( options!(@kept $sname, $snum, $sacc, Socket, $sfield, $sty, $sdef,
                        $scheck, $ssup), )*
            $( $crate::options::OptSpec {
                num: $onum,
                name: stringify!($oname),
                ty: $crate::options::OptType::$oty,
                access: $crate::options::Access::$oacc,
                role: $crate::options::Role::$orole,
                check: $ocheck,
                support: $osup,
                get: $oget,
                set: $oset,
            }, )*
        ];

        /// Option values of one socket. Fields are the options' libzmq names in lower case.
        #[derive(Clone, Debug)]
        pub struct Options {
            $( $(#[$cdoc])* #[doc = concat!("ZMQ_", stringify!($cname), ".")]
               pub $cfield: $cty, )*
            $( $(#[$sdoc])* #[doc = concat!("ZMQ_", stringify!($sname), ".")]
               pub $sfield: $sty, )*
        }

        impl Options {
            /// Every option at the table's default.
            pub(crate) fn defaults() -> Options {
                Options {
                    $( $cfield: $cdef, )*
                    $( $sfield: $sdef, )*
                }
            }

            /// The options a connection needs, taken when it is made.
            pub(crate) fn session(&self) -> SessionOptions {
                SessionOptions {
                    $( $cfield: ::std::clone::Clone::clone(&self.$cfield), )*
                }
            }
        }

        /// The socket options a connection needs, copied at bind/connect time (libzmq
        /// semantics: options apply to binds and connects made after they are set).
        #[derive(Clone, Debug)]
        pub(crate) struct SessionOptions {
            $( $(#[$cdoc])* pub(crate) $cfield: $cty, )*
        }
    };

    (@kept $name:ident, $num:literal, $acc:ident, $role:ident, $field:ident, $ty:ty,
     $def:expr, $check:expr, $sup:expr) => {
        $crate::options::OptSpec {
            num: $num,
            name: stringify!($name),
            ty: <$ty as $crate::options::Field>::TYPE,
            access: $crate::options::Access::$acc,
            role: $crate::options::Role::$role,
            check: $check,
            support: $sup,
            get: options!(@get $acc, $field),
            set: Some(|o: &mut Options, s: &$crate::options::OptSpec, raw: &[u8]| {
                $crate::options::store(&mut o.$field, s, raw, || $def)
            }),
        }
    };

    (@get WriteOnly, $field:ident) => { None };
    (@get $acc:ident, $field:ident) => {
        Some(|o: &Options| $crate::options::Field::value(&o.$field))
    };
}
