//! JSON written straight into the output buffer, member by member, for the three JSON
//! formats: no value tree is built per event, so an export runs at the speed of its
//! writes and allocates nothing per value.

use crate::text::{push_f32_json, push_int, push_json_str, push_rfc3339_us};

/// A JSON object being written: keys are this crate's own ASCII names, never escaped.
pub struct Obj<'o> {
    out: &'o mut Vec<u8>,
    first: bool,
}

impl<'o> Obj<'o> {
    pub fn open(out: &'o mut Vec<u8>) -> Self {
        out.push(b'{');
        Obj { out, first: true }
    }

    pub fn close(self) {
        self.out.push(b'}');
    }

    /// Starts a member: the comma before it and its key; the caller writes the value.
    fn key(&mut self, key: &str) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    pub fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        push_json_str(self.out, value);
    }

    pub fn int(&mut self, key: &str, value: impl itoa::Integer) {
        self.key(key);
        push_int(self.out, value);
    }

    pub fn f32(&mut self, key: &str, value: f32) {
        self.key(key);
        push_f32_json(self.out, value);
    }

    pub fn bool(&mut self, key: &str, value: bool) {
        self.key(key);
        self.out
            .extend_from_slice(if value { b"true" } else { b"false" });
    }

    pub fn null(&mut self, key: &str) {
        self.key(key);
        self.out.extend_from_slice(b"null");
    }

    /// A JSON string whose contents `write` appends; for values that need no escaping.
    pub fn quoted(&mut self, key: &str, write: impl FnOnce(&mut Vec<u8>)) {
        self.key(key);
        self.out.push(b'"');
        write(self.out);
        self.out.push(b'"');
    }

    /// The integer as a JSON string (ECS and OCSF identifiers are keywords/strings).
    pub fn int_str(&mut self, key: &str, value: impl itoa::Integer) {
        self.quoted(key, |out| push_int(out, value));
    }

    /// An instant as an RFC 3339 string with microseconds.
    pub fn ts(&mut self, key: &str, epoch_us: i64) {
        self.quoted(key, |out| push_rfc3339_us(out, epoch_us));
    }

    pub fn object(&mut self, key: &str, body: impl FnOnce(&mut Obj)) {
        self.key(key);
        write_object(self.out, body);
    }

    pub fn array(&mut self, key: &str, items: &[&dyn Fn(&mut Obj)]) {
        self.list(key, items, |out, item| write_object(out, item));
    }

    pub fn str_array(&mut self, key: &str, items: &[&str]) {
        self.list(key, items, |out, item| push_json_str(out, item));
    }

    fn list<T>(&mut self, key: &str, items: &[T], mut write_item: impl FnMut(&mut Vec<u8>, &T)) {
        self.key(key);
        self.out.push(b'[');
        for (n, item) in items.iter().enumerate() {
            if n > 0 {
                self.out.push(b',');
            }
            write_item(self.out, item);
        }
        self.out.push(b']');
    }
}

fn write_object(out: &mut Vec<u8>, body: impl FnOnce(&mut Obj)) {
    let mut inner = Obj::open(out);
    body(&mut inner);
    inner.close();
}
