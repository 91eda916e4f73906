//! Threshold ranges as the monitoring plugins' guidelines write them.
//!
//! ```text
//! 10       alert when the value is outside 0..10 (below 0 or above 10)
//! 10:      alert when the value is below 10
//! ~:10     alert when the value is above 10 (~ is minus infinity)
//! 10:20    alert when the value is outside 10..20
//! @10:20   alert when the value is inside 10..20 (ends included)
//! ```
//!
//! The ends are numbers, or durations (`250ms`, `1.5s`) for time thresholds; either way a
//! range is kept in base units (seconds), which is how it is written back into perfdata.

use std::fmt;

/// A threshold range: the values that raise no alert are those inside `start..=end`, or
/// with `@` those outside it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// The lower end; `f64::NEG_INFINITY` for `~`.
    start: f64,
    /// The upper end; `f64::INFINITY` when left out (`10:`).
    end: f64,
    /// `@`: alert inside the range instead of outside it.
    inside: bool,
}

/// Why a range did not parse.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RangeError {
    #[error("a range is empty (ranges look like 10, 10:, ~:10, 10:20, @10:20)")]
    Empty,
    #[error("{0:?} in a range: {1}")]
    Value(String, String),
    #[error("the range {0:?} starts above its end")]
    Reversed(String),
}

impl Range {
    /// Alerts when the value is above `end` (or below 0).
    pub fn up_to(end: f64) -> Range {
        Range {
            start: 0.0,
            end,
            inside: false,
        }
    }

    /// Alerts when the value is below `start`.
    pub fn at_least(start: f64) -> Range {
        Range {
            start,
            end: f64::INFINITY,
            inside: false,
        }
    }

    /// Parses `text`, reading each end with `value` (a number, a duration in seconds...).
    pub fn parse(
        text: &str,
        value: impl Fn(&str) -> Result<f64, String>,
    ) -> Result<Range, RangeError> {
        let trimmed = text.trim();
        let (inside, body) = match trimmed.strip_prefix('@') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        if body.is_empty() {
            return Err(RangeError::Empty);
        }
        let read = |part: &str| {
            value(part.trim()).map_err(|why| RangeError::Value(part.trim().to_string(), why))
        };
        let (start, end) = match body.split_once(':') {
            None => (0.0, read(body)?),
            Some((start, end)) => {
                let start = match start.trim() {
                    "~" => f64::NEG_INFINITY,
                    "" => 0.0,
                    s => read(s)?,
                };
                let end = match end.trim() {
                    "" => f64::INFINITY,
                    e => read(e)?,
                };
                (start, end)
            }
        };
        if start > end {
            return Err(RangeError::Reversed(text.to_string()));
        }
        Ok(Range { start, end, inside })
    }

    /// Parses a range of plain numbers (counts).
    pub fn parse_number(text: &str) -> Result<Range, RangeError> {
        Range::parse(text, number)
    }

    /// Parses a range of durations (`250ms`, `2s`), kept in seconds.
    pub fn parse_duration(text: &str) -> Result<Range, RangeError> {
        Range::parse(text, seconds)
    }

    /// True when `value` raises the alert this range stands for.
    pub fn alerts(&self, value: f64) -> bool {
        let within = self.start <= value && value <= self.end;
        within == self.inside
    }
}

/// The range in the guidelines' form, in base units (how perfdata carries thresholds).
impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.inside {
            f.write_str("@")?;
        }
        let end = if self.end.is_finite() {
            number_text(self.end)
        } else {
            String::new()
        };
        if self.start == 0.0 && self.end.is_finite() {
            return f.write_str(&end);
        }
        if self.start.is_finite() {
            write!(f, "{}:{end}", number_text(self.start))
        } else {
            write!(f, "~:{end}")
        }
    }
}

/// A finite number.
pub fn number(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() => Ok(n),
        _ => Err("not a number".to_string()),
    }
}

/// A duration with its unit, in seconds.
pub fn seconds(text: &str) -> Result<f64, String> {
    if text.parse::<f64>().is_ok() {
        return Err("a duration needs a unit (250ms, 1.5s, 1m)".to_string());
    }
    humantime::parse_duration(text)
        .map(|d| d.as_secs_f64())
        .map_err(|e| format!("{e} (durations look like 250ms, 1.5s, 1m)"))
}

/// A number as perfdata and ranges write it: plain decimal notation, no exponent, no
/// trailing zeros.
pub fn number_text(n: f64) -> String {
    // Rust's shortest round-trip form never uses an exponent for f64's Display.
    let text = format!("{n}");
    if text == "-0" { "0".to_string() } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str) -> Range {
        Range::parse_number(text).unwrap()
    }

    #[test]
    fn the_guidelines_examples_alert_where_they_say() {
        // 10: < 0 or > 10
        assert!(r("10").alerts(-1.0) && r("10").alerts(10.5));
        assert!(!r("10").alerts(0.0) && !r("10").alerts(10.0));
        // 10: < 10
        assert!(r("10:").alerts(9.9) && !r("10:").alerts(10.0) && !r("10:").alerts(1e12));
        // ~:10: > 10
        assert!(r("~:10").alerts(11.0) && !r("~:10").alerts(-1e12));
        // 10:20: outside 10..20
        assert!(r("10:20").alerts(9.0) && r("10:20").alerts(21.0) && !r("10:20").alerts(15.0));
        // @10:20: inside 10..20, ends included
        assert!(r("@10:20").alerts(10.0) && r("@10:20").alerts(20.0));
        assert!(!r("@10:20").alerts(9.9) && !r("@10:20").alerts(20.1));
    }

    #[test]
    fn durations_are_kept_in_seconds() {
        let d = Range::parse_duration("250ms").unwrap();
        assert!(d.alerts(0.3) && !d.alerts(0.25));
        assert_eq!(d.to_string(), "0.25");
        assert_eq!(
            Range::parse_duration("@1s:1m").unwrap().to_string(),
            "@1:60"
        );
        assert!(matches!(
            Range::parse_duration("10"),
            Err(RangeError::Value(..))
        ));
    }

    #[test]
    fn ranges_are_written_back_in_the_guidelines_form() {
        for text in ["10", "10:", "~:10", "10:20", "@10:20", "@~:0.5", "-5:5"] {
            assert_eq!(r(text).to_string(), text);
        }
        assert_eq!(r("0:10").to_string(), "10");
        assert_eq!(r(":10").to_string(), "10");
        assert_eq!(Range::at_least(2.0).to_string(), "2:");
        assert_eq!(Range::up_to(7.0).to_string(), "7");
    }

    #[test]
    fn bad_ranges_are_refused_with_a_reason() {
        assert_eq!(Range::parse_number(""), Err(RangeError::Empty));
        assert_eq!(Range::parse_number("@"), Err(RangeError::Empty));
        assert!(matches!(
            Range::parse_number("20:10"),
            Err(RangeError::Reversed(_))
        ));
        assert!(matches!(
            Range::parse_number("x:10"),
            Err(RangeError::Value(..))
        ));
        assert!(matches!(
            Range::parse_number("nan"),
            Err(RangeError::Value(..))
        ));
        assert!(matches!(
            Range::parse_number("1:inf"),
            Err(RangeError::Value(..))
        ));
    }
}
