//! Model layer (`model`): the lenient readers every reply field goes
//! through: wrong types, nulls and missing keys give the field's default.

use serde::de::value::MapAccessDeserializer;
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

// The lenient readers below visit the JSON directly (no `Value` tree per
// field) and never fail on a wrong type: null, or an object where a number
// was expected, gives the field's default, as a missing key does.

/// What each lenient reader makes of each JSON type.
trait Lenient: Sized + Default {
    fn int(_: i64) -> Self {
        Self::default()
    }
    fn uint(v: u64) -> Self {
        Self::int(v.min(i64::MAX as u64) as i64)
    }
    fn float(_: f64) -> Self {
        Self::default()
    }
    fn string(_: &str) -> Self {
        Self::default()
    }
    fn boolean(_: bool) -> Self {
        Self::default()
    }
}

struct LenientVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Lenient> Visitor<'de> for LenientVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_i64<E>(self, v: i64) -> Result<T, E> {
        Ok(T::int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<T, E> {
        Ok(T::uint(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<T, E> {
        Ok(T::float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<T, E> {
        Ok(T::string(v))
    }
    fn visit_bool<E>(self, v: bool) -> Result<T, E> {
        Ok(T::boolean(v))
    }
    fn visit_unit<E>(self) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_none<E>(self) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<T, A::Error> {
        while a.next_element::<IgnoredAny>()?.is_some() {}
        Ok(T::default())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<T, A::Error> {
        while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(T::default())
    }
}

fn lenient<'de, D: Deserializer<'de>, T: Lenient>(d: D) -> Result<T, D::Error> {
    d.deserialize_any(LenientVisitor(std::marker::PhantomData))
}

impl Lenient for i64 {
    fn int(v: i64) -> i64 {
        v
    }
    fn float(v: f64) -> i64 {
        v as i64
    }
    fn string(v: &str) -> i64 {
        v.trim().parse::<f64>().map(|f| f as i64).unwrap_or(0)
    }
    fn boolean(v: bool) -> i64 {
        v as i64
    }
}

impl Lenient for f64 {
    fn int(v: i64) -> f64 {
        v as f64
    }
    fn uint(v: u64) -> f64 {
        v as f64
    }
    fn float(v: f64) -> f64 {
        v
    }
    fn string(v: &str) -> f64 {
        v.trim().parse().unwrap_or(0.0)
    }
}

impl Lenient for String {
    fn int(v: i64) -> String {
        v.to_string()
    }
    fn uint(v: u64) -> String {
        v.to_string()
    }
    fn float(v: f64) -> String {
        // As serde_json renders it (12.0 stays "12.0").
        serde_json::Number::from_f64(v)
            .map(|n| n.to_string())
            .unwrap_or_default()
    }
    fn string(v: &str) -> String {
        v.to_string()
    }
    fn boolean(v: bool) -> String {
        v.to_string()
    }
}

impl Lenient for bool {
    fn int(v: i64) -> bool {
        v != 0
    }
    fn uint(v: u64) -> bool {
        v != 0
    }
    fn float(v: f64) -> bool {
        v != 0.0
    }
    fn string(v: &str) -> bool {
        matches!(v, "true" | "1")
    }
    fn boolean(v: bool) -> bool {
        v
    }
}

/// Accept 12, 12.0, "12", true/false and null for an integer field.
pub fn lenient_i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    lenient(d)
}

/// Accept a number, a numeric string or null for a float field.
pub fn lenient_f64<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    lenient(d)
}

/// Accept a string, a number (rendered) or null for a string field.
pub fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    lenient(d)
}

/// Accept true/false, 0/1 or "true"/"1".
pub fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    lenient(d)
}

/// An object read into `T`; anything else (null included) gives `None`.
struct MaybeObject<T>(Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for MaybeObject<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = MaybeObject<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(a)).map(|t| MaybeObject(Some(t)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(MaybeObject(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(MaybeObject(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(MaybeObject(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(MaybeObject(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(MaybeObject(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(MaybeObject(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(MaybeObject(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A nested block: an object, or its default for null or any other type.
pub fn lenient_struct<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(
    d: D,
) -> Result<T, D::Error> {
    Ok(MaybeObject::<T>::deserialize(d)?.0.unwrap_or_default())
}

/// Accept an array or anything else (treated as empty). Entries that are
/// not objects are skipped (for `Vec<Value>`, every entry is kept).
pub fn lenient_vec<'de, D: Deserializer<'de>, T: Deserialize<'de> + 'static>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    struct V<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de> + 'static> Visitor<'de> for V<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::new();
            while let Some(item) = a.next_element::<Item<T>>()? {
                if let Some(t) = item.0 {
                    out.push(t);
                }
            }
            Ok(out)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Vec<T>, A::Error> {
            while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(Vec::new())
        }
        fn visit_i64<E>(self, _: i64) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_u64<E>(self, _: u64) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_f64<E>(self, _: f64) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_str<E>(self, _: &str) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_bool<E>(self, _: bool) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_unit<E>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
    }
    d.deserialize_any(V(std::marker::PhantomData))
}

struct Item<T>(Option<T>);
impl<'de, T: Deserialize<'de> + 'static> Deserialize<'de> for Item<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A `Value` entry is any JSON value; a typed entry must be an object.
        if std::any::TypeId::of::<T>() == std::any::TypeId::of::<Value>() {
            T::deserialize(d).map(|t| Item(Some(t)))
        } else {
            MaybeObject::<T>::deserialize(d).map(|m| Item(m.0))
        }
    }
}
