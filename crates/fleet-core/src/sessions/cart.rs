//! The test-payment cart: lines as a person types them (prices in the currency's units), turned
//! into a session request in minor units that reconciles exactly as Kustom requires: per line
//! `unit_price × quantity − discount = total_amount`, tax included at `tax_rate` basis points,
//! and the order's amounts the sums of its lines.

use std::collections::BTreeMap;

use kustom_ipp::{CreateSession, LineType, OrderLine};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::AppError;

/// The largest unit price a test cart takes: 10 000 000 000.00 in minor units.
pub const MAX_UNIT_PRICE: i64 = 1_000_000_000_000;

/// One cart line. Amounts in minor units (öre, cents); `tax_rate` in basis points (2500 = 25 %).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct CartLine {
    pub name: String,
    pub quantity: u32,
    pub unit_price: i64,
    pub tax_rate: u32,
    pub discount: i64,
}

/// A line's totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
pub struct LineTotals {
    pub total_amount: i64,
    pub total_tax_amount: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct CartTotals {
    pub lines: Vec<LineTotals>,
    pub order_amount: i64,
    pub order_tax_amount: i64,
}

/// Tax included in a tax-inclusive amount, rounded half away from zero.
pub fn included_tax(total_amount: i64, tax_rate: u32) -> i64 {
    let numerator = i128::from(total_amount) * i128::from(tax_rate);
    let denominator = 10_000 + i128::from(tax_rate);
    let rounded = (numerator.abs() * 2 + denominator) / (2 * denominator);
    rounded as i64 * numerator.signum() as i64
}

/// The most lines a test payment's cart may have.
pub const MAX_LINES: usize = 100;
/// The longest item name.
pub const MAX_NAME_CHARS: usize = 200;

/// Checks the cart and computes every total; errors are keyed `lines.<index>.<field>`.
pub fn totals(lines: &[CartLine]) -> Result<CartTotals, AppError> {
    let mut fields = BTreeMap::new();
    if lines.is_empty() {
        fields.insert("lines".to_owned(), "Add at least one line.".to_owned());
    }
    if lines.len() > MAX_LINES {
        return Err(AppError::invalid_field(
            "lines",
            format!("A test payment has at most {MAX_LINES} lines."),
        ));
    }
    let mut out = Vec::with_capacity(lines.len());
    for (index, line) in lines.iter().enumerate() {
        let field = |name: &str| format!("lines.{index}.{name}");
        if line.name.trim().is_empty() {
            fields.insert(field("name"), "Name the item.".to_owned());
        } else if line.name.chars().count() > MAX_NAME_CHARS {
            fields.insert(
                field("name"),
                format!("Use at most {MAX_NAME_CHARS} characters."),
            );
        }
        if line.quantity == 0 {
            fields.insert(field("quantity"), "At least 1.".to_owned());
        }
        if line.unit_price <= 0 {
            fields.insert(field("unit_price"), "Enter a price above zero.".to_owned());
        } else if line.unit_price > MAX_UNIT_PRICE {
            fields.insert(field("unit_price"), "That price is too large.".to_owned());
        }
        if line.tax_rate > 10_000 {
            fields.insert(field("tax_rate"), "At most 100 %.".to_owned());
        }
        let gross = line.unit_price.saturating_mul(i64::from(line.quantity));
        if line.discount < 0 || line.discount > gross {
            fields.insert(
                field("discount"),
                "Between zero and the line's price.".to_owned(),
            );
        }
        let total_amount = gross - line.discount.clamp(0, gross.max(0));
        out.push(LineTotals {
            total_amount,
            total_tax_amount: included_tax(total_amount, line.tax_rate.min(10_000)),
        });
    }
    // Checked: no line is over MAX_UNIT_PRICE × u32::MAX, but a sum of many could still wrap.
    let order_amount = out
        .iter()
        .try_fold(0_i64, |sum, l| sum.checked_add(l.total_amount));
    let Some(order_amount) = order_amount else {
        fields.insert(
            "lines".to_owned(),
            "The order total is too large.".to_owned(),
        );
        let message = fields.values().cloned().collect::<Vec<_>>().join(" ");
        return Err(AppError::Validation { message, fields });
    };
    if lines.iter().all(|l| l.unit_price > 0) && order_amount <= 0 && !lines.is_empty() {
        fields.insert(
            "lines".to_owned(),
            "The order total must be above zero.".to_owned(),
        );
    }
    if !fields.is_empty() {
        let message = fields.values().cloned().collect::<Vec<_>>().join(" ");
        return Err(AppError::Validation { message, fields });
    }
    Ok(CartTotals {
        order_tax_amount: out.iter().map(|l| l.total_tax_amount).sum(),
        order_amount,
        lines: out,
    })
}

/// The `POST /sessions` body for a cart.
pub fn session_request(
    device_id: &str,
    currency: &str,
    lines: &[CartLine],
    reference: &str,
) -> Result<CreateSession, AppError> {
    let currency = currency.trim().to_uppercase();
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(AppError::invalid_field(
            "currency",
            "Use a three-letter currency code such as SEK.",
        ));
    }
    if device_id.trim().is_empty() {
        return Err(AppError::invalid_field(
            "device_id",
            "Choose the device that takes the payment.",
        ));
    }
    let totals = totals(lines)?;
    Ok(CreateSession {
        device_id: device_id.to_owned(),
        order_amount: totals.order_amount,
        purchase_currency: currency,
        purchase_started_at: Some(chrono::Utc::now()),
        order_tax_amount: Some(totals.order_tax_amount),
        order_items: lines
            .iter()
            .zip(&totals.lines)
            .enumerate()
            .map(|(index, (line, t))| OrderLine {
                line_type: Some(LineType::Physical),
                reference: Some(format!("TEST-{}", index + 1)),
                name: line.name.trim().to_owned(),
                quantity: Some(i64::from(line.quantity)),
                unit_price: line.unit_price,
                total_amount: t.total_amount,
                tax_rate: i64::from(line.tax_rate),
                total_discount_amount: Some(line.discount),
                total_tax_amount: t.total_tax_amount,
            })
            .collect(),
        merchant_reference1: Some(reference.to_owned()),
        merchant_reference2: None,
        merchant_data: Some(r#"{"source":"fleetdesk-test-payment"}"#.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(name: &str, quantity: u32, unit_price: i64, tax_rate: u32, discount: i64) -> CartLine {
        CartLine {
            name: name.into(),
            quantity,
            unit_price,
            tax_rate,
            discount,
        }
    }

    #[test]
    fn reproduces_the_documented_example() {
        let cart = [
            line("T-Shirt", 2, 100_000, 2500, 0),
            line("Socks", 1, 40_000, 2500, 0),
        ];
        let totals = totals(&cart).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (totals.order_amount, totals.order_tax_amount),
            (240_000, 48_000)
        );
        let body =
            session_request("dev", "sek", &cart, "ORDER-1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(body.purchase_currency, "SEK");
        assert_eq!(body.order_items[0].total_tax_amount, 40_000);
    }

    #[test]
    fn discounts_and_odd_amounts_reconcile() {
        let totals =
            totals(&[line("Coffee", 3, 3_333, 1200, 1_000)]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(totals.lines[0].total_amount, 8_999);
        assert_eq!(totals.lines[0].total_tax_amount, included_tax(8_999, 1200));
        assert_eq!(totals.order_amount, 8_999);
    }

    #[test]
    fn bad_lines_are_reported_by_field() {
        let Err(AppError::Validation { fields, .. }) = totals(&[line("", 0, -5, 20_000, 3)]) else {
            panic!("expected errors");
        };
        for key in [
            "lines.0.name",
            "lines.0.quantity",
            "lines.0.unit_price",
            "lines.0.tax_rate",
            "lines.0.discount",
        ] {
            assert!(fields.contains_key(key), "{key}: {fields:?}");
        }
        assert!(session_request("d", "kronor", &[line("x", 1, 100, 0, 0)], "r").is_err());
    }
}
