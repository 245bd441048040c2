//! Plain JS data, both ways: [`JsData`] reads it (the page's options object,
//! an answer parsed by the browser's `JSON.parse`) as serde input, so that no
//! JSON parser ships in the bundle, and [`to_js`] writes a value as it.
//!
//! Objects are read key by key, so a struct that denies unknown fields sees
//! every key the page set (serde-wasm-bindgen reads only the fields a struct
//! declares, and would let a misspelt option pass in silence). An error names
//! the path of the value at fault, such as `whiteLabel.appName` or
//! `services[1]`, without a path-tracking wrapper around every type read, and
//! never formats a float, which keeps core's float printing out of the bundle.

use crate::options::OptionError;
use js_sys::{Array, Object};
use serde::de::value::StringDeserializer;
use serde::de::{self, DeserializeSeed, Expected, IntoDeserializer, MapAccess, SeqAccess, Unexpected, Visitor};
use serde::Serialize;
use std::fmt;
use wasm_bindgen::{JsCast, JsValue};

/// A value as plain JS data, as `JSON.parse` would give it.
pub fn to_js(value: &impl Serialize) -> JsValue {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or(JsValue::NULL)
}

/// A JS value as serde input.
pub struct JsData(JsValue);

impl From<JsValue> for JsData {
    fn from(value: JsValue) -> Self {
        Self(value)
    }
}

/// Why a JS value does not have the shape asked for, and where it is.
#[derive(Debug)]
pub struct DataError {
    /// The path's steps, innermost first, as the error travelled out.
    steps: Vec<Step>,
    problem: String,
}

#[derive(Debug)]
enum Step {
    Key(String),
    Index(usize),
}

impl DataError {
    fn new(problem: String) -> Self {
        Self { steps: Vec::new(), problem }
    }

    fn within(mut self, step: Step) -> Self {
        self.steps.push(step);
        self
    }

    /// Where the value at fault is: `whiteLabel.appName`, `services[1]`; `.` for the whole value.
    pub fn path(&self) -> String {
        let mut path = String::new();
        for step in self.steps.iter().rev() {
            match step {
                Step::Key(key) if path.is_empty() => path.push_str(key),
                Step::Key(key) => path.push_str(&format!(".{key}")),
                Step::Index(index) => path.push_str(&format!("[{index}]")),
            }
        }
        if path.is_empty() {
            path.push('.');
        }
        path
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path(), self.problem)
    }
}

impl std::error::Error for DataError {}

impl From<DataError> for OptionError {
    fn from(error: DataError) -> Self {
        OptionError { option: error.path(), problem: error.problem }
    }
}

impl de::Error for DataError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self::new(message.to_string())
    }

    fn invalid_type(unexpected: Unexpected, expected: &dyn Expected) -> Self {
        Self::new(format!("invalid type: {}, expected {expected}", describe(unexpected)))
    }

    fn invalid_value(unexpected: Unexpected, expected: &dyn Expected) -> Self {
        Self::new(format!("invalid value: {}, expected {expected}", describe(unexpected)))
    }
}

/// What serde's own `Display` of `Unexpected` says, but a fraction is only "a number".
fn describe(unexpected: Unexpected) -> String {
    match unexpected {
        Unexpected::Bool(value) => format!("boolean `{value}`"),
        Unexpected::Unsigned(value) => format!("integer `{value}`"),
        Unexpected::Signed(value) => format!("integer `{value}`"),
        Unexpected::Float(_) => "a number with a fraction".to_owned(),
        Unexpected::Str(value) => format!("string \"{value}\""),
        Unexpected::Unit | Unexpected::Option => "null".to_owned(),
        Unexpected::Seq => "an array".to_owned(),
        Unexpected::Map => "an object".to_owned(),
        Unexpected::Other(other) => other.to_owned(),
        _ => "a value of another kind".to_owned(),
    }
}

/// Largest integer a JS number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// What kind of data a JS value holds. Finding it is not generic, so each
/// type read keeps only the few lines that hand the data to its visitor.
enum Shape {
    Null,
    Flag(bool),
    Text(String),
    Number(f64),
    List(Vec<JsData>),
    Object(Entries),
    Function,
    Other,
}

impl Shape {
    fn of(value: JsValue) -> Shape {
        if value.is_null() || value.is_undefined() {
            return Shape::Null;
        }
        if let Some(flag) = value.as_bool() {
            return Shape::Flag(flag);
        }
        if let Some(text) = value.as_string() {
            return Shape::Text(text);
        }
        if let Some(number) = value.as_f64() {
            return Shape::Number(number);
        }
        if Array::is_array(&value) {
            return Shape::List(Array::from(&value).iter().map(JsData).collect());
        }
        if value.is_function() {
            return Shape::Function;
        }
        match value.dyn_into::<Object>() {
            Ok(object) => Shape::Object(Entries { entries: Object::entries(&object), next: 0, value: None }),
            Err(_) => Shape::Other,
        }
    }

    fn unexpected(&self) -> Unexpected<'_> {
        match self {
            Shape::Null => Unexpected::Unit,
            Shape::Flag(flag) => Unexpected::Bool(*flag),
            Shape::Text(text) => Unexpected::Str(text),
            Shape::Number(number) => match whole(*number) {
                Some(integer) if integer >= 0 => Unexpected::Unsigned(integer as u64),
                Some(integer) => Unexpected::Signed(integer),
                None => Unexpected::Float(*number),
            },
            Shape::List(_) => Unexpected::Seq,
            Shape::Object(_) => Unexpected::Map,
            Shape::Function => Unexpected::Other("a function"),
            Shape::Other => Unexpected::Other("a value JSON cannot hold"),
        }
    }

    fn mismatch(&self, expected: &dyn Expected) -> DataError {
        de::Error::invalid_type(self.unexpected(), expected)
    }
}

/// `number` as an integer, when it is one that a JS number holds exactly.
fn whole(number: f64) -> Option<i64> {
    (number.fract() == 0.0 && number.abs() <= MAX_SAFE_INTEGER).then_some(number as i64)
}

fn visit_number<'de, V: Visitor<'de>>(number: f64, visitor: V) -> Result<V::Value, DataError> {
    match whole(number) {
        Some(integer) if integer >= 0 => visitor.visit_u64(integer as u64),
        Some(integer) => visitor.visit_i64(integer),
        None => visitor.visit_f64(number),
    }
}

fn visit_list<'de, V: Visitor<'de>>(items: Vec<JsData>, visitor: V) -> Result<V::Value, DataError> {
    visitor.visit_seq(Items { items: items.into_iter(), next: 0 })
}

/// An array's items, in order.
struct Items {
    items: std::vec::IntoIter<JsData>,
    next: usize,
}

impl<'de> SeqAccess<'de> for Items {
    type Error = DataError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, DataError> {
        let Some(item) = self.items.next() else {
            return Ok(None);
        };
        let index = self.next;
        self.next += 1;
        seed.deserialize(item).map(Some).map_err(|error| error.within(Step::Index(index)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

impl<'de> de::Deserializer<'de> for JsData {
    type Error = DataError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
        match Shape::of(self.0) {
            Shape::Null => visitor.visit_unit(),
            Shape::Flag(flag) => visitor.visit_bool(flag),
            Shape::Text(text) => visitor.visit_string(text),
            Shape::Number(number) => visit_number(number, visitor),
            Shape::List(items) => visit_list(items, visitor),
            Shape::Object(entries) => visitor.visit_map(entries),
            other => Err(other.mismatch(&visitor)),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
        match Shape::of(self.0) {
            Shape::Flag(flag) => visitor.visit_bool(flag),
            other => Err(other.mismatch(&visitor)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
        match Shape::of(self.0) {
            Shape::Text(text) => visitor.visit_string(text),
            other => Err(other.mismatch(&visitor)),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
        match Shape::of(self.0) {
            Shape::Number(number) => visit_number(number, visitor),
            other => Err(other.mismatch(&visitor)),
        }
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
        match Shape::of(self.0) {
            Shape::List(items) => visit_list(items, visitor),
            other => Err(other.mismatch(&visitor)),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
        match Shape::of(self.0) {
            Shape::Object(entries) => visitor.visit_map(entries),
            other => Err(other.mismatch(&visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DataError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
        if self.0.is_null() || self.0.is_undefined() {
            return visitor.visit_none();
        }
        visitor.visit_some(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DataError> {
        match Shape::of(self.0) {
            Shape::Text(name) => visitor.visit_enum(name.into_deserializer()),
            other => Err(other.mismatch(&visitor)),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u8 u16 u128 f32 f64 char
        bytes byte_buf unit unit_struct newtype_struct tuple tuple_struct
    }
}

/// An object's own enumerable properties, in order.
struct Entries {
    entries: Array,
    next: u32,
    value: Option<(String, JsValue)>,
}

impl<'de> MapAccess<'de> for Entries {
    type Error = DataError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DataError> {
        if self.next >= self.entries.length() {
            return Ok(None);
        }
        let entry = Array::from(&self.entries.get(self.next));
        self.next += 1;
        let key = entry.get(0).as_string().unwrap_or_default();
        let read = seed.deserialize(StringDeserializer::<DataError>::new(key.clone()));
        let read = read.map_err(|error| error.within(Step::Key(key.clone())));
        self.value = Some((key, entry.get(1)));
        read.map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DataError> {
        let (key, value) = self.value.take().unwrap_or_default();
        seed.deserialize(JsData(value)).map_err(|error| error.within(Step::Key(key)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some((self.entries.length() - self.next) as usize)
    }
}
