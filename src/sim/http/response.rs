//! Simulator layer (`sim`), HTTP: a reply, serialised into one buffer
//! (head + body) so it goes out in a single write.

/// A reply, serialised into one buffer (head + body) so it goes out in a
/// single write.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Close the connection after this reply.
    pub close: bool,
}

pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        206 => "Partial Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

impl Response {
    pub fn json(status: u16, body: String) -> Response {
        Response {
            status,
            content_type: "application/json",
            headers: Vec::new(),
            body: body.into_bytes(),
            close: false,
        }
    }

    pub fn text(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            content_type,
            headers: Vec::new(),
            body: body.into(),
            close: false,
        }
    }

    /// The head alone, announcing `content_length` body bytes.
    pub fn head_bytes(&self, content_length: u64, keep_alive: bool) -> Vec<u8> {
        let mut h = format!(
            "HTTP/1.1 {} {}\r\nServer: ultrastream-sim\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: {}\r\n",
            self.status,
            reason(self.status),
            self.content_type,
            content_length,
            if keep_alive && !self.close {
                "keep-alive"
            } else {
                "close"
            }
        );
        for (k, v) in &self.headers {
            h.push_str(k);
            h.push_str(": ");
            h.push_str(v);
            h.push_str("\r\n");
        }
        h.push_str("\r\n");
        h.into_bytes()
    }

    /// Head and body in one buffer.
    pub fn to_bytes(&self, keep_alive: bool, include_body: bool) -> Vec<u8> {
        let mut out = self.head_bytes(self.body.len() as u64, keep_alive);
        if include_body {
            out.extend_from_slice(&self.body);
        }
        out
    }
}
